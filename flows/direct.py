"""The run without Prefect: the same batch loop over the bare stage functions, extraction on a spawn process pool.

The benchmark's reference (bench/throughput.py): the gap between this and the flow is Prefect's share.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from tasks import prefect_tasks as stages
from flows.run_loop import Wiring


def _done(value: object) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


@contextmanager
def direct_wiring(workers: int, extract: Callable = stages.extract_batch) -> Iterator[Wiring]:
    """The stage functions called bare; `extract` on `workers` spawn processes (in this process when 1)."""
    # spawn: a forked child would inherit Prefect's and GX's threads mid-flight. `extract` must be a
    # module-level function, so the pool pickles it by name.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 1 else None
    try:
        yield Wiring(
            ingest=stages.ingest.fn,
            clean=stages.clean.fn,
            extract=(lambda *args: pool.submit(extract, *args)) if pool else (lambda *args: _done(extract(*args))),
            extract_here=lambda *args: _done(extract(*args)),
            validate=stages.validate_plain,
            build_report=stages.build_report_plain,
            publish=stages.publish.fn,
            report_artifacts=lambda summary, events: None,  # Prefect's own UI records: a bare run has no flow run to attach them to
            in_flight=workers + 1,
        )
    finally:
        if pool is not None:
            pool.shutdown()
