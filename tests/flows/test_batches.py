"""The batch loop streams: it reads only a few batches ahead of validation, whatever the size of the input."""

from __future__ import annotations

import json

import pytest

from bench import corpus

pytestmark = pytest.mark.slow


class CountingWiring:
    """DirectWiring in this process, noting how many records were read each time a batch reaches validation."""

    def __init__(self):
        from flows.batches import DirectWiring

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
    from flows.batches import run_batches
    from tasks import stages

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
