"""Crash safety: real runs SIGKILLed during extract and publish leave a lake readers can trust, and the next run loses nothing.

The benchmark (scripts/benchmark_crashes.py) runs 30 and more such trials; these four keep it true in `make test`.
"""

from __future__ import annotations

import random

import pytest

from bench.crash import Expected, Snapshot, format_trial, lost_rows, run_trial

# Short enough after the trigger that kills land inside the phase: here extract takes 5-15 s after the
# "ingest:" line, and publishing ten articles to a small lake 12-20 ms (more as versions gather files).
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
    trials = []
    for number, phase in enumerate(("extract", "publish", "extract", "publish"), start=1):
        low, high = DELAYS[phase]
        trial = run_trial(number, phase, rng.uniform(low, high), tmp_path, lake, prefect_api, articles=10, window=high)
        trials.append(trial)
        print(format_trial(trial))
        report = format_trial(trial) + "\n" + trial.output
        assert trial.kill.trigger_seen, report
        assert not trial.problems_after_kill, report  # readers following _CURRENT get whole versions even now
        assert trial.recovery_code == 0, report
        assert not trial.problems_after_recovery, report
        assert not trial.leftovers, report  # the next run finished or undid what the killed one left
        assert not trial.lost, report
    # Landed inside its phase, not only on a live process: before any publish, and with the journal left behind.
    where = {phase: {t.where for t in trials if t.phase == phase} for phase in DELAYS}
    assert "pre-publish" in where["extract"] and "mid-publish" in where["publish"], "\n".join(map(format_trial, trials))
