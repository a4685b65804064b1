"""What the Prefect UI and the run's Data Docs page show: counts per stage, reasons, and no markup from articles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pyarrow as pa

from conflict_events.models import RunSummary
from conflict_events.reports.artifacts import events_table_rows, md, run_page_html, stage_counts, summary_markdown
from conflict_events.schemas import SCHEMAS

SUMMARY = RunSummary(
    run_id="r1", mode="incremental", lake="lake", recode_reason=None, records_in=12, unchanged=5, articles=4,
    recoded_from_lake=0, events=6, already_quarantined=1, versions={"articles": "v000002", "events": "v000002"},
    quarantined_by_reason={"ingest:binary": 1, "clean:duplicate": 2, "validate:failed_expectations": 1},
    validation={
        "articles": {"rows_checked": 4, "rows_failed": 0, "expectations_evaluated": 27, "expectations_failed": {}},
        "events": {"rows_checked": 7, "rows_failed": 1, "expectations_evaluated": 40,
                   "expectations_failed": {"expect_column_values_to_be_between(fatalities)": 1}},
    },
)


def test_the_summary_counts_each_stage_and_names_failed_expectations():
    counts = dict(stage_counts(SUMMARY))
    assert counts["quarantined at ingest"] == 1 and counts["quarantined at clean"] == 2 and counts["unchanged (already published)"] == 5
    text = summary_markdown(SUMMARY)
    assert "articles **v000002**" in text and "| articles coded | 4 |" in text
    assert "| clean:duplicate | 2 |" in text
    assert "| events | 7 | 1 | 39 |" in text and r"expect\_column\_values\_to\_be\_between\(fatalities\) ×1" in text


def test_nothing_new_and_failures_are_said_plainly():
    assert "**nothing new**" in summary_markdown(replace(SUMMARY, versions={}))
    failed = summary_markdown(RunSummary("r2", "incremental", "lake", current_before={"articles": "v000002", "events": None}), failure="LakeBusy: locked")
    assert "**Run failed:** LakeBusy: locked" in failed and "articles: v000002" in failed and "events: none" in failed


def test_article_text_cannot_become_markup():
    hostile = '<script>alert(1)</script> [click](javascript:x) | **bold**'
    escaped = md(hostile)
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped
    assert r"\[click\]\(javascript:x\) \| \*\*bold\*\*" in escaped
    page = run_page_html(replace(SUMMARY, run_id=hostile, quarantined_by_reason={hostile: 1}), [], Path("/site"))
    assert "<script>" not in page and page.count("&lt;script&gt;") == 3


def test_the_events_table_holds_strings_for_dates_and_is_capped():
    rows = [{name: None for name in SCHEMAS["events"].names} | {"event_date": date(2024, 3, 20), "fatalities": i, "confidence": 0.12345}
            for i in range(3)]
    table = pa.Table.from_pylist(rows, schema=SCHEMAS["events"])
    shown = events_table_rows(table, limit=2)
    assert len(shown) == 2 and shown[0]["event_date"] == "2024-03-20" and shown[0]["confidence"] == 0.123
    assert events_table_rows(SCHEMAS["events"].empty_table()) == []


def test_the_run_page_and_summary_point_to_the_lake_report_beside_the_run_page():
    from conflict_events.reports.artifacts import lake_report_path

    report = lake_report_path("/site/runs/r1.html")
    assert report == "/site/runs/r1-report.html"
    assert 'href="r1-report.html"' in run_page_html(SUMMARY, [], Path("/site"), report)
    assert "report.html" not in run_page_html(SUMMARY, [], Path("/site"))  # no link when the report could not be written
    assert "r1\\-report.html" in summary_markdown(SUMMARY, lake_report=report)
