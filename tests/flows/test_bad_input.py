"""The generated bad-input corpus through the whole flow: every record ends as an article or a reasoned quarantine row."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bench.bad_input import expected_counts, kinds, write_corpus
from conftest import read_current
from conflict_events.lake.verify import verify_lake

pytestmark = pytest.mark.slow

# Low limits so the over-the-limit kinds stay small on disk (the 50 MB text is over any limit).
LIMITS = {"max_record_bytes": 200_000, "max_records_per_file": 50}


@pytest.fixture(scope="module")
def bad_run(prefect_server, tmp_path_factory):
    from flows.pipeline import pipeline

    corpus = tmp_path_factory.mktemp("bad-input")
    lake = tmp_path_factory.mktemp("lake")
    expected = write_corpus(corpus, "t1", **LIMITS)
    with pytest.MonkeyPatch.context() as env:
        for key, value in LIMITS.items():
            env.setenv(f"CONFLICT_EVENTS_{key.upper()}", str(value))
        # One record per batch: every duplicate pair straddles two batches, so duplicates must be caught across them.
        first = pipeline(inputs=[str(corpus)], lake=str(lake), batch_size=1)
        again = pipeline(inputs=[str(corpus)], lake=str(lake), batch_size=1)
    return expected, lake, first, again


def test_the_corpus_holds_every_kind_the_issue_names(bad_run):
    expected, *_ = bad_run
    assert len(kinds(expected)) >= 30
    outcomes = expected_counts(expected)
    assert outcomes["article"] >= 15 and sum(outcomes.values()) - outcomes["article"] >= 30


def test_every_record_ends_as_an_article_or_a_quarantine_row_with_its_reason(bad_run):
    expected, lake, summary, _ = bad_run
    articles = read_current(lake, "articles").table.to_pylist()
    quarantine = [q for q in read_current(lake, "quarantine").table.to_pylist() if q["stage"] != "validate"]
    found = Counter([("article", a["source_ref"]) for a in articles] + [(f"{q['stage']}:{q['reason']}", q["record_ref"]) for q in quarantine])
    wanted = Counter((e.outcome, e.ref) for e in expected)
    assert found == wanted  # nothing missing (rows lost = 0), nothing extra, each with its specific reason


def test_the_summary_accounts_for_every_input_record(bad_run):
    expected, _, summary, _ = bad_run
    outcomes = expected_counts(expected)
    assert summary.records_in == len(expected)
    assert summary.unaccounted == 0
    assert summary.articles + summary.records_quarantined + summary.unchanged == summary.records_in
    assert summary.articles == outcomes["article"]
    assert summary.duplicates == outcomes["clean:duplicate"] == 1
    for outcome, count in outcomes.items():
        if outcome != "article":
            assert summary.quarantined_by_reason[outcome] == count, outcome


def test_the_text_that_survives_is_clean_and_decoded_right(bad_run):
    expected, lake, *_ = bad_run
    by_kind = {e.kind: e.ref for e in expected if e.outcome == "article"}
    articles = {a["source_ref"]: a for a in read_current(lake, "articles").table.to_pylist()}
    text = {kind: articles[ref]["text"] for kind, ref in by_kind.items()}
    assert "“residents”" in text["cp1252"] and "Café" in text["cp1252"]
    assert "Café owners fled" in text["utf8_stray_byte"]
    assert "Gunmen attacked the town of Bama" in text["utf16_bom"] and "Dikwa" in text["utf16_no_bom"]
    assert not any(ch in text["control_characters"] for ch in "\x00\x07\x1b\x0c") and "villagers" in text["control_characters"]
    for kind in ("html_as_text", "html_text_field"):
        assert "<" not in text[kind] and "alert" not in text[kind] and "track()" not in text[kind]
    assert articles[by_kind["script_title"]]["title"].startswith("<script>alert('t1')")  # data is stored as it came
    assert articles["../../etc/passwd-t1"]["source_ref"] == "../../etc/passwd-t1"
    assert sorted(p.name for p in lake.iterdir()) == ["_publish.lock", "_quality", "articles", "duplicate_links", "events", "incidents", "quarantine"]


def test_reports_show_hostile_text_as_text(bad_run):
    _, lake, summary, _ = bad_run
    pages = [Path(p) for p in summary.report_pages] + [Path(summary.report_page)]
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(" not in html and "onerror=alert" not in html


def test_the_lake_verifies_and_a_second_run_adds_nothing(bad_run):
    expected, lake, first, again = bad_run
    report = verify_lake(str(lake))
    assert report.problems == [] and report.notes == []
    assert again.versions == {}
    assert again.records_in == first.records_in and again.unaccounted == 0
    assert again.unchanged == first.articles
    assert again.already_quarantined == read_current(lake, "quarantine").table.num_rows
    summary_json = json.dumps(first, default=str)
    assert "<script>" not in summary_json  # the summary carries counts and codes, never article text
