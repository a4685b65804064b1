"""Thin Prefect task wrappers around the pure stage functions; retries only where I/O can fail transiently."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.exceptions import MissingContextError
from prefect.tasks import exponential_backoff

from conflict_events.lake.state import LakeState, read_lake_state
from conflict_events.lake.factory import open_lake
from conflict_events.lake.publishing import PublishResult
from conflict_events.models import QuarantineRow, RawRecord, RunContext, RunSummary
from conflict_events.quality.results import RunValidation
from conflict_events.quality.validator import Validator, project_of_index, refresh_run_list
from conflict_events.reports import artifacts
from conflict_events.settings import Settings, quality_dir
from tasks.clean import CleanResult, clean_records
from tasks.extract.coder import Resources, code_articles
from tasks.ingest import FileSource, Item, next_batch, stream_sources
from tasks.validate import ValidatedBatch, validate_batch

# Inputs are article batches: hashing them for Prefect's cache would cost time and buy nothing.
STAGE = dict(cache_policy=NONE, persist_result=False)


def transient_io_error(task, task_run, state) -> bool:
    """Retry only what may pass: an OS-level error (a flaky mount, a full disk), not bad data or a busy lake."""
    error = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return isinstance(error, OSError)


# Retries with backoff (2, 4, 8 s) for the stages that touch disks or object stores, and only those.
IO_RETRIES = dict(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=2), retry_condition_fn=transient_io_error)


_loading = threading.RLock()  # a warm-up thread and the first batch must not both load the model or open GX


@lru_cache(maxsize=2)
def _resources(reference_dir: Path, spacy_model: str) -> Resources:
    return Resources.load(reference_dir, spacy_model)


def coder_resources(reference_dir: Path, spacy_model: str) -> Resources:
    """spaCy, the gazetteer and the actor dictionary, loaded once per process."""
    with _loading:
        return _resources(reference_dir, spacy_model)


def warm_up(inputs: list[str], settings: Settings) -> threading.Thread:
    """Open the lake's Great Expectations project and, for an input of one batch, load the coder, in the background.

    Meant for the seconds the temporary Prefect server takes to start (in a process of its own, so on
    two cores the two overlap). Every run validates in this process; only a run of one batch also
    codes here (flows/run_loop.py), so only then is the model (~650 MB) worth loading now.
    """

    def load() -> None:
        try:
            # In the order the run needs them: the coder for the first batch, then GX for its validation.
            sources = (FileSource(p, settings.max_record_bytes, settings.max_records_per_file) for p in inputs)
            _records, _rejected, exhausted = next_batch(stream_sources(sources), settings.batch_size)
            if exhausted:  # the whole input fits in one batch
                coder_resources(settings.reference_dir, settings.spacy_model)
            # Opening the lake's GX project imports GX (~2-5 s here) and reads or writes its suites.
            validator_for(settings.expectations_dir, quality_dir(settings), datetime.now(timezone.utc).date())
        except Exception:  # the run meets the same error where it belongs, and reports it there
            pass

    thread = threading.Thread(target=load, name="conflict-events-warm-up", daemon=True)
    thread.start()
    return thread


@lru_cache(maxsize=4)
def _validator(expectations_dir: Path, project_dir: Path, run_date: date) -> Validator:
    return Validator(expectations_dir, project_dir, run_date)


def validator_for(expectations_dir: Path, project_dir: Path, run_date: date) -> Validator:
    """One GX context per lake and day, reused across batches and runs (it holds no run's state)."""
    with _loading:
        return _validator(expectations_dir, project_dir, run_date)


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """The Prefect run logger inside a flow, a plain logger when the stages are called bare (benchmark reference)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("conflict_events")


@task(name="lake-state", **IO_RETRIES, **STAGE)
def lake_state(lake_url: str) -> LakeState:
    """Read which articles the current version holds and which extractor coded them."""
    return read_lake_state(lake_url)


# No retries: the stream is a generator, and one that raised cannot be resumed. Unreadable files
# never raise here anyway; they become quarantine rows inside the stream.
@task(name="ingest", **STAGE)
def ingest(stream: Iterator[Item], batch_size: int) -> tuple[list[RawRecord], list[QuarantineRow], bool]:
    """Read the next batch of records (and the quarantine rows met on the way) from the lazy input stream."""
    return next_batch(stream, batch_size)


@task(name="clean", **STAGE)
def clean(
    records: list[RawRecord], run_date: date, seen_ids: dict[str, str], seen_refs: dict[str, str], published: dict[str, str],
    min_words: int, max_chars: int,
) -> CleanResult:
    """Normalise a batch, date it, skip what is already published, drop duplicates and unusable texts."""
    return clean_records(records, run_date, seen_ids, min_words=min_words, max_chars=max_chars, published=published, seen_refs=seen_refs)


def extract_batch(
    articles: list[dict], reference_dir: Path, spacy_model: str, run_id: str, seconds_per_article: float,
    country_hints: dict[str, str] | None = None,
) -> tuple[list[dict], list[QuarantineRow], str]:
    """Events and coder failures of a batch, and the extractor version (a plain function: process pools pickle it)."""
    resources = coder_resources(reference_dir, spacy_model)
    events, failures = code_articles(articles, resources, run_id, seconds_per_article=seconds_per_article, country_hints=country_hints)
    return events, failures, resources.version


@task(name="extract", **STAGE)
def extract(
    articles: list[dict], reference_dir: Path, spacy_model: str, run_id: str, seconds_per_article: float,
    country_hints: dict[str, str] | None = None,
) -> tuple[list[dict], list[QuarantineRow], str]:
    """Code ACLED-style events from a batch of articles."""
    return extract_batch(articles, reference_dir, spacy_model, run_id, seconds_per_article, country_hints)


def validate_plain(articles: list[dict], events: list[dict], expectations_dir: Path, context: RunContext) -> ValidatedBatch:
    """Run the GX suites over a batch; rows that fail (and events of failed articles) go to quarantine."""
    validator = validator_for(expectations_dir, context.quality_dir, context.run_date)
    return validate_batch(validator, articles, events, context.run_id)


validate = task(name="validate", **STAGE)(validate_plain)


def build_report_plain(expectations_dir: Path, context: RunContext, run: RunValidation) -> dict:
    """Store the run's merged validation results and render their Data Docs pages; return the index and those pages."""
    return validator_for(expectations_dir, context.quality_dir, context.run_date).build_report(context.run_id, run)


build_report = task(name="report", **IO_RETRIES, **STAGE)(build_report_plain)


@task(name="publish", **IO_RETRIES, **STAGE)
def publish(
    lake_url: str, tables: dict[str, tuple[pa.Table, set[str] | None]], run_id: str, metadata: dict[str, dict], lock_timeout: float,
    updated_urls: set[str] = frozenset(),
) -> PublishResult:
    """Under the lake's lock, write one new version of every changed dataset (incidents merged there), then switch all `_CURRENT` pointers."""
    return open_lake(lake_url).publish_all(tables, run_id, metadata, lock_timeout, say=run_logger().warning, updated_urls=updated_urls)


def write_run_report(summary: RunSummary) -> str | None:
    """The report of the lake as this run left it, beside the run's page; None (and a warning) if it cannot be drawn."""
    from conflict_events.reports.lake_report import write_report

    target = artifacts.lake_report_path(summary.report_page)
    try:
        written = write_report(open_lake(summary.lake), Path(target))
    except Exception as error:  # the data is published and sound: a report that cannot be drawn must not fail the run
        run_logger().warning("the report of the lake was not written: %s: %s", type(error).__name__, error)
        return None
    run_logger().info("report of the lake: %s (%d bytes, %.1f s)", written.path, written.bytes, written.seconds)
    return target


@task(name="report-artifacts", **IO_RETRIES, **STAGE)
def report_artifacts(summary: RunSummary, events: pa.Table) -> None:
    """The run's markdown summary, table of its first new events, its Data Docs page and its report, under stable keys."""
    lake_report = None
    if summary.report_page:
        lake_report = write_run_report(summary)
        page = Path(summary.report_page)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(artifacts.run_page_html(summary, summary.report_pages, page.parent.parent, lake_report), encoding="utf-8")
        if summary.report:  # the index lists the run pages: this one exists only now
            refresh_run_list(project_of_index(Path(summary.report)))
    create_markdown_artifact(
        key=artifacts.SUMMARY_KEY, markdown=artifacts.summary_markdown(summary, lake_report=lake_report),
        description="counts, quarantine reasons, expectations",
    )
    create_table_artifact(
        key=artifacts.EVENTS_KEY, table=artifacts.events_table_rows(events),
        description=f"new events of this run (first {min(events.num_rows, artifacts.MAX_TABLE_ROWS)} of {summary.events})",
    )
    if summary.report_page:
        create_link_artifact(
            key=artifacts.REPORT_KEY, link=Path(summary.report_page).as_uri(), link_text=f"Data Docs of run {summary.run_id}",
            description="the Great Expectations validation results of this run",
        )
    if lake_report:
        create_link_artifact(
            key=artifacts.LAKE_REPORT_KEY, link=Path(lake_report).as_uri(), link_text=f"Report of the lake after run {summary.run_id}",
            description="one offline HTML file: headline numbers, events over time, map, top lists, data quality, newest events",
        )


@task(name="failure-artifact", **STAGE)
def failure_artifact(summary: RunSummary, reason: str) -> None:
    """Put a failed run's reason where people look: the summary artifact's history."""
    create_markdown_artifact(key=artifacts.SUMMARY_KEY, markdown=artifacts.summary_markdown(summary, failure=reason), description="run failed")
