"""The whole flow on the bundled samples, in the Prefect test harness, read back with plain pyarrow."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLES, read_current

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_run(prefect_server, tmp_path_factory):
    from flows.pipeline import pipeline

    lake = tmp_path_factory.mktemp("lake")
    summary = pipeline(inputs=[str(SAMPLES)], lake=str(lake))
    return lake, summary


def test_every_dataset_is_published_and_readable_through_current(sample_run):
    lake, summary = sample_run
    assert set(summary.versions) == {"articles", "events", "quarantine", "incidents"}
    for dataset in ("articles", "events", "quarantine"):
        _, table, manifest = read_current(lake, dataset)
        assert table.num_rows == manifest["row_count"] > 0
        assert manifest["run_id"] == summary.run_id
    articles = read_current(lake, "articles").table
    events = read_current(lake, "events").table
    assert articles.num_rows == summary.articles >= 20
    assert events.num_rows == summary.events
    assert set(events.column("article_id").to_pylist()) <= set(articles.column("article_id").to_pylist())


def test_bad_inputs_end_as_quarantine_rows_with_reasons(sample_run):
    lake, summary = sample_run
    quarantine = read_current(lake, "quarantine").table
    reasons = {row["record_ref"]: (row["stage"], row["reason"]) for row in quarantine.to_pylist()}
    assert reasons["bad/empty.txt"] == ("ingest", "empty_file")
    assert reasons["bad/binary.txt"] == ("ingest", "binary")
    assert reasons["bad/not_utf8.txt"] == ("ingest", "undecodable")
    assert reasons["bad/whitespace_only.txt"] == ("clean", "empty_text")
    assert reasons["no-text-1"] == ("ingest", "no_text_field")
    assert reasons["empty-text-1"] == ("clean", "empty_text")
    assert reasons["articles.jsonl#8"] == ("ingest", "malformed_json")
    # The CSV without a text column: each row is quarantined under its own id.
    assert {k: v for k, v in reasons.items() if k.startswith("notext-")} == {
        "notext-1": ("ingest", "no_text_column"), "notext-2": ("ingest", "no_text_column")
    }
    assert all(row["payload"] and row["detail"] and row["run_id"] == summary.run_id for row in quarantine.to_pylist())


def test_no_record_is_lost(sample_run):
    _, summary = sample_run
    assert summary.records_in == summary.articles + summary.records_quarantined


def test_re_encoded_articles_are_decoded_not_quarantined(sample_run):
    lake, _ = sample_run
    articles = read_current(lake, "articles").table
    refs = set(articles.column("source_ref").to_pylist())
    assert {"bad/cp1252_article.txt", "bad/utf16_article.txt"} <= refs
    text = next(r["text"] for r in articles.to_pylist() if r["source_ref"] == "bad/cp1252_article.txt")
    assert "é" in text


def test_the_data_quality_report_exists(sample_run):
    _, summary = sample_run
    assert summary.report and Path(summary.report).is_file()
    pages = summary.report_pages
    assert {Path(p).parts[-4] for p in pages} == {"articles", "events"}  # validations/<suite>/<run id>/<time>/page
    assert all(summary.run_id in p and Path(p).is_file() for p in pages)


def test_the_run_writes_the_lake_report_beside_its_run_page(sample_run):
    lake, summary = sample_run
    report = Path(summary.report_page).with_name(f"{summary.run_id}-report.html")
    page = report.read_text()
    assert f"events {read_current(lake, 'events').version}" in page and "vegaEmbed" in page
    assert f'href="{report.name}"' in Path(summary.report_page).read_text()  # the run page links to it


def test_duckdb_reads_the_current_version(sample_run):
    import duckdb

    lake, summary = sample_run
    version = read_current(lake, "events").version
    count = duckdb.connect().execute(f"select count(*) from read_parquet('{lake}/events/{version}/*.parquet')").fetchone()[0]
    assert count == summary.events
