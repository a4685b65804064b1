"""Scheduled runs on a real Prefect server (the session's, from tests/conftest.py), prefect.yaml, and runs started together."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.prefect_server import stop_group
from conftest import FAST_SCHEDULER, PROJECT_ROOT, SAMPLES, read_current

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def server(prefect_api, tmp_path_factory):
    """The session's real Prefect server (tests/conftest.py, scheduling tuned to act within seconds) and a client environment for it."""
    home = tmp_path_factory.mktemp("prefect-client-home")
    env = {**os.environ, **FAST_SCHEDULER, "PREFECT_HOME": str(home), "PREFECT_API_URL": prefect_api}
    return {"url": prefect_api, "env": env, "home": home}


def _client(server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: server["url"]}):
        return get_client(sync_client=True)


def _some_samples(target: Path, names: list[str]) -> Path:
    target.mkdir(parents=True)
    for name in names:
        shutil.copy(SAMPLES / name, target / Path(name).name)
    return target


def test_a_scheduled_run_publishes_a_version_and_its_artifacts(server, tmp_path):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, FlowRunFilterDeploymentId
    from prefect.client.schemas.objects import StateType

    inputs = _some_samples(tmp_path / "in", ["sy_airstrike_idlib.txt", "ua_shelling_kharkiv.txt", "nonevent_talks_geneva.txt"])
    lake = tmp_path / "lake"
    serve_log = open(tmp_path / "serve.log", "w")
    serve = subprocess.Popen(
        [str(BIN / "conflict-events"), "serve", "--interval", "10", "--input", str(inputs), "--lake", str(lake),
         "--name", "test-schedule", "--poll-seconds", "1"],
        env=server["env"], cwd=PROJECT_ROOT, stdout=serve_log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        with _client(server) as client:
            deadline = time.monotonic() + 300
            run = None
            while run is None:
                assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "no scheduled run completed in 5 minutes:\n" + (tmp_path / "serve.log").read_text()[-3000:]
                try:
                    deployment = client.read_deployment_by_name("conflict-events-pipeline/test-schedule")
                except Exception:  # not registered yet
                    time.sleep(1)
                    continue
                runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])))
                failed = [r for r in runs if r.state and r.state.type in (StateType.FAILED, StateType.CRASHED)]
                assert not failed, f"{failed[0].state.message}\n" + (tmp_path / "serve.log").read_text()[-3000:]
                run = next((r for r in runs if r.state and r.state.type == StateType.COMPLETED), None)
                time.sleep(1)
            assert run.auto_scheduled, "the completed run was not created by the schedule"
            assert run.parameters["lake"] == str(lake) and run.parameters["full"] is False
            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
    finally:
        stop_group(serve, grace=30)  # serve starts flow runs as children: the whole group goes
        serve_log.close()

    for dataset in ("articles", "events"):
        version, table, manifest = read_current(lake, dataset)
        assert manifest["run_id"] == str(run.id) and table.num_rows == manifest["row_count"] > 0
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {"conflict-events-run-summary", "conflict-events-new-events", "conflict-events-data-quality", "conflict-events-report"}
    assert "| articles coded | 3 |" in by_key["conflict-events-run-summary"].data
    events = json.loads(by_key["conflict-events-new-events"].data)
    assert len(events) == read_current(lake, "events").table.num_rows and {"sub_event_type", "fatalities"} <= set(events[0])
    page = by_key["conflict-events-data-quality"].data.split("](file://", 1)[1].rstrip(")")
    assert Path(page).is_file() and str(run.id) in Path(page).read_text()
    report = by_key["conflict-events-report"].data.split("](file://", 1)[1].rstrip(")")
    assert report == str(Path(page).with_name(f"{run.id}-report.html")) and "vegaEmbed" in Path(report).read_text()


def test_prefect_deploy_reads_the_projects_prefect_yaml(server):
    env = {**server["env"], "PWD": str(PROJECT_ROOT)}
    subprocess.run([str(BIN / "prefect"), "work-pool", "create", "conflict-events", "--type", "process"], env=env, check=True, capture_output=True)
    deploy = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    with _client(server) as client:
        deployment = client.read_deployment_by_name("conflict-events-pipeline/hourly")
    schedule = deployment.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 * * * *", "UTC")
    assert deployment.parameters == {"inputs": ["data/samples"], "lake": "data/lake", "full": False}
    assert deployment.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": str(PROJECT_ROOT)}}]
    assert deployment.work_pool_name == "conflict-events" and deployment.global_concurrency_limit.limit == 1


def test_two_runs_started_together_leave_consistent_datasets(server, tmp_path):
    first = _some_samples(tmp_path / "a", ["sy_airstrike_idlib.txt", "sd_clash_el_fasher.txt"])
    second = _some_samples(tmp_path / "b", ["sy_airstrike_idlib.txt", "ng_borno_attack_konduga.txt"])
    shared_bad = _some_samples(tmp_path / "shared", ["bad/empty.txt"]) / "empty.txt"
    lake = tmp_path / "lake"
    runs = [
        subprocess.Popen(
            [str(BIN / "conflict-events"), "run", "--input", str(folder), "--input", str(shared_bad), "--lake", str(lake)],
            env=server["env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for folder in (first, second)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    (tmp_path / "outputs.txt").write_text("\n=====\n".join(outputs))
    assert [run.returncode for run in runs] == [0, 0], outputs
    _, articles, _ = read_current(lake, "articles")
    _, events, _ = read_current(lake, "events")
    version, quarantine, _ = read_current(lake, "quarantine")
    ids = articles.column("article_id").to_pylist()
    assert len(ids) == len(set(ids)) == 3  # the shared article once, whichever run coded it
    assert sorted(articles.column("source_ref").to_pylist()) == ["ng_borno_attack_konduga.txt", "sd_clash_el_fasher.txt", "sy_airstrike_idlib.txt"]
    assert set(events.column("article_id").to_pylist()) <= set(ids)
    assert len({(e["article_id"], e["event_id"]) for e in events.to_pylist()}) == events.num_rows
    assert quarantine.column("record_ref").to_pylist() == ["empty.txt"]  # the same bad file, quarantined once
    for dataset in ("articles", "events", "quarantine"):
        for folder in sorted((lake / dataset).glob("v*")):
            manifest = json.loads((folder / "_manifest.json").read_text())
            assert sorted(f["path"] for f in manifest["files"]) == sorted(p.name for p in folder.glob("*.parquet"))
            assert pq.read_table(folder).num_rows == manifest["row_count"]
