"""The batch loop of a run, written once and wired two ways.

The flow (flows/pipeline.py) wires the stages as Prefect tasks; flows/direct.py wires the very same
stage functions bare, so the gap between the two is Prefect's share of the time.

A run streams: the inputs are read lazily one batch at a time, extraction of a few batches runs on
the workers while this process cleans the next and validates the last, and every batch's rows go
to an on-disk spool. Memory is bounded by the batch size times the batches in flight, not by the
size of the input. Stages change none of their arguments: each returns what it found, and this loop
alone keeps the run's state (texts seen, validation merged so far, counts).
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from conflict_events import code_version
from conflict_events.incidents.publishing import recent_articles_index
from conflict_events.lake.factory import open_lake
from conflict_events.lake.spool import RunSpool
from conflict_events.lake.state import LakeState, published_articles
from conflict_events.lake.publishing import PublishResult, run_tables
from conflict_events.models import QuarantineRow, RawRecord, RunContext, RunSummary
from conflict_events.quality.results import RunValidation
from conflict_events.reports.artifacts import run_page_path
from conflict_events.settings import Settings
from conflict_events.sources_config import SourcesConfig
from conflict_events.summary import QuarantineTally, check_accounting, without_failed
from tasks.clean import CleanResult
from tasks.extract.coder import extractor_version
from tasks.extract.nlp import installed_model_version
from tasks.ingest import FileSource, Item, stream_sources
from tasks.ingest.fetch.client import Clock
from tasks.ingest.fetch.session import FetchSession
from tasks.validate import ValidatedBatch

if TYPE_CHECKING:
    from conflict_events.incidents.near_duplicates import NearDuplicateIndex

Extracted = tuple[list[dict], list[QuarantineRow], str]  # events, coder failures, extractor version


@dataclass(frozen=True)
class Wiring:
    """How the loop calls each stage: as Prefect tasks (the flow) or as bare functions (the benchmark's reference)."""

    ingest: Callable[[Iterator[Item], int], tuple[list[RawRecord], list[QuarantineRow], bool]]
    clean: Callable[[list[RawRecord], date, dict, dict, dict, int, int], CleanResult]
    # (articles, reference_dir, spaCy model, run_id, seconds per article, country hints by article_id)
    extract: Callable[[list[dict], Path, str, str, float, dict[str, str]], Future]  # submits a batch to the workers
    extract_here: Callable[[list[dict], Path, str, str, float, dict[str, str]], Future]  # codes a batch in this process
    validate: Callable[[list[dict], list[dict], Path, RunContext], ValidatedBatch]
    build_report: Callable[[Path, RunContext, RunValidation], dict]
    publish: Callable[[str, dict, str, dict, float, set[str]], PublishResult]
    report_artifacts: Callable[[RunSummary, pa.Table], None]
    in_flight: int  # extraction batches submitted before the loop waits for the oldest


@dataclass
class _Counts:
    records_in: int = 0
    from_input: int = 0  # articles of this run's input that passed validation
    recoded: int = 0  # published articles coded again (extractor changed, or --full)
    unchanged: int = 0
    copies: int = 0  # new articles linked as near-duplicates of an earlier one
    version: str = ""


def run_batches(
    inputs: list[str], full: bool, settings: Settings, context: RunContext, state: LakeState, wiring: Wiring,
    log: logging.Logger | logging.LoggerAdapter, sources: SourcesConfig | None = None, clock: Clock | None = None,
) -> RunSummary:
    """One run over `inputs` and `sources`: every record ends as an article (with its events) or a quarantine row, then one publish.

    Fetched sources ask only for what is new since the fetch state the lake holds; the responses read are
    kept (`responses`). A new article that copies an earlier one is linked to it (`duplicate_links`); one
    read again from its URL with a changed text replaces the earlier article when published.
    """
    recode_reason = state.recode_reason(extractor_version(settings.reference_dir, installed_model_version(settings.spacy_model)), full)
    if recode_reason:
        log.info("coding every article again: %s", recode_reason)
    published = {} if recode_reason else state.published
    counts, tally = _Counts(), QuarantineTally()
    validation = RunValidation(started=datetime.now(timezone.utc))
    in_flight: deque[tuple[list[dict], Future, bool]] = deque()
    seen_ids: dict[str, str] = {}  # article_id -> source_ref, across batches: duplicates of a text
    seen_refs: dict[str, str] = {}  # own id -> article_id, across batches: one id on two texts
    lake = open_lake(settings.lake)
    fetch = FetchSession.open(sources, lake.read_current("fetch_state"), clock) if sources else None
    copies: list[NearDuplicateIndex] = []  # the index of recent articles, built when the first new article needs it
    updated_urls: set[str] = set()  # URLs whose published article a changed text replaces

    with RunSpool(settings.spool_dir) as spool:

        def quarantine(rows: list[QuarantineRow], from_input: bool = True) -> None:
            rows = [row.for_run(context.run_id) for row in rows]
            tally.add(rows, from_input)
            spool.add_rows("quarantine", [row.as_record() for row in rows])

        def finish_oldest() -> None:
            nonlocal validation
            articles, future, from_lake = in_flight.popleft()
            coded, failed, counts.version = future.result()
            checked = wiring.validate(without_failed(articles, failed), coded, settings.expectations_dir, context)
            for check in checked.checks:
                validation = validation.with_batch(check)
            spool.add("articles", checked.articles)
            spool.add("events", checked.events)
            quarantine(failed + checked.quarantined, from_input=not from_lake)
            if from_lake:
                counts.recoded += checked.articles.num_rows
            else:
                counts.from_input += checked.articles.num_rows

        def code(articles: list[dict], from_lake: bool = False, country_hints: dict[str, str] | None = None) -> None:
            # A run of one batch gains nothing from worker processes: it spares their start (spawn, spaCy load).
            extract = wiring.extract_here if one_batch else wiring.extract
            batch = extract(
                articles, settings.reference_dir, settings.spacy_model, context.run_id, settings.extract_seconds_per_article,
                country_hints or {},
            )
            in_flight.append((articles, batch, from_lake))
            while len(in_flight) > wiring.in_flight:
                finish_oldest()

        files = [FileSource(p, settings.max_record_bytes, settings.max_records_per_file) for p in inputs]
        stream = stream_sources([*files, *(fetch.sources if fetch else [])])
        exhausted = False
        one_batch = False
        while not exhausted:
            records, rejected, exhausted = wiring.ingest(stream, settings.batch_size)
            if not counts.records_in:
                log.info("ingest: %d records in the first batch (%d quarantined), reading on lazily", len(records), len(rejected))
                one_batch = exhausted and not (recode_reason and state.versions["articles"])
            counts.records_in += len(records) + len(rejected)
            quarantine(rejected)
            if fetch:
                spool.add("responses", fetch.drain_responses())
            if not records:
                continue
            cleaned = wiring.clean(records, context.run_date, seen_ids, seen_refs, published, settings.min_words, settings.max_text_chars)
            seen_ids |= cleaned.new_ids
            seen_refs |= cleaned.new_refs
            counts.unchanged += len(cleaned.unchanged)
            quarantine(cleaned.quarantined)
            if cleaned.articles:
                updates = updates_among(records, cleaned.articles)
                updated_urls |= updates
                if not copies:  # datasketch is imported here, by the first batch with new articles, not at start-up
                    from conflict_events.incidents.near_duplicates import link_copies

                    copies.append(recent_articles_index(lake, settings.near_duplicate_days))
                # An updated text resembles the version it replaces: that is an update, not a copy.
                links = [link for link in link_copies(cleaned.articles, copies[0], context.run_id) if link["url"] not in updates]
                counts.copies += len(links)
                spool.add_rows("duplicate_links", links)
                code([{**row, "run_id": context.run_id} for row in cleaned.articles], country_hints=cleaned.country_hints)
        log.info("read %d input records in all", counts.records_in)

        if recode_reason and state.versions["articles"]:
            # Articles only the lake still holds are coded again from their stored text.
            for batch in published_articles(settings.lake, state.versions["articles"], set(seen_ids), settings.batch_size):
                code(batch, from_lake=True)
        while in_flight:
            finish_oldest()

        articles, events, quarantined = (spool.finish(d) for d in ("articles", "events", "quarantine"))
        others = {"duplicate_links": (spool.finish("duplicate_links"), None)}
        if fetch:
            spool.add("responses", fetch.drain_responses())
            others |= {"fetch_state": fetch.state_rows(), "responses": (spool.finish("responses"), None)}
        # The report is built before anything is published: a report failure fails the run, never half of it.
        report = wiring.build_report(settings.expectations_dir, context, validation) if validation.merged else None
        summary = RunSummary(
            run_id=context.run_id, mode="full" if recode_reason else ("incremental" if state.published else "first"), lake=settings.lake,
            records_in=counts.records_in, articles=counts.from_input, events=events.num_rows, unchanged=counts.unchanged,
            recoded_from_lake=counts.recoded, recode_reason=recode_reason, current_before=state.versions,
            validation={d: validation.report(d).as_dict() for d in ("articles", "events")},
            report=report["index"] if report else None, report_pages=report["pages"] if report else [],
            copies=counts.copies, fetched=fetch_counts(fetch),
        )
        tally.fill(summary)
        check_accounting(summary)  # a record lost between stages is a bug: better no version than a silent gap
        result = wiring.publish(
            settings.lake, run_tables(articles, events, quarantined, set(state.published), others), context.run_id,
            publish_metadata(inputs, context, summary, validation, report, counts.version, sources), settings.publish_lock_timeout,
            updated_urls,
        )
        result.fill(summary)
        if result.published_meanwhile:
            log.warning(
                "%d articles were published by another run while this one ran: %d quarantined as duplicates, %d unchanged",
                result.published_meanwhile, result.duplicates, result.unchanged,
            )
        if report:
            summary.report_page = run_page_path(report["index"], context.run_id)
        if result.versions:
            log.info("published %s", result.versions)
        else:
            log.info(
                "nothing new: no new version published (%d records already published, %d quarantine rows already in quarantine)",
                counts.unchanged, result.already_quarantined,
            )
        wiring.report_artifacts(summary, events.head)
    return summary


def updates_among(records: list[RawRecord], articles: list[dict]) -> set[str]:
    """The URLs (as listed, and as read) of articles that are a changed text read again from an earlier article's URL."""
    listed = {r.url: r.extra["replaces_url"] for r in records if r.url and r.extra.get("replaces_url")}
    urls: set[str] = set()
    for article in articles:
        if article.get("url") in listed:
            urls.update((article["url"], listed[article["url"]]))
    return urls


def fetch_counts(fetch: FetchSession | None) -> dict[str, int]:
    """What the configured sources gave, summed: records, quarantined, unchanged (not fetched or same text), skipped entries."""
    if fetch is None:
        return {}
    total: Counter[str] = Counter()
    for source in fetch.sources:
        total.update(source.counts)
    return dict(total)


def publish_metadata(
    inputs: list[str], context: RunContext, summary: RunSummary, validation: RunValidation, report: dict | None, extractor: str,
    sources: SourcesConfig | None = None,
) -> dict[str, dict[str, Any]]:
    """What each dataset's manifest records of the run besides its files: code, inputs, validation."""
    common = {
        "code_version": code_version(),
        "extractor_version": extractor or None,
        "inputs": [p if "://" in p else str(Path(p).resolve()) for p in inputs],
        "sources": [{"name": s.name, "kind": s.kind, "location": s.location} for s in sources.sources] if sources else [],
        "run_date": context.run_date.isoformat(),
        "mode": summary.mode,
        "data_docs": report["pages"] if report else [],
    }
    return {
        "articles": {**common, "validation": validation.report("articles").as_dict()},
        "events": {**common, "validation": validation.report("events").as_dict()},
        "quarantine": {**common, "validation": {"rows_by_reason": summary.quarantined_by_reason}},
        **{dataset: common for dataset in ("incidents", "duplicate_links", "fetch_state", "responses")},
    }
