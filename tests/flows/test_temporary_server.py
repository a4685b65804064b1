"""A run without PREFECT_API_URL starts one temporary Prefect server, whatever its number of worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench import corpus
from conftest import read_current

pytestmark = pytest.mark.slow


def servers_started(run: subprocess.Popen) -> tuple[set[int], int]:
    """Poll the run's process tree until it ends: the pids of Prefect servers it started, and the most extract workers at once."""
    servers, workers = set(), 0
    parent = psutil.Process(run.pid)
    while run.poll() is None:
        try:
            children = parent.children(recursive=True)
            found = []
            for child in children:
                try:
                    found.append((child.pid, " ".join(child.cmdline())))
                except psutil.Error:
                    pass
        except psutil.Error:
            break
        servers |= {pid for pid, cmd in found if "prefect.server.api.server:create_app" in cmd or "prefect server start" in cmd}
        workers = max(workers, sum("multiprocessing" in cmd and "spawn" in cmd for _, cmd in found))
        time.sleep(0.2)
    return servers, workers


def test_worker_processes_report_to_the_runs_one_temporary_server(tmp_path):
    corpus.write_jsonl(corpus.generate(24, seed=3), tmp_path / "feed" / "feed.jsonl")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    script = Path(sys.executable).parent / "conflict-events"
    run = subprocess.Popen(
        [str(script), "run", "--input", str(tmp_path / "feed"), "--lake", str(tmp_path / "lake"), "--workers", "2", "--batch-size", "6"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    servers, workers = servers_started(run)
    output = run.stdout.read()
    assert run.returncode == 0, output
    assert workers == 2, output  # four batches: the extraction ran on two worker processes
    assert len(servers) == 1, output  # and they reported to the run's server, not to servers of their own
    assert read_current(tmp_path / "lake", "articles").table.num_rows == 24
