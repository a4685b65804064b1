"""The pipeline flow: ingest -> clean -> extract -> validate (per batch) -> report -> publish."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from conflict_events import code_version
from conflict_events.settings import get_settings
from tasks import stages
from tasks.publish import run_tables
from tasks.schemas import SCHEMAS
from tasks.summary import run_summary, without_failed
from tasks.validate import DatasetReport


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def quality_dir(lake: str) -> Path:
    """Where the Great Expectations project (and its Data Docs report) lives: beside the datasets."""
    return Path(lake.removeprefix("file://")) / "_quality"


@flow(name="conflict-events-pipeline", log_prints=True)
def pipeline(inputs: list[str], lake: str = "data/lake", batch_size: int | None = None) -> dict[str, Any]:
    """One run: every input record ends as an article (with its events) or a quarantine row, then one publish."""
    settings = get_settings(lake=lake, batch_size=batch_size)
    log = get_run_logger()
    run_id = str(flow_run.id or uuid.uuid4())
    run_date = datetime.now(timezone.utc).date()
    project_dir = quality_dir(settings.lake)
    reports = {"articles": DatasetReport(), "events": DatasetReport()}

    # quote(): batches of records go to tasks as they are; Prefect need not walk them looking for futures.
    records, quarantined = stages.ingest(inputs, settings.max_record_bytes)
    log.info("ingest: %d records, %d quarantined", len(records), len(quarantined))
    seen_ids: dict[str, str] = {}
    articles, events = [], []
    extractor_version = ""
    for batch in _batches(records, settings.batch_size):
        cleaned = stages.clean(quote(batch), run_date, seen_ids, settings.min_words, settings.max_text_chars)
        for row in cleaned.articles:
            row["run_id"] = run_id
        coded, failed, extractor_version = stages.extract(quote(cleaned.articles), settings.reference_dir, settings.spacy_model, run_id)
        good_articles, good_events, rejected = stages.validate(
            quote(without_failed(cleaned.articles, failed)), quote(coded), settings.expectations_dir, project_dir, run_date, run_id, reports
        )
        articles.append(good_articles)
        events.append(good_events)
        quarantined += cleaned.quarantined + failed + rejected
    for row in quarantined:
        row["run_id"] = run_id

    articles_table = pa.concat_tables(articles) if articles else SCHEMAS["articles"].empty_table()
    events_table = pa.concat_tables(events) if events else SCHEMAS["events"].empty_table()
    quarantine_table = pa.Table.from_pylist(quarantined, schema=SCHEMAS["quarantine"])
    # The report is built before anything is published: a report failure fails the run, never half of it.
    report = stages.build_report(settings.expectations_dir, project_dir, run_date, run_id) if records else None
    summary = run_summary(run_id, records, articles_table, events_table, quarantined, reports, settings.lake, report)
    common = {
        "code_version": code_version(),
        "extractor_version": extractor_version or None,
        "inputs": [str(Path(p).resolve()) for p in inputs],
        "run_date": run_date.isoformat(),
        "data_docs": report["pages"] if report else [],
    }
    metadata = {
        "articles": {**common, "validation": reports["articles"].as_dict()},
        "events": {**common, "validation": reports["events"].as_dict()},
        "quarantine": {**common, "validation": {"rows_by_reason": summary["quarantined_by_reason"]}},
    }
    tables = run_tables(articles_table, events_table, quarantine_table)
    summary["versions"] = stages.publish(settings.lake, quote(tables), run_id, metadata) if tables else {}
    log.info("published %s", summary["versions"] or "nothing (no changes)")
    return summary
