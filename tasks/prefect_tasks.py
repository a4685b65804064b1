"""Thin Prefect task wrappers around the pure stage functions; retries only where I/O can fail transiently."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
from prefect import get_run_logger, task
from prefect.exceptions import MissingContextError
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from conflict_events.reports import artifacts
from tasks.clean import CleanResult, clean_records
from tasks.extract.coder import Resources, code_articles
from conflict_events.lake.state import LakeState, read_lake_state
from tasks.ingest import Item, next_batch
from conflict_events.lake.store import Lake, PublishResult
from conflict_events.models import RawRecord
from conflict_events.schemas import SCHEMAS
from conflict_events.quality.validator import DatasetReport, Validator, drop_orphan_events

# Inputs are article batches: hashing them for Prefect's cache would cost time and buy nothing.
STAGE = dict(cache_policy=NONE, persist_result=False)


def transient_io_error(task, task_run, state) -> bool:
    """Retry only what may pass: an OS-level error (a flaky mount, a full disk), not bad data or a busy lake."""
    error = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return isinstance(error, OSError)


# Retries with backoff (2, 4, 8 s) for the stages that touch disks or object stores, and only those.
IO_RETRIES = dict(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=2), retry_condition_fn=transient_io_error)


@lru_cache(maxsize=2)
def coder_resources(reference_dir: Path, spacy_model: str) -> Resources:
    """spaCy, the gazetteer and the actor dictionary, loaded once per process."""
    return Resources.load(reference_dir, spacy_model)


@lru_cache(maxsize=4)
def validator_for(expectations_dir: Path, project_dir: Path, run_date: date) -> Validator:
    """One GX context per lake and day, reused across batches."""
    return Validator(expectations_dir, project_dir, run_date)


@task(name="lake-state", **IO_RETRIES, **STAGE)
def lake_state(lake_url: str) -> LakeState:
    """Read which articles the current version holds and which extractor coded them."""
    return read_lake_state(lake_url)


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """The Prefect run logger inside a flow, a plain logger when the stages are called bare (benchmark reference)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("conflict_events")


# No retries: the stream is a generator, and one that raised cannot be resumed. Unreadable files
# never raise here anyway; they become quarantine rows inside the stream.
@task(name="ingest", **STAGE)
def ingest(stream: Iterator[Item], batch_size: int) -> tuple[list[RawRecord], list[dict], bool]:
    """Read the next batch of records (and the quarantine rows met on the way) from the lazy input stream."""
    return next_batch(stream, batch_size)


@task(name="clean", **STAGE)
def clean(
    records: list[RawRecord], run_date: date, seen_ids: dict[str, str], min_words: int, max_chars: int, published: dict[str, str],
    seen_refs: dict[str, str],
) -> CleanResult:
    """Normalise a batch, date it, skip what is already published, drop duplicates and unusable texts."""
    return clean_records(
        records, run_date, seen_ids, min_words=min_words, max_chars=max_chars, published=published, seen_refs=seen_refs
    )


def extract_batch(articles: list[dict], reference_dir: Path, spacy_model: str, run_id: str) -> tuple[list[dict], list[dict], str]:
    """Events and coder failures of a batch, and the extractor version (a plain function: process pools pickle it)."""
    resources = coder_resources(reference_dir, spacy_model)
    events, failures = code_articles(articles, resources, run_id)
    return events, failures, resources.version


@task(name="extract", **STAGE)
def extract(articles: list[dict], reference_dir: Path, spacy_model: str, run_id: str) -> tuple[list[dict], list[dict], str]:
    """Code ACLED-style events from a batch of articles."""
    return extract_batch(articles, reference_dir, spacy_model, run_id)


@task(name="validate", **STAGE)
def validate(
    articles: list[dict], events: list[dict], expectations_dir: Path, project_dir: Path, run_date: date, run_id: str,
    reports: dict[str, DatasetReport],
) -> tuple[pa.Table, pa.Table, list[dict]]:
    """Run the GX suites over a batch; rows that fail (and events of failed articles) go to quarantine."""
    validator = validator_for(expectations_dir, project_dir, run_date)
    articles_table = pa.Table.from_pylist(articles, schema=SCHEMAS["articles"])
    events_table = pa.Table.from_pylist(events, schema=SCHEMAS["events"])
    good_articles, quarantined = validator.validate("articles", articles_table, run_id, reports["articles"])
    events_table, orphans = drop_orphan_events(events_table, set(good_articles.column("article_id").to_pylist()), run_id)
    good_events, bad_events = validator.validate("events", events_table, run_id, reports["events"])
    return good_articles, good_events, quarantined + orphans + bad_events


@task(name="report", **IO_RETRIES, **STAGE)
def build_report(expectations_dir: Path, project_dir: Path, run_date: date, run_id: str) -> dict:
    """Store the run's merged validation results and render their Data Docs pages; return the index and those pages."""
    return validator_for(expectations_dir, project_dir, run_date).build_report(run_id)


@task(name="publish", **IO_RETRIES, **STAGE)
def publish(
    lake_url: str, tables: dict[str, tuple[pa.Table, set[str] | None]], run_id: str, metadata: dict[str, dict], lock_timeout: float
) -> PublishResult:
    """Under the lake's lock, write one new version of every changed dataset, then switch all `_CURRENT` pointers."""
    return Lake(lake_url).publish_all(tables, run_id, metadata, lock_timeout, say=run_logger().warning)


@task(name="report-artifacts", **IO_RETRIES, **STAGE)
def report_artifacts(summary: dict, events: pa.Table) -> None:
    """The run's markdown summary, table of its first new events and link to its Data Docs page, under stable keys."""
    if summary.get("report_page"):
        page = Path(summary["report_page"])
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(artifacts.run_page_html(summary, summary["report_pages"], page.parent.parent), encoding="utf-8")
    create_markdown_artifact(
        key=artifacts.SUMMARY_KEY, markdown=artifacts.summary_markdown(summary), description="counts, quarantine reasons, expectations"
    )
    create_table_artifact(
        key=artifacts.EVENTS_KEY, table=artifacts.events_table_rows(events),
        description=f"new events of this run (first {min(events.num_rows, artifacts.MAX_TABLE_ROWS)} of {summary['events']})",
    )
    if summary.get("report_page"):
        create_link_artifact(
            key=artifacts.REPORT_KEY, link=Path(summary["report_page"]).as_uri(), link_text=f"Data Docs of run {summary['run_id']}",
            description="the Great Expectations validation results of this run",
        )


@task(name="failure-artifact", **STAGE)
def failure_artifact(summary: dict, reason: str) -> None:
    """Put a failed run's reason where people look: the summary artifact's history."""
    create_markdown_artifact(key=artifacts.SUMMARY_KEY, markdown=artifacts.summary_markdown(summary, failure=reason), description="run failed")

