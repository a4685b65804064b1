"""The pipeline flow: ingest -> clean -> extract -> validate, batch by batch, then report -> publish -> artifacts.

Incremental: a record whose text is already published under its ref is skipped; when the extractor
changed (or with `full`) every article, including those only the lake still holds, is coded again.
Extraction runs on a task runner of its own: worker processes on this machine, or a Dask cluster.
"""

from __future__ import annotations

import inspect
import uuid
from concurrent.futures import Future
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from conflict_events.settings import Settings, get_settings, local_workers
from flows.run_loop import run_batches
from tasks import prefect_tasks as stages

EXTRACT_PARAMETERS = list(inspect.signature(stages.extract.fn).parameters)


def extract_runner(settings: Settings) -> TaskRunner:
    """Where extract tasks run: the Dask cluster at dask_address, else local processes (a thread when workers is 1)."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner  # imports distributed: only Dask runs pay for it

        return DaskTaskRunner(address=settings.dask_address)
    workers = local_workers(settings)
    if workers == 1:
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(max_workers=workers)


def in_flight_for(runner: TaskRunner, settings: Settings) -> int:
    """Batches to keep submitted: one per worker thread, plus one so no worker waits while a result is validated."""
    if settings.dask_address:
        return sum(runner.client.nthreads().values()) + 1
    return local_workers(settings) + 1


class PrefectWiring:
    """The stages as Prefect tasks; extract submitted to the run's extract runner."""

    def __init__(self, runner: TaskRunner, in_flight: int, on_dask: bool):
        self.runner = runner
        self.in_flight = in_flight
        # quote() is a tuple subclass, and Dask takes tuples in what it ships for task specs: a quoted
        # Path arrives as a 1-tuple. On Dask the parameters go bare (Prefect then walks the batch once).
        self.wrap = (lambda value: value) if on_dask else quote

    def run(self, stage: str, *args: Any) -> Any:
        # quote(): batches and dicts go to tasks as they are (they add to them); Prefect need not walk them for futures.
        return getattr(stages, stage)(*[quote(a) for a in args])

    def submit(self, *args: Any) -> Future:
        return self.runner.submit(stages.extract, dict(zip(EXTRACT_PARAMETERS, (self.wrap(a) for a in args), strict=True)))


@flow(name="conflict-events-pipeline", log_prints=True)
def pipeline(
    inputs: list[str], lake: str = "data/lake", full: bool = False, batch_size: int | None = None,
    workers: int | None = None, dask_address: str | None = None,
) -> dict[str, Any]:
    """One run: every new input record ends as an article (with its events) or a quarantine row, then one publish."""
    settings = get_settings(lake=lake, batch_size=batch_size, workers=workers, dask_address=dask_address)
    log = get_run_logger()
    run_id = str(flow_run.id or uuid.uuid4())
    state = stages.lake_state(settings.lake)
    try:
        with extract_runner(settings) as runner:
            wiring = PrefectWiring(runner, in_flight_for(runner, settings), on_dask=bool(settings.dask_address))
            return run_batches(inputs, full, settings, run_id, state, wiring, log)
    except Exception as exc:
        # The reason goes to the log, the flow run's state and the summary artifact's history.
        reason = f"{type(exc).__name__}: {exc}"
        log.error("run failed, nothing published; current versions stay %s. Reason: %s", state.versions, reason)
        try:
            stages.failure_artifact({"run_id": run_id, "current_before": state.versions}, reason)
        except Exception as artifact_error:  # the run's own failure is the one to report
            log.warning("could not record the failure as an artifact: %s", artifact_error)
        raise
