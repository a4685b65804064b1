"""What an incremental run costs against a full one: N new articles on top of a lake of BASE.

    python -m scripts.benchmark_incremental [--base 2000] [--new 10] [--seed 0] [--keep DIR]

Builds a lake from BASE generated articles (bench/corpus.py), then adds NEW articles and times,
on the same lake and the same inputs, (1) the incremental run and (2) a full rebuild (`full=True`),
twice over:
- warm: flow calls in this process, after the build run loaded spaCy, the gazetteer and GX;
- cold: `conflict-events run` in a new process each, as a scheduled run starts (model and GX
  loading and Prefect's temporary server included).
Prints seconds, the ratios, and the bytes each run wrote into the lake.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import generate, write_jsonl
from conflict_events.settings import apply_offline_environment


def lake_bytes(lake: Path) -> int:
    """Bytes of distinct files in the datasets (a hard-linked file counts once)."""
    seen, total = set(), 0
    for dataset in ("articles", "events", "quarantine"):
        for path in (lake / dataset).rglob("*"):
            if path.is_file():
                stat = path.stat()
                if (stat.st_dev, stat.st_ino) not in seen:
                    seen.add((stat.st_dev, stat.st_ino))
                    total += stat.st_size
    return total


def timed_run(pipeline, inputs: Path, lake: Path, full: bool = False) -> tuple[float, int, dict]:
    before = lake_bytes(lake) if lake.exists() else 0
    started = time.perf_counter()
    summary = pipeline(inputs=[str(inputs)], lake=str(lake), full=full)
    return time.perf_counter() - started, lake_bytes(lake) - before, summary


def timed_cli_run(inputs: Path, lake: Path, full: bool = False) -> tuple[float, int]:
    before = lake_bytes(lake)
    command = [sys.executable, "-m", "conflict_events.cli", "run", "--input", str(inputs), "--lake", str(lake)] + (["--full"] if full else [])
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started, lake_bytes(lake) - before


def restore(saved: Path, lake: Path) -> None:
    shutil.rmtree(lake)
    shutil.copytree(saved, lake, copy_function=shutil.copy2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=int, default=2000)
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary folder)")
    args = parser.parse_args()
    apply_offline_environment()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.pipeline import pipeline

    work = Path(args.keep or tempfile.mkdtemp(prefix="conflict-events-incremental-"))
    inputs, lake = work / "inputs", work / "lake"
    inputs.mkdir(parents=True, exist_ok=True)
    write_jsonl(generate(args.base, args.seed), inputs / "base.jsonl")
    seconds, written, summary = timed_run(pipeline, inputs, lake)
    print(f"build:       {args.base} articles in {seconds:7.1f} s  ({summary.articles} articles, {summary.events} events)")

    write_jsonl(generate(args.new, args.seed, start=args.base), inputs / "new.jsonl")
    shutil.copytree(lake, work / "lake-before")
    inc_s, inc_bytes, inc = timed_run(pipeline, inputs, lake)
    assert inc["articles"] == args.new and inc["unchanged"] == args.base, inc
    restore(work / "lake-before", lake)
    full_s, full_bytes, full = timed_run(pipeline, inputs, lake, full=True)
    assert full["articles"] == args.base + args.new, full
    again_s, _, again = timed_run(pipeline, inputs, lake)
    assert again["versions"] == {}, again
    print(f"warm incremental: {args.new} new on {args.base}: {inc_s:7.1f} s, {inc_bytes / 1e6:8.2f} MB written")
    print(f"warm full:        {args.base + args.new} coded:   {full_s:7.1f} s, {full_bytes / 1e6:8.2f} MB written")
    print(f"warm ratio incremental/full: time {inc_s / full_s:.3f}, bytes {inc_bytes / full_bytes:.4f}")
    print(f"warm nothing new: {again_s:7.1f} s, no version published")

    restore(work / "lake-before", lake)
    cold_inc_s, _ = timed_cli_run(inputs, lake)
    cold_again_s, _ = timed_cli_run(inputs, lake)
    restore(work / "lake-before", lake)
    cold_full_s, _ = timed_cli_run(inputs, lake, full=True)
    print(f"cold incremental: {cold_inc_s:7.1f} s;  cold full: {cold_full_s:7.1f} s;  cold nothing new: {cold_again_s:7.1f} s")
    print(f"cold ratio incremental/full: time {cold_inc_s / cold_full_s:.3f}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
