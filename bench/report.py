"""Report benchmark: the time and size of `conflict-events report` on a lake of N coded articles.

Builds the lake once with the real stages (bench/corpus.py articles, coded and validated by the run loop
without Prefect, flows/direct.py) in two runs, so the report has a previous version to compare with:
the first 90% of the articles, then the rest. Then it times the report command in fresh processes
(cold: imports, reading the lake, the chart library's bundle, rendering, writing) and prints the
seconds and bytes of each, and the exports' times for the same lake.

    python -m bench.report [--articles 2000] [--repeats 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import corpus

TARGET_SECONDS, TARGET_BYTES = 10.0, 5_000_000  # issue 16: under 10 s and under 5 MB for a 2,000-article lake


def build_lake(folder: Path, articles: int, seed: int) -> Path:
    """A lake of `articles` coded articles in two runs (reused when already built)."""
    from conflict_events.models import RunContext
    from conflict_events.settings import get_settings, local_workers, quality_dir
    from flows.direct import direct_wiring
    from flows.run_loop import run_batches
    from tasks import prefect_tasks as stages

    lake = folder / f"lake-{articles}-{seed}"
    done = lake.with_name(lake.name + ".complete")
    if done.exists():
        return lake
    first = articles * 9 // 10
    for number, (start, count) in enumerate(((0, first), (first, articles - first)), 1):
        feed = folder / f"feed-{articles}-{seed}-{number}"
        feed.mkdir(parents=True, exist_ok=True)
        corpus.write_jsonl(corpus.generate(count, seed, start), feed / "articles.jsonl")
        settings = get_settings(lake=str(lake))
        context = RunContext(f"bench-report-{number}", datetime.now(timezone.utc).date(), quality_dir(settings))
        with direct_wiring(local_workers(settings)) as wiring:
            summary = run_batches([str(feed)], False, settings, context, stages.lake_state.fn(settings.lake), wiring, logging.getLogger("bench"))
        print(f"run {number}: {summary.articles} articles, {summary.events} events, {summary.records_quarantined} quarantined", flush=True)
    done.write_text(str(articles))
    return lake


def timed_command(args: list[str]) -> float:
    """Wall seconds of one console-script command in a fresh process."""
    began = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("conflict-events")), *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for the corpus, the lake and the reports (default: a temp folder)")
    args = parser.parse_args(argv)
    from conflict_events.settings import apply_offline_environment

    apply_offline_environment()
    logging.basicConfig(level=logging.WARNING)
    folder = Path(args.out or tempfile.mkdtemp(prefix="bench-report-"))
    lake = build_lake(folder, args.articles, args.seed)
    import pyarrow.parquet as pq

    events = pq.read_table(lake / "events" / (lake / "events" / "_CURRENT").read_text().strip()).num_rows
    report = folder / "report.html"
    seconds = [timed_command(["report", "--lake", str(lake), "--out", str(report)]) for _ in range(args.repeats)]
    size = report.stat().st_size
    print(f"lake: {args.articles} articles, {events} events ({lake})")
    print(f"report: {statistics.median(seconds):.2f} s median of {args.repeats} cold runs (min {min(seconds):.2f}, max {max(seconds):.2f}), "
          f"{size:,} bytes ({size / 1e6:.2f} MB)")
    for fmt, suffix in (("csv", "csv"), ("geojson", "geojson"), ("geoparquet", "parquet")):
        out = folder / f"events.{suffix}"
        took = timed_command(["export", "--lake", str(lake), "--format", fmt, "--out", str(out)])
        print(f"export {fmt}: {took:.2f} s, {out.stat().st_size:,} bytes")
    ok = statistics.median(seconds) < TARGET_SECONDS and size < TARGET_BYTES
    print(f"targets (under {TARGET_SECONDS:.0f} s and {TARGET_BYTES / 1e6:.0f} MB): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
