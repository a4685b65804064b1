"""The batch loop streams: it reads only a few batches ahead of validation, whatever the size of the input."""

from __future__ import annotations

import json
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from bench import corpus

pytestmark = pytest.mark.slow


@contextmanager
def counting_wiring(fail: str | None = None):
    """The bare stages in this process, noting how many records were read each time a batch reaches validation.

    `fail` names a stage that fails instead: an extraction worker that dies, or a report or publish on a full disk.
    """
    from flows.direct import direct_wiring

    read, read_at_validation = [0], []

    def ingest(*args):
        result = inner.ingest(*args)
        read[0] += len(result[0])
        return result

    def validate(*args):
        read_at_validation.append(read[0])
        return inner.validate(*args)

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    def dead_worker(*args):
        died: Future = Future()
        died.set_exception(RuntimeError("worker process died"))
        return died

    with direct_wiring(1) as inner:
        wiring = replace(inner, ingest=ingest, validate=validate)
        if fail == "extract":
            wiring = replace(wiring, extract=dead_worker)
        elif fail:
            wiring = replace(wiring, **{fail: full_disk})
        yield wiring, read_at_validation


def run_context(settings, run_id):
    from conflict_events.models import RunContext
    from conflict_events.settings import quality_dir

    return RunContext(run_id, datetime.now(timezone.utc).date(), quality_dir(settings))


def test_records_are_read_a_few_batches_ahead_of_validation_not_all_at_once(tmp_path):
    import logging

    from conflict_events.settings import get_settings
    from flows.run_loop import run_batches
    from tasks import prefect_tasks as stages

    for n, records in enumerate(corpus.generate(30, seed=5)[i : i + 10] for i in range(0, 30, 10)):
        (tmp_path / "feed").mkdir(exist_ok=True)
        corpus.write_jsonl(records, tmp_path / "feed" / f"feed-{n}.jsonl")
    (tmp_path / "feed" / "feed-1.jsonl").open("a").write(json.dumps({"id": "bad", "text": 7}) + "\n")
    settings = get_settings(lake=str(tmp_path / "lake"), batch_size=4, workers=1, quality_dir=tmp_path / "quality")
    with counting_wiring() as (wiring, read_at_validation):
        summary = run_batches(
            [str(tmp_path / "feed")], False, settings, run_context(settings, "run-1"), stages.lake_state.fn(settings.lake), wiring,
            logging.getLogger("test"),
        )
    # Batch k is validated once batch k + 2 is read (two batches in flight with one worker), never later.
    assert read_at_validation[:3] == [12, 16, 20]
    assert len(read_at_validation) == 8  # 30 articles in batches of 4
    assert (summary.records_in, summary.articles, summary.records_quarantined, summary.unaccounted) == (31, 30, 1, 0)
    assert summary.versions == {"articles": "v000001", "events": "v000001", "quarantine": "v000001", "incidents": "v000001"}


@pytest.mark.parametrize("failing", ["extract", "build_report", "publish"])
def test_a_run_that_fails_leaves_no_version_and_no_spool(tmp_path, failing):
    import logging

    from conflict_events.settings import get_settings
    from flows.run_loop import run_batches
    from tasks import prefect_tasks as stages

    corpus.write_jsonl(corpus.generate(6, seed=9), tmp_path / "feed" / "feed.jsonl")
    settings = get_settings(
        lake=str(tmp_path / "lake"), batch_size=4, workers=1, quality_dir=tmp_path / "quality", spool_dir=tmp_path / "spool"
    )
    with counting_wiring(fail=failing) as (wiring, _), pytest.raises((OSError, RuntimeError), match="worker process died|No space left"):
        run_batches(
            [str(tmp_path / "feed")], False, settings, run_context(settings, "run-f"), stages.lake_state.fn(settings.lake), wiring,
            logging.getLogger("test"),
        )
    assert list((tmp_path / "spool").iterdir()) == []
    assert not (tmp_path / "lake").exists() or not any((tmp_path / "lake").glob("*/v*"))
