"""The batch loop of a run, written once and wired two ways.

The flow (flows/pipeline.py) wires the stages as Prefect tasks; the benchmark wires the very same
stage functions bare (`DirectWiring`), so the gap between the two is Prefect's share of the time.

A run streams: the inputs are read lazily one batch at a time, extraction of a few batches runs on
the workers while this process cleans the next and validates the last, and every batch's rows go
to an on-disk spool. Memory is bounded by the batch size times the batches in flight, not by the
size of the input.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from conflict_events import code_version
from conflict_events.settings import Settings, quality_dir
from tasks import prefect_tasks as stages
from conflict_events.reports.artifacts import run_page_path
from tasks.extract.coder import extractor_version
from tasks.extract.nlp import installed_model_version
from conflict_events.lake.state import LakeState, published_articles
from tasks.ingest import FileSource, stream_sources
from conflict_events.lake.store import run_tables
from conflict_events.lake.spool import RunSpool
from conflict_events.summary import QuarantineTally, check_accounting, run_summary, without_failed
from conflict_events.quality.validator import DatasetReport


class Wiring(Protocol):
    """How the loop calls stages: `run` in this process now, `submit` extraction to the workers."""

    in_flight: int  # extraction batches submitted before the loop waits for the oldest

    def run(self, stage: str, *args: Any) -> Any: ...

    def submit(self, *args: Any) -> Future: ...


class DirectWiring:
    """The stage functions called bare, extraction on a spawn process pool: the run without Prefect."""

    # Prefect's own UI records; a bare run has no flow run to attach them to.
    PREFECT_ONLY = frozenset({"report_artifacts", "failure_artifact"})

    def __init__(self, workers: int):
        self.in_flight = workers + 1
        self.extract = stages.extract_batch  # a module-level function: the spawn pool pickles it by name
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 1 else None

    def run(self, stage: str, *args: Any) -> Any:
        if stage in self.PREFECT_ONLY:
            return None
        return getattr(stages, stage).fn(*args)

    def submit(self, *args: Any) -> Future:
        if self.pool is None:
            done: Future = Future()
            done.set_result(self.extract(*args))
            return done
        return self.pool.submit(self.extract, *args)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


@dataclass
class _Counts:
    records_in: int = 0
    from_input: int = 0  # articles of this run's input that passed validation
    recoded: int = 0  # published articles coded again (extractor changed, or --full)
    unchanged: int = 0
    validation_started: bool = False  # a batch reached GX: the run has a merge to report (or to drop if it fails)
    version: str = ""


def run_batches(inputs: list[str], full: bool, settings: Settings, run_id: str, state: LakeState, wiring: Wiring, log) -> dict[str, Any]:
    """One run over `inputs`: every record ends as an article (with its events) or a quarantine row, then one publish."""
    run_date = datetime.now(timezone.utc).date()
    project_dir = quality_dir(settings)
    reports = {"articles": DatasetReport(), "events": DatasetReport()}
    recode_reason = state.recode_reason(extractor_version(settings.reference_dir, installed_model_version(settings.spacy_model)), full)
    if recode_reason:
        log.info("coding every article again: %s", recode_reason)
    published = {} if recode_reason else state.published
    counts, tally = _Counts(), QuarantineTally()
    in_flight: deque[tuple[list[dict], Future, bool]] = deque()

    try:
        with RunSpool(settings.spool_dir) as spool:

            def quarantine(rows: list[dict], from_input: bool = True) -> None:
                for row in rows:
                    row["run_id"] = run_id
                tally.add(rows, from_input)
                spool.add_rows("quarantine", rows)

            def finish_oldest() -> None:
                articles, future, from_lake = in_flight.popleft()
                coded, failed, counts.version = future.result()
                counts.validation_started = True
                good_articles, good_events, rejected = wiring.run(
                    "validate", without_failed(articles, failed), coded, settings.expectations_dir, project_dir, run_date, run_id, reports
                )
                spool.add("articles", good_articles)
                spool.add("events", good_events)
                quarantine(failed + rejected, from_input=not from_lake)
                if from_lake:
                    counts.recoded += good_articles.num_rows
                else:
                    counts.from_input += good_articles.num_rows

            def code(articles: list[dict], from_lake: bool = False) -> None:
                in_flight.append((articles, wiring.submit(articles, settings.reference_dir, settings.spacy_model, run_id), from_lake))
                while len(in_flight) > wiring.in_flight:
                    finish_oldest()

            stream = stream_sources(FileSource(p, settings.max_record_bytes, settings.max_records_per_file) for p in inputs)
            seen_ids: dict[str, str] = {}  # article_id -> source_ref, across batches: duplicates of a text
            seen_refs: dict[str, str] = {}  # own id -> article_id, across batches: one id on two texts
            exhausted = False
            while not exhausted:
                records, rejected, exhausted = wiring.run("ingest", stream, settings.batch_size)
                if not counts.records_in:
                    log.info("ingest: %d records in the first batch (%d quarantined), reading on lazily", len(records), len(rejected))
                counts.records_in += len(records) + len(rejected)
                quarantine(rejected)
                if not records:
                    continue
                cleaned = wiring.run(
                    "clean", records, run_date, seen_ids, settings.min_words, settings.max_text_chars, published, seen_refs
                )
                counts.unchanged += len(cleaned.unchanged)
                quarantine(cleaned.quarantined)
                for row in cleaned.articles:
                    row["run_id"] = run_id
                if cleaned.articles:
                    code(cleaned.articles)
            log.info("read %d input records in all", counts.records_in)

            if recode_reason and state.versions["articles"]:
                # Articles only the lake still holds are coded again from their stored text.
                for batch in published_articles(settings.lake, state.versions["articles"], set(seen_ids), settings.batch_size):
                    code(batch, from_lake=True)
            while in_flight:
                finish_oldest()

            articles, events, quarantined = (spool.finish(d) for d in ("articles", "events", "quarantine"))
            # The report is built before anything is published: a report failure fails the run, never half of it.
            report = None
            if counts.validation_started:
                report = wiring.run("build_report", settings.expectations_dir, project_dir, run_date, run_id)
            summary = run_summary(
                run_id, counts.records_in, counts.from_input, events.num_rows, tally, reports, settings.lake, report,
                mode="full" if recode_reason else ("incremental" if state.published else "first"), recode_reason=recode_reason,
                unchanged=counts.unchanged, recoded_from_lake=counts.recoded, current_before=state.versions,
            )
            check_accounting(summary)  # a record lost between stages is a bug: better no version than a silent gap
            common = {
                "code_version": code_version(),
                "extractor_version": counts.version or None,
                "inputs": [p if "://" in p else str(Path(p).resolve()) for p in inputs],
                "run_date": run_date.isoformat(),
                "mode": summary["mode"],
                "data_docs": report["pages"] if report else [],
            }
            metadata = {
                "articles": {**common, "validation": reports["articles"].as_dict()},
                "events": {**common, "validation": reports["events"].as_dict()},
                "quarantine": {**common, "validation": {"rows_by_reason": summary["quarantined_by_reason"]}},
            }
            result = wiring.run("publish", settings.lake, run_tables(articles, events, quarantined), run_id, metadata, settings.publish_lock_timeout)
            summary["versions"] = result.versions
            summary["already_quarantined"] = result.already_quarantined
            if report:
                summary["report_page"] = run_page_path(report["index"], run_id)
            if result.versions:
                log.info("published %s", result.versions)
            else:
                log.info(
                    "nothing new: no new version published (%d records already published, %d quarantine rows already in quarantine)",
                    counts.unchanged, result.already_quarantined,
                )
            wiring.run("report_artifacts", summary, events.head)
        return summary
    except BaseException:
        if counts.validation_started:
            # A run that fails never reports: its merged results would stay in the cached Validator.
            stages.validator_for(settings.expectations_dir, project_dir, run_date).forget(run_id)
        raise
