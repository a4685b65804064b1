"""Crash safety: real runs SIGKILLed during extract and publish leave a lake readers can trust, and the next run loses nothing.

The benchmark (scripts/benchmark_crashes.py) runs 30 and more such trials; these four keep it true in `make test`.
"""

from __future__ import annotations

import random

import pytest

from bench.bad_input import Expected
from bench.crash import format_trial, run_trial
from bench.lake_audit import Snapshot, lost_rows

# Kills aimed inside each phase: here extract takes 5-15 s after the "ingest:" line, and publishing ten
# articles to a small lake 12-20 ms (more as versions gather files). Where in a phase a kill falls is up to
# the machine's timing, so the test asserts what must hold wherever it falls: the lake recovers whole.
DELAYS = {"extract": (0.0, 1.0), "publish": (0.0, 0.01)}


def test_lost_rows_names_missing_records_and_rows_that_vanished():
    expected = [Expected("generated", "a1", "article"), Expected("binary", "x.txt", "ingest:binary")]
    before = Snapshot(article_ids={"id-old"}, findings={("old.txt", "ingest:binary")})
    after = Snapshot(article_ids={"id-a1"}, source_refs={"a1"}, findings={("x.txt", "ingest:undecodable")})
    assert lost_rows(expected, before, after) == [
        "binary: 'x.txt' is not quarantined as ingest:binary",
        "article id-old was published before the trial and is gone",
        "quarantine row ('old.txt', 'ingest:binary') was published before the trial and is gone",
    ]
    whole = Snapshot(article_ids={"id-old", "id-a1"}, source_refs={"a1"}, findings={("old.txt", "ingest:binary"), ("x.txt", "ingest:binary")})
    assert lost_rows(expected, before, whole) == []


@pytest.mark.slow
def test_sigkill_in_extract_and_publish_then_a_rerun_loses_nothing(prefect_api, tmp_path):
    rng = random.Random(0)
    lake = tmp_path / "lake"
    for number, phase in enumerate(("extract", "publish", "extract", "publish"), start=1):
        low, high = DELAYS[phase]
        trial = run_trial(number, phase, rng.uniform(low, high), tmp_path, lake, prefect_api, articles=10, window=high)
        print(format_trial(trial))
        report = format_trial(trial) + "\n" + trial.output
        assert trial.kill.trigger_seen and trial.landed, report  # the kill hit a run that was still going
        assert not trial.problems_after_kill, report  # readers following _CURRENT get whole versions even now
        assert trial.recovery_code == 0, report
        assert not trial.problems_after_recovery, report
        assert not trial.leftovers, report  # the next run finished or undid what the killed one left
        assert not trial.lost, report  # every record of this trial and of the trials before it is there
