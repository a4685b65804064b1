"""The pipeline flow: ingest -> clean -> extract -> validate (per batch) -> report -> publish -> artifacts.

Incremental: a record whose text is already published under its ref is skipped; when the extractor
changed (or with `full`) every article, including those only the lake still holds, is coded again.
"""

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
from tasks.artifacts import run_page_path
from tasks.extract.coder import extractor_version
from tasks.extract.nlp import installed_model_version
from tasks.incremental import published_articles
from tasks.publish import run_tables
from tasks.schemas import SCHEMAS
from tasks.summary import check_accounting, run_summary, without_failed
from tasks.validate import DatasetReport


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def quality_dir(lake: str) -> Path:
    """Where the Great Expectations project (and its Data Docs report) lives: beside the datasets."""
    return Path(lake.removeprefix("file://")) / "_quality"


@flow(name="conflict-events-pipeline", log_prints=True)
def pipeline(inputs: list[str], lake: str = "data/lake", full: bool = False, batch_size: int | None = None) -> dict[str, Any]:
    """One run: every new input record ends as an article (with its events) or a quarantine row, then one publish."""
    settings = get_settings(lake=lake, batch_size=batch_size)
    log = get_run_logger()
    run_id = str(flow_run.id or uuid.uuid4())
    state = stages.lake_state(settings.lake)
    try:
        return _run(inputs, full, settings, run_id, state)
    except Exception as exc:
        # The reason goes to the log, the flow run's state and the summary artifact's history.
        reason = f"{type(exc).__name__}: {exc}"
        log.error("run failed, nothing published; current versions stay %s. Reason: %s", state.versions, reason)
        try:
            stages.failure_artifact({"run_id": run_id, "current_before": state.versions}, reason)
        except Exception as artifact_error:  # the run's own failure is the one to report
            log.warning("could not record the failure as an artifact: %s", artifact_error)
        raise


def _run(inputs: list[str], full: bool, settings, run_id: str, state) -> dict[str, Any]:
    log = get_run_logger()
    run_date = datetime.now(timezone.utc).date()
    project_dir = quality_dir(settings.lake)
    reports = {"articles": DatasetReport(), "events": DatasetReport()}
    recode_reason = state.recode_reason(extractor_version(settings.reference_dir, installed_model_version(settings.spacy_model)), full)
    if recode_reason:
        log.info("coding every article again: %s", recode_reason)
    published = {} if recode_reason else state.published

    def code_and_validate(batch: list[dict]) -> tuple[pa.Table, pa.Table, list[dict], str]:
        # quote(): batches go to tasks as they are; Prefect need not walk them looking for futures.
        coded, failed, version = stages.extract(quote(batch), settings.reference_dir, settings.spacy_model, run_id)
        good_articles, good_events, rejected = stages.validate(
            quote(without_failed(batch, failed)), quote(coded), settings.expectations_dir, project_dir, run_date, run_id, reports
        )
        return good_articles, good_events, failed + rejected, version

    records, quarantined = stages.ingest(inputs, settings.max_record_bytes, settings.max_records_per_file)
    log.info("ingest: %d records, %d quarantined", len(records), len(quarantined))
    seen_ids: dict[str, str] = {}  # article_id -> source_ref, across batches: duplicates of a text
    seen_refs: dict[str, str] = {}  # own id -> article_id, across batches: one id on two texts
    articles, events, unchanged = [], [], 0
    version = ""
    for batch in _batches(records, settings.batch_size):
        # quote(): the dicts go to the task as they are (it adds to them); Prefect need not walk them for futures.
        cleaned = stages.clean(
            quote(batch), run_date, quote(seen_ids), settings.min_words, settings.max_text_chars, quote(published), quote(seen_refs)
        )
        unchanged += len(cleaned.unchanged)
        quarantined += cleaned.quarantined
        for row in cleaned.articles:
            row["run_id"] = run_id
        if cleaned.articles:
            good_articles, good_events, rejected, version = code_and_validate(cleaned.articles)
            articles.append(good_articles)
            events.append(good_events)
            quarantined += rejected
    from_input = sum(t.num_rows for t in articles)

    recoded, recode_quarantined = 0, []
    if recode_reason and state.versions["articles"]:
        # Articles only the lake still holds are coded again from their stored text.
        for batch in published_articles(settings.lake, state.versions["articles"], set(seen_ids), settings.batch_size):
            good_articles, good_events, rejected, version = code_and_validate(batch)
            articles.append(good_articles)
            events.append(good_events)
            recoded += good_articles.num_rows
            recode_quarantined += rejected
    for row in quarantined + recode_quarantined:
        row["run_id"] = run_id

    articles_table = pa.concat_tables(articles) if articles else SCHEMAS["articles"].empty_table()
    events_table = pa.concat_tables(events) if events else SCHEMAS["events"].empty_table()
    quarantine_table = pa.Table.from_pylist(quarantined + recode_quarantined, schema=SCHEMAS["quarantine"])
    # The report is built before anything is published: a report failure fails the run, never half of it.
    report = stages.build_report(settings.expectations_dir, project_dir, run_date, run_id) if articles else None
    summary = run_summary(
        run_id, len(records) + sum(1 for q in quarantined if q["stage"] == "ingest"), from_input, events_table,
        quarantined, recode_quarantined, reports, settings.lake, report,
        mode="full" if recode_reason else ("incremental" if state.published else "first"), recode_reason=recode_reason,
        unchanged=unchanged, recoded_from_lake=recoded, current_before=state.versions,
    )
    check_accounting(summary)  # a record lost between stages is a bug: better no version than a silent gap
    common = {
        "code_version": code_version(),
        "extractor_version": version or None,
        "inputs": [str(Path(p).resolve()) for p in inputs],
        "run_date": run_date.isoformat(),
        "mode": summary["mode"],
        "data_docs": report["pages"] if report else [],
    }
    metadata = {
        "articles": {**common, "validation": reports["articles"].as_dict()},
        "events": {**common, "validation": reports["events"].as_dict()},
        "quarantine": {**common, "validation": {"rows_by_reason": summary["quarantined_by_reason"]}},
    }
    tables = run_tables(articles_table, events_table, quarantine_table)
    result = stages.publish(settings.lake, quote(tables), run_id, metadata, settings.publish_lock_timeout)
    summary["versions"] = result.versions
    summary["already_quarantined"] = result.already_quarantined
    if report:
        summary["report_page"] = run_page_path(report["index"], run_id)
    if result.versions:
        log.info("published %s", result.versions)
    else:
        log.info(
            "nothing new: no new version published (%d records already published, %d quarantine rows already in quarantine)",
            unchanged, result.already_quarantined,
        )
    stages.report_artifacts(summary, quote(events_table))
    return summary
