"""The batch loop streams: it reads only a few batches ahead of validation, whatever the size of the input."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bench import corpus

pytestmark = pytest.mark.slow


class CountingWiring:
    """DirectWiring in this process, noting how many records were read each time a batch reaches validation."""

    def __init__(self):
        from flows.run_loop import DirectWiring

        self.inner = DirectWiring(1)
        self.in_flight = self.inner.in_flight
        self.read = 0
        self.read_at_validation: list[int] = []

    def run(self, stage, *args):
        result = self.inner.run(stage, *args)
        if stage == "ingest":
            self.read += len(result[0])
        elif stage == "validate":
            self.read_at_validation.append(self.read)
        return result

    def submit(self, *args):
        return self.inner.submit(*args)


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
    wiring = CountingWiring()
    summary = run_batches(
        [str(tmp_path / "feed")], False, settings, "run-1", stages.lake_state.fn(settings.lake), wiring, logging.getLogger("test")
    )
    # Batch k is validated once batch k + 2 is read (two batches in flight with one worker), never later.
    assert wiring.read_at_validation[:3] == [12, 16, 20]
    assert len(wiring.read_at_validation) == 8  # 30 articles in batches of 4
    assert (summary["records_in"], summary["articles"], summary["records_quarantined"], summary["unaccounted"]) == (31, 30, 1, 0)
    assert summary["versions"] == {"articles": "v000001", "events": "v000001", "quarantine": "v000001"}


class FailingWiring(CountingWiring):
    """CountingWiring whose extraction worker dies, or whose report or publish hits a full disk."""

    def __init__(self, failing: str):
        super().__init__()
        self.failing = failing

    def run(self, stage, *args):
        if stage == self.failing:
            raise OSError(28, "No space left on device")
        return super().run(stage, *args)

    def submit(self, *args):
        from concurrent.futures import Future

        if self.failing != "extract":
            return super().submit(*args)
        died: Future = Future()
        died.set_exception(RuntimeError("worker process died"))
        return died


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
    with pytest.raises((OSError, RuntimeError), match="worker process died|No space left"):
        run_batches(
            [str(tmp_path / "feed")], False, settings, "run-f", stages.lake_state.fn(settings.lake), FailingWiring(failing),
            logging.getLogger("test"),
        )
    assert list((tmp_path / "spool").iterdir()) == []
    assert not (tmp_path / "lake").exists() or not any((tmp_path / "lake").glob("*/v*"))
    if failing == "build_report":  # batches were validated and merged: the failed run's merge is dropped, not kept for ever
        run_date = datetime.now(timezone.utc).date()
        validator = stages.validator_for(settings.expectations_dir, tmp_path / "quality", run_date)
        assert validator.context is not None and not any(run == "run-f" for run, _ in validator._merged)
