"""The pipeline flow: ingest -> clean -> extract -> validate, batch by batch, then report -> publish -> artifacts.

Incremental: a record whose text is already published under its ref is skipped; when the extractor
changed (or with `full`) every article, including those only the lake still holds, is coded again.
Extraction runs on a task runner of its own: worker processes on this machine, or a Dask cluster.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from prefect import Task, flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from conflict_events.lake.layout import PointerSwitchError
from conflict_events.models import RunContext, RunSummary
from conflict_events.settings import Settings, get_settings, local_workers, quality_dir
from conflict_events.sources_config import load_sources
from flows.run_loop import Wiring, run_batches
from tasks import prefect_tasks as stages


def extract_runner(settings: Settings) -> TaskRunner:
    """Where extract tasks run: the Dask cluster at dask_address, else local processes (a thread when workers is 1)."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner  # imports distributed: only Dask runs pay for it

        return DaskTaskRunner(address=settings.dask_address)
    workers = local_workers(settings)
    if workers == 1:
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(max_workers=workers)


@contextmanager
def workers_report_here() -> Iterator[None]:
    """Worker processes report to this run's Prefect API: without PREFECT_API_URL in their environment,
    each would start a temporary server of its own (15-35 s and ~300 MB each here)."""
    before = os.environ.get("PREFECT_API_URL")
    # The process pool copies os.environ into its workers when it submits the first task.
    os.environ["PREFECT_API_URL"] = str(get_client(sync_client=True).api_url)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before


def in_flight_for(runner: TaskRunner, settings: Settings) -> int:
    """Batches to keep submitted: one per worker thread, plus one so no worker waits while a result is validated."""
    if settings.dask_address:
        return sum(runner.client.nthreads().values()) + 1
    return local_workers(settings) + 1


def quoted(stage: Task) -> Callable[..., Any]:
    """Call a task with its arguments quoted: Prefect then passes batches as they are instead of walking them for futures."""
    return lambda *args: stage(*(quote(a) for a in args))


def done(value: Any) -> Future:
    """A future that already holds its result (extraction run in this process)."""
    future: Future = Future()
    future.set_result(value)
    return future


def prefect_wiring(runner: TaskRunner, settings: Settings) -> Wiring:
    """The stages as Prefect tasks in this flow run; extract submitted to the run's extract runner."""
    # quote() is a tuple subclass, and Dask takes tuples in what it ships for task specs: a quoted Path
    # arrives as a 1-tuple. On Dask the parameters go bare (Prefect then walks the batch once).
    wrap = (lambda value: value) if settings.dask_address else quote
    return Wiring(
        ingest=quoted(stages.ingest),
        clean=quoted(stages.clean),
        extract=lambda articles, reference_dir, model, run_id, seconds_per_article, country_hints: runner.submit(
            stages.extract,
            {"articles": wrap(articles), "reference_dir": wrap(reference_dir), "spacy_model": wrap(model), "run_id": run_id,
             "seconds_per_article": seconds_per_article, "country_hints": wrap(country_hints)},
        ),
        extract_here=lambda *args: done(quoted(stages.extract)(*args)),
        validate=quoted(stages.validate),
        build_report=quoted(stages.build_report),
        publish=quoted(stages.publish),
        report_artifacts=quoted(stages.report_artifacts),
        in_flight=in_flight_for(runner, settings),
    )


@flow(name="conflict-events-pipeline", log_prints=True)
def pipeline(
    inputs: list[str], lake: str = "data/lake", full: bool = False, batch_size: int | None = None,
    workers: int | None = None, dask_address: str | None = None, sources: str | None = None,
) -> RunSummary:
    """One run over the input paths and the sources.toml: every new record ends as an article (with its events) or a quarantine row, then one publish."""
    settings = get_settings(lake=lake, batch_size=batch_size, workers=workers, dask_address=dask_address)
    configured = load_sources(sources) if sources else None  # a bad file fails the run before anything is read
    log = get_run_logger()
    context = RunContext(
        run_id=str(flow_run.id or uuid.uuid4()), run_date=datetime.now(timezone.utc).date(), quality_dir=quality_dir(settings),
    )
    state = stages.lake_state(settings.lake)
    try:
        with extract_runner(settings) as runner, workers_report_here():
            return run_batches(inputs, full, settings, context, state, prefect_wiring(runner, settings), log, configured)
    except Exception as exc:
        # The reason goes to the log, the flow run's state and the summary artifact's history.
        reason = f"{type(exc).__name__}: {exc}"
        moved = exc.moved if isinstance(exc, PointerSwitchError) else {}
        if moved:  # the switch could not be undone: say exactly which pointers name this run's versions
            log.error("run failed after publishing in part: %s now name this run's versions. Reason: %s", moved, reason)
        else:
            log.error("run failed, nothing published; current versions stay %s. Reason: %s", state.versions, reason)
        try:
            stages.failure_artifact(RunSummary(run_id=context.run_id, mode="failed", lake=settings.lake, current_before=state.versions), reason)
        except Exception as artifact_error:  # the run's own failure is the one to report
            log.warning("could not record the failure as an artifact: %s", artifact_error)
        raise
