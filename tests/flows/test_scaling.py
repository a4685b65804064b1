"""Parallel and distributed extraction publish exactly what a serial run publishes, on any fsspec lake."""

from __future__ import annotations

import hashlib
import json

import pyarrow.compute as pc
import pytest

from bench import corpus
from conftest import SAMPLES

pytestmark = pytest.mark.slow


def content(lake: str) -> dict:
    """What a consumer sees: every current row (run ids and times aside), sorted; a digest of the events."""
    from conflict_events.lake.factory import open_lake

    store = open_lake(lake)
    events = store.read_current("events")
    events = events.take(pc.sort_indices(events, [("event_id", "ascending")]))
    articles = store.read_current("articles").drop_columns(["run_id", "ingested_at"])
    quarantine = store.read_current("quarantine").select(["record_ref", "stage", "reason"])
    return {
        "events": hashlib.sha256(json.dumps(events.to_pylist(), default=str).encode()).hexdigest(),
        "event_rows": events.num_rows,
        "articles": sorted(json.dumps(r, default=str, sort_keys=True) for r in articles.to_pylist()),
        "quarantine": sorted(tuple(r.values()) for r in quarantine.to_pylist()),
    }


def batches_coded() -> int:
    """Run on a Dask worker: how many extract batches this process coded (calls to its cached coder resources)."""
    from tasks.prefect_tasks import _resources

    info = _resources.cache_info()
    return info.hits + info.misses


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    """60 generated wire articles in three feed files, plus the samples folder (with its bad inputs)."""
    folder = tmp_path_factory.mktemp("feed")
    records = corpus.generate(60, seed=11)
    for n in range(3):
        corpus.write_jsonl(records[n * 20 : (n + 1) * 20], folder / f"feed-{n}.jsonl")
    return [str(folder), str(SAMPLES)]


@pytest.fixture(scope="module")
def serial(prefect_server, feed, tmp_path_factory):
    from flows.pipeline import pipeline

    lake = str(tmp_path_factory.mktemp("serial-lake"))
    summary = pipeline(inputs=feed, lake=lake, batch_size=8, workers=1)
    return summary, content(lake)


def test_two_worker_processes_publish_what_one_process_publishes(serial, feed, tmp_path):
    from flows.pipeline import pipeline

    lake = (tmp_path / "lake").as_uri()  # a file:// URL
    summary = pipeline(inputs=feed, lake=lake, batch_size=8, workers=2)
    assert serial[0].events > 40 and serial[0].articles == 60 + 23
    assert content(lake) == serial[1]
    assert (summary.records_in, summary.articles, summary.events, summary.unaccounted) == (
        serial[0].records_in, serial[0].articles, serial[0].events, 0
    )


def test_a_dask_cluster_publishes_what_the_local_run_publishes_to_an_fsspec_lake(serial, feed, tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    from flows.pipeline import pipeline

    # GX keeps its project on a local disk; the lake itself lives in fsspec's in-memory filesystem.
    monkeypatch.setenv("CONFLICT_EVENTS_QUALITY_DIR", str(tmp_path / "quality"))
    lake = "memory://dask-test/lake"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = pipeline(inputs=feed, lake=lake, batch_size=8, dask_address=cluster.scheduler_address)
        with Client(cluster) as client:
            coded_here = client.run(batches_coded)  # worker address -> extract batches it ran
    assert len(coded_here) == 2 and all(coded_here.values())  # both worker processes coded batches
    assert sum(coded_here.values()) >= 11  # 83 articles in batches of at most 8 (bad records take places in a batch too)
    assert summary.unaccounted == 0 and summary.versions
    assert content(lake) == serial[1]
