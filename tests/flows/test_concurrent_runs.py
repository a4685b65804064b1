"""Concurrent runs: three real runs at once on one lake, with overlapping inputs, lose no record.

Each run reads the lake before the others publish, so a text two runs share is judged under the
publish lock against the version being published (conflict_events/lake/publishing.py). The
benchmark (python -m bench.concurrent_runs) repeats this 20 times and prints the numbers.
"""

from __future__ import annotations

import pytest

from bench.concurrent_runs import format_repetition, run_repetition


@pytest.mark.slow
def test_three_concurrent_runs_on_overlapping_inputs_lose_no_record(prefect_api, tmp_path):
    repetition = run_repetition(1, tmp_path, tmp_path / "lake", prefect_api, runs=3, own=2, same=1, shared=2)
    report = format_repetition(repetition) + "\n" + repetition.output
    assert repetition.codes == [0, 0, 0], report
    assert all(a == "5 of 5" for a in repetition.accounted), report  # each run accounts for its own records
    assert repetition.lost == [], report  # every input record is an article or a quarantine row of the lake
    assert repetition.duplicates == repetition.expected_duplicates == 4, report  # each extra copy of a shared text a clean:duplicate row
    assert repetition.problems == [] and repetition.leftovers == [], report  # verify finds nothing; no text published twice
