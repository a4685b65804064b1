"""Throughput benchmark: articles per second per stage and end to end, peak memory, Prefect's share.

For each corpus size it generates a seeded corpus (bench/corpus.py, in JSONL files of 1,000 articles,
as a news feed delivers them) and runs, each in a fresh process, on a fresh lake:

- `flow`: the pipeline flow against a real Prefect server started here (as scheduled runs use one);
- `direct`: the same batch loop and stage functions with no Prefect at all (flows/run_loop.py
  DirectWiring), the reference for Prefect's share of the wall time;
- `serial`: the direct run with one process, for checking that parallel extraction changes nothing.

Peak memory is the largest sum of RSS over the run's process and its worker processes, sampled
every 0.2 s (the Prefect server is a separate service and is not counted). Per-stage seconds come
from Prefect's own task-run records for the flow and from timers around each call for the others;
extraction runs on N workers at once, so its rate is articles / (its summed seconds / N).

    python -m bench.throughput                              # 1k, 10k, 100k (about 2 hours here)
    python -m bench.throughput --sizes 1000 --modes flow,direct,serial --out /tmp/bench
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
import pyarrow.compute as pc

from bench import corpus

if TYPE_CHECKING:
    from flows.run_loop import Wiring
from bench.prefect_server import prefect_server

SHARD = 1000  # articles per input file
STAGE_ORDER = ("ingest", "clean", "extract", "validate", "report", "publish", "report-artifacts")
STAGE_NAMES = {  # wiring stage -> Prefect task name (extract is timed on the workers; a bare run has no artifacts)
    "ingest": "ingest", "clean": "clean", "validate": "validate", "build_report": "report", "publish": "publish",
}


def write_corpus(folder: Path, n: int, seed: int) -> Path:
    """n articles of corpus `seed` in files of SHARD articles; reused when already complete."""
    done = folder.with_name(folder.name + ".complete")  # beside the corpus: inside it, it would be read as input
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, n, SHARD):
        count = min(SHARD, n - start)
        corpus.write_jsonl(corpus.generate(count, seed, start), folder / f"feed-{start // SHARD:05d}.jsonl")
    done.write_text(str(n))
    return folder


def events_digest(lake: str) -> tuple[int, str]:
    """Row count and sha256 of the current events, sorted by event_id: equal digests, identical events."""
    from conflict_events.lake.factory import open_lake

    events = open_lake(lake).read_current("events")
    if events is None:
        return 0, ""
    events = events.take(pc.sort_indices(events, [("event_id", "ascending")]))
    digest = hashlib.sha256()
    for batch in events.to_batches(max_chunksize=5000):
        digest.update(json.dumps(batch.to_pylist(), default=str, sort_keys=True).encode("utf-8"))
    return events.num_rows, digest.hexdigest()


# --- the child: one run ---------------------------------------------------------------------


def timed(wiring: Wiring) -> tuple[Wiring, dict[str, float]]:
    """The wiring with wall seconds summed per stage called here, and extraction seconds as measured on the workers.

    The inner wiring's extract must be `timed_extract`, which sends its seconds back with its result.
    """
    seconds: dict[str, float] = defaultdict(float)

    def clocked(name: str, stage: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            began = time.perf_counter()
            try:
                return stage(*args)
            finally:
                seconds[name] += time.perf_counter() - began

        return call

    def unwrapped(submit: Callable[..., Future]) -> Callable[..., Future]:
        def extract(*args: Any) -> Future:
            result: Future = Future()

            def unwrap(done: Future) -> None:
                try:
                    value, spent = done.result()
                except BaseException as exc:
                    result.set_exception(exc)
                    return
                seconds["extract"] += spent
                result.set_result(value)

            submit(*args).add_done_callback(unwrap)
            return result

        return extract

    stages = {field: clocked(name, getattr(wiring, field)) for field, name in STAGE_NAMES.items()}
    return replace(wiring, extract=unwrapped(wiring.extract), extract_here=unwrapped(wiring.extract_here), **stages), seconds


def timed_extract(*args: Any) -> tuple[Any, float]:
    """extract_batch and its seconds, measured where it runs (a worker process)."""
    from tasks.prefect_tasks import extract_batch

    began = time.perf_counter()
    result = extract_batch(*args)
    return result, time.perf_counter() - began


def flow_stage_seconds(flow_run_id: str) -> dict[str, float]:
    """Summed run time of the flow run's task runs, by task name, from the Prefect server's records."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    seconds: dict[str, float] = defaultdict(float)
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])), limit=200, offset=offset
            )
            for run in runs:
                seconds[name_of(run.name)] += run.total_run_time.total_seconds()
            if len(runs) < 200:
                return dict(seconds)
            offset += 200


def name_of(task_run_name: str) -> str:
    """'validate-3f2' -> 'validate' (Prefect names task runs <task name>-<suffix>)."""
    return task_run_name.rsplit("-", 1)[0]


def run_child(args: argparse.Namespace) -> None:
    from conflict_events.settings import get_settings, local_workers
    from conflict_events.models import RunContext
    from conflict_events.settings import quality_dir
    from flows.direct import direct_wiring
    from flows.run_loop import run_batches
    from tasks import prefect_tasks as stages

    settings = get_settings(lake=args.lake, batch_size=args.batch_size, workers=1 if args.mode == "serial" else args.workers)
    workers = local_workers(settings)
    began = time.perf_counter()
    if args.mode == "flow":
        from flows.pipeline import pipeline

        state = pipeline(inputs=[args.input], lake=args.lake, batch_size=args.batch_size, workers=workers, return_state=True)
        summary = state.result()
        wall = time.perf_counter() - began
        seconds = flow_stage_seconds(str(state.state_details.flow_run_id))
    else:
        import logging

        logging.basicConfig(level=logging.WARNING)
        context = RunContext("bench-" + args.mode, datetime.now(timezone.utc).date(), quality_dir(settings))
        with direct_wiring(workers, extract=timed_extract) as direct:
            wiring, clock = timed(direct)
            state = stages.lake_state.fn(settings.lake)
            summary = run_batches([args.input], False, settings, context, state, wiring, logging.getLogger("bench"))
        wall = time.perf_counter() - began
        seconds = dict(clock)
    count, digest = events_digest(args.lake)
    result = {
        "mode": args.mode, "workers": workers, "batch_size": settings.batch_size, "wall_seconds": wall,
        "stage_seconds": seconds, "records_in": summary.records_in,
        "articles": summary.articles, "events": summary.events, "quarantined": summary.quarantined,
        "unaccounted": summary.unaccounted, "events_rows": count, "events_sha256": digest,
    }
    Path(args.result).write_text(json.dumps(result, indent=2))


# --- the parent: corpora, runs, memory, table -------------------------------------------------


def tree_rss(process: psutil.Process) -> int:
    """RSS of a process and all its descendants, in bytes (processes that vanish mid-count are skipped)."""
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(command: list[str], env: dict[str, str], log_path: Path) -> tuple[int, int]:
    """Run a command; return its exit status and the peak RSS of its process tree."""
    with open(log_path, "wb") as log:
        child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        watched = psutil.Process(child.pid)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                try:
                    peak = max(peak, tree_rss(watched))
                except psutil.Error:
                    return
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status = child.wait()
        stop.set()
        sampler.join()
    return status, peak


def one_run(mode: str, n: int, args: argparse.Namespace, api_url: str | None) -> dict[str, Any]:
    out = Path(args.out)
    folder = write_corpus(out / f"corpus-{n}-seed{args.seed}", n, args.seed)
    lake = out / f"lake-{n}-{mode}"
    shutil.rmtree(lake, ignore_errors=True)  # a fresh lake: every article is new
    result_path = out / f"result-{n}-{mode}.json"
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    command = [
        sys.executable, "-m", "bench.throughput", "--child", mode, "--input", str(folder), "--lake", str(lake),
        "--result", str(result_path), "--batch-size", str(args.batch_size), "--workers", str(args.workers),
    ]
    print(f"  {mode:6s} {n:>7,} articles ...", end="", flush=True)
    status, peak = measure(command, env, out / f"log-{n}-{mode}.txt")
    if status != 0:
        raise SystemExit(f"\nthe {mode} run of {n} articles failed (exit {status}); see {out / f'log-{n}-{mode}.txt'}")
    result = json.loads(result_path.read_text())
    result.update(size=n, peak_rss_bytes=peak)
    print(f" {result['wall_seconds']:.0f} s, {n / result['wall_seconds']:.1f} articles/s, peak {peak / 2**20:.0f} MiB")
    return result


def stage_rates(result: dict[str, Any]) -> dict[str, float]:
    """Articles per second of each stage (extraction: over its workers)."""
    rates = {}
    for stage in STAGE_ORDER:
        seconds = result["stage_seconds"].get(stage)
        if not seconds:
            continue
        if stage == "extract":
            seconds /= result["workers"]
        rates[stage] = result["size"] / seconds
    return rates


def prefect_share(flow: dict[str, Any], direct: dict[str, Any]) -> float:
    """The share of the flow's wall time the same run without Prefect did not need."""
    return (flow["wall_seconds"] - direct["wall_seconds"]) / flow["wall_seconds"]


def table(results: list[dict[str, Any]]) -> str:
    """The markdown table the README shows."""
    stages = [s for s in STAGE_ORDER if any(s in r["stage_seconds"] for r in results)]
    head = ["articles", "run", "workers", "wall s", "articles/s", *[f"{s} /s" for s in stages], "peak RSS MiB", "Prefect share", "events"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_size = {(r["size"], r["mode"]): r for r in results}
    for r in results:
        rates = stage_rates(r)
        share = ""
        reference = by_size.get((r["size"], "direct"))
        if r["mode"] == "flow" and reference:
            share = f"{prefect_share(r, reference):.1%}"
        cells = [
            f"{r['size']:,}", r["mode"], str(r["workers"]), f"{r['wall_seconds']:.0f}", f"{r['size'] / r['wall_seconds']:.1f}",
            *[f"{rates[s]:,.0f}" if s in rates else "" for s in stages],
            f"{r['peak_rss_bytes'] / 2**20:,.0f}", share, f"{r['events']:,}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def checks(results: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, as lines of text with the measured numbers."""
    lines = []
    by = {(r["size"], r["mode"]): r for r in results}
    for (size, mode), r in sorted(by.items()):
        for other in ("direct", "serial"):
            if mode == "flow" and (size, other) in by:
                same = r["events_sha256"] == by[(size, other)]["events_sha256"]
                lines.append(f"{size:,}: flow events {'identical to' if same else 'DIFFER from'} the {other} run's ({r['events_rows']:,} rows)")
    if (10_000, "flow") in by:
        r = by[(10_000, "flow")]
        lines.append(f"10,000 end to end: {10_000 / r['wall_seconds']:.1f} articles/s (target 12)")
        if (10_000, "direct") in by:
            d = by[(10_000, "direct")]
            lines.append(f"10,000 Prefect share of wall time: {prefect_share(r, d):.1%} (target < 15%)")
    if (10_000, "flow") in by and (100_000, "flow") in by:
        ratio = by[(100_000, "flow")]["peak_rss_bytes"] / by[(10_000, "flow")]["peak_rss_bytes"]
        lines.append(f"peak memory 100,000 / 10,000: {ratio:.2f}x (target <= 1.5x)")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000,100000", help="corpus sizes, run in this order")
    parser.add_argument("--modes", default="flow,direct,serial", help="runs per size: flow, direct, serial")
    parser.add_argument("--reference-sizes", default="1000,10000", help="sizes that also get the non-flow runs")
    parser.add_argument("--workers", type=int, default=0, help="extraction processes (0: one per core)")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for corpora, lakes, logs and results (default: a temp folder)")
    parser.add_argument("--json", help="also write all results to this file")
    parser.add_argument("--child", choices=("flow", "direct", "serial"), help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.mode = args.child
        run_child(args)
        return
    from conflict_events.settings import apply_offline_environment

    apply_offline_environment()
    args.out = args.out or tempfile.mkdtemp(prefix="conflict-events-bench-")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    reference = {int(s) for s in args.reference_sizes.split(",")}
    results = []
    print(f"corpus seed {args.seed}, batch size {args.batch_size}, {os.cpu_count()} cores; output in {args.out}")
    with prefect_server(Path(args.out) / "prefect") as api_url:
        for n in sizes:
            for mode in modes:
                if mode != "flow" and n not in reference:
                    continue
                results.append(one_run(mode, n, args, api_url if mode == "flow" else None))
                Path(args.out, "results.json").write_text(json.dumps(results, indent=2))
    print()
    print(table(results))
    print()
    lines = checks(results)
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if any("DIFFER" in line for line in lines):
        raise SystemExit("events differ between runs of the same corpus")


if __name__ == "__main__":
    main()
