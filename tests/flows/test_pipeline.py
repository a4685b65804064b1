"""The whole flow on the bundled samples, in the Prefect test harness, read back with plain pyarrow."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import SAMPLES

pytestmark = pytest.mark.slow


def read_current(lake: Path, dataset: str):
    """What a downstream consumer does: follow _CURRENT, read the folder with any Parquet reader."""
    version = (lake / dataset / "_CURRENT").read_text().strip()
    return pq.read_table(lake / dataset / version), version


@pytest.fixture(scope="module")
def sample_run(prefect_server, tmp_path_factory):
    from flows.pipeline import pipeline

    lake = tmp_path_factory.mktemp("lake")
    summary = pipeline(inputs=[str(SAMPLES)], lake=str(lake))
    return lake, summary


def test_every_dataset_is_published_and_readable_through_current(sample_run):
    lake, summary = sample_run
    assert set(summary["versions"]) == {"articles", "events", "quarantine"}
    for dataset in ("articles", "events", "quarantine"):
        table, version = read_current(lake, dataset)
        manifest = json.loads((lake / dataset / version / "_manifest.json").read_text())
        assert table.num_rows == manifest["row_count"] > 0
        assert manifest["run_id"] == summary["run_id"]
    articles, _ = read_current(lake, "articles")
    events, _ = read_current(lake, "events")
    assert articles.num_rows == summary["articles"] >= 20
    assert events.num_rows == summary["events"]
    assert set(events.column("article_id").to_pylist()) <= set(articles.column("article_id").to_pylist())


def test_bad_inputs_end_as_quarantine_rows_with_reasons(sample_run):
    lake, summary = sample_run
    quarantine, _ = read_current(lake, "quarantine")
    reasons = {row["record_ref"]: (row["stage"], row["reason"]) for row in quarantine.to_pylist()}
    assert reasons["bad/empty.txt"] == ("ingest", "empty_file")
    assert reasons["bad/binary.txt"] == ("ingest", "binary")
    assert reasons["bad/not_utf8.txt"] == ("ingest", "undecodable")
    assert reasons["bad/whitespace_only.txt"] == ("clean", "empty_text")
    assert reasons["no-text-1"] == ("ingest", "no_text_field")
    assert reasons["empty-text-1"] == ("clean", "empty_text")
    assert reasons["articles.jsonl#8"] == ("ingest", "malformed_json")
    assert {reasons[k] for k in reasons if k.startswith("bad/no_text_column.csv") or k.startswith("nt")} <= {("ingest", "no_text_column")}
    assert all(row["payload"] and row["detail"] and row["run_id"] == summary["run_id"] for row in quarantine.to_pylist())


def test_no_record_is_lost(sample_run):
    _, summary = sample_run
    assert summary["records_in"] == summary["articles"] + summary["records_quarantined"]


def test_re_encoded_articles_are_decoded_not_quarantined(sample_run):
    lake, _ = sample_run
    articles, _ = read_current(lake, "articles")
    refs = set(articles.column("source_ref").to_pylist())
    assert {"bad/cp1252_article.txt", "bad/utf16_article.txt"} <= refs
    text = next(r["text"] for r in articles.to_pylist() if r["source_ref"] == "bad/cp1252_article.txt")
    assert "é" in text


def test_the_data_quality_report_exists(sample_run):
    _, summary = sample_run
    assert summary["report"] and Path(summary["report"]).is_file()
    pages = summary["report_pages"]
    assert {Path(p).parts[-4] for p in pages} == {"articles", "events"}  # validations/<suite>/<run id>/<time>/page
    assert all(summary["run_id"] in p and Path(p).is_file() for p in pages)


def test_duckdb_reads_the_current_version(sample_run):
    import duckdb

    lake, summary = sample_run
    version = (lake / "events" / "_CURRENT").read_text().strip()
    count = duckdb.connect().execute(f"select count(*) from read_parquet('{lake}/events/{version}/*.parquet')").fetchone()[0]
    assert count == summary["events"]
