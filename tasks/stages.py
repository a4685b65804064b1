"""Thin Prefect task wrappers around the pure stage functions; retries only where I/O can fail transiently."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NONE

from tasks.clean import CleanResult, clean_records
from tasks.extract.coder import Resources, code_articles
from tasks.ingest import FileSource, read_sources
from tasks.publish import Lake
from tasks.records import RawRecord
from tasks.schemas import SCHEMAS
from tasks.validate import DatasetReport, Validator, drop_orphan_events

# Inputs are article batches: hashing them for Prefect's cache would cost time and buy nothing.
STAGE = dict(cache_policy=NONE, persist_result=False)


@lru_cache(maxsize=2)
def coder_resources(reference_dir: Path, spacy_model: str) -> Resources:
    """spaCy, the gazetteer and the actor dictionary, loaded once per process."""
    return Resources.load(reference_dir, spacy_model)


@lru_cache(maxsize=4)
def validator_for(expectations_dir: Path, project_dir: Path, run_date: date) -> Validator:
    """One GX context per lake and day, reused across batches."""
    return Validator(expectations_dir, project_dir, run_date)


@task(name="ingest", retries=2, retry_delay_seconds=[2, 10], **STAGE)
def ingest(inputs: list[str], max_record_bytes: int) -> tuple[list[RawRecord], list[dict]]:
    """Read every input folder or file into raw records and quarantine rows."""
    return read_sources(FileSource(path, max_record_bytes) for path in inputs)


@task(name="clean", **STAGE)
def clean(records: list[RawRecord], run_date: date, seen_ids: dict[str, str], min_words: int, max_chars: int) -> CleanResult:
    """Normalise a batch, date it, drop duplicates and unusable texts."""
    return clean_records(records, run_date, seen_ids, min_words=min_words, max_chars=max_chars)


@task(name="extract", **STAGE)
def extract(articles: list[dict], reference_dir: Path, spacy_model: str, run_id: str) -> tuple[list[dict], list[dict], str]:
    """Code ACLED-style events from a batch of articles."""
    resources = coder_resources(reference_dir, spacy_model)
    events, failures = code_articles(articles, resources, run_id)
    return events, failures, resources.version


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


@task(name="report", retries=1, retry_delay_seconds=2, **STAGE)
def build_report(expectations_dir: Path, project_dir: Path, run_date: date, run_id: str) -> dict:
    """Rebuild the Data Docs site (the data-quality report); return its index and this run's pages."""
    return validator_for(expectations_dir, project_dir, run_date).build_report(run_id)


@task(name="publish", retries=2, retry_delay_seconds=[2, 10], **STAGE)
def publish(lake_url: str, tables: dict[str, tuple[pa.Table, set[str] | None]], run_id: str, metadata: dict[str, dict]) -> dict[str, str]:
    """Write one new version of every changed dataset, then switch all `_CURRENT` pointers."""
    return Lake(lake_url).publish_all(tables, run_id, metadata)

