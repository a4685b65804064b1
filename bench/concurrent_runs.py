"""Concurrent runs: several `conflict-events run` processes at once on one lake, with overlapping inputs; nothing may be lost.

One repetition writes an input folder per run: articles only that run has, records every run has
under the same id (one record fed to every run), and texts every run has under its own id (one
text, several records). The runs start together against one Prefect server and one lake, so each
reads the lake before the others publish. Then: every run exits 0 and accounts for all its
records; every input record is an article or a quarantine row of the lake (records lost: 0); of
each shared text one copy is an article and every other a `clean:duplicate` row; `verify` finds
nothing and no article is published twice. Repetitions accumulate on one lake (the first runs are
first runs, the later ones incremental).

    python -m bench.concurrent_runs [--repetitions 20] [--runs 3] [--own 2] [--same 1] [--shared 2] [--out DIR]

Uses the server PREFECT_API_URL names when set, else starts one (bench/prefect_server.py).
Used by tests/flows/test_concurrent_runs.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.corpus import generate, write_jsonl
from bench.crash import kill_group, start_run
from bench.lake_audit import consistency, describe, findings, snapshot
from bench.prefect_server import prefect_server

ACCOUNTED = re.compile(r"accounted:\s+(\d+) of (\d+) records in")
MEANWHILE = "were published by another run while this one ran"  # flows/run_loop.py's warning


@dataclass
class Inputs:
    """One repetition's input folders and what each record must become."""

    folders: list[Path]
    refs: list[str] = field(default_factory=list)  # every input record's id
    shared: list[list[str]] = field(default_factory=list)  # ids of one text under each run's own id


def write_inputs(work: Path, number: int, runs: int, own: int, same: int, shared: int, seed: int = 0) -> Inputs:
    """Input folders for `runs` runs; corpus indexes past every earlier repetition's, so each repetition adds new texts."""
    per_repetition = runs * own + same + shared
    start = number * per_repetition
    common = generate(same, seed, start + runs * own)
    texts = generate(shared, seed, start + runs * own + same)
    inputs = Inputs([], shared=[[f"{t['id']}-run{i}" for i in range(runs)] for t in texts])
    for i in range(runs):
        records = generate(own, seed, start + i * own) + common + [{**t, "id": f"{t['id']}-run{i}"} for t in texts]
        folder = work / f"repetition-{number:03d}" / f"run-{i}"
        write_jsonl(records, folder / "articles.jsonl")
        inputs.folders.append(folder)
        inputs.refs += [r["id"] for r in records]
    return inputs


@dataclass
class Repetition:
    """One round of concurrent runs and what the lake holds after it."""

    number: int
    records: int = 0
    codes: list[int | None] = field(default_factory=list)
    accounted: list[str] = field(default_factory=list)  # each run's "accounted: N of M" (N == M when nothing was lost)
    overlapped: int = 0  # runs that found their articles published by another run meanwhile
    lost: list[str] = field(default_factory=list)
    duplicates: int = 0  # copies of a shared text quarantined as clean:duplicate
    expected_duplicates: int = 0
    problems: list[str] = field(default_factory=list)  # verify problems, cross-dataset faults, shared texts published twice
    leftovers: list[str] = field(default_factory=list)  # verify notes
    seconds: float = 0.0
    output: str = ""  # the runs' output tails when something failed

    @property
    def ok(self) -> bool:
        return (
            all(c == 0 for c in self.codes) and not self.lost and not self.problems and not self.leftovers
            and self.duplicates == self.expected_duplicates and all(a.split(" of ")[0] == a.split(" of ")[1] for a in self.accounted)
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "records_lost": len(self.lost)}


def run_repetition(
    number: int, work: Path, lake: Path, api_url: str, runs: int = 3, own: int = 2, same: int = 1, shared: int = 2, seed: int = 0,
) -> Repetition:
    """Start `runs` runs at once over overlapping inputs, wait for all, then audit the lake."""
    inputs = write_inputs(work, number, runs, own, same, shared, seed)
    result = Repetition(number, records=len(inputs.refs), expected_duplicates=shared * (runs - 1))
    began = time.monotonic()
    # A PREFECT_HOME each: concurrent processes share the server, not a local profile folder.
    started = [start_run([f], lake, api_url, {"PREFECT_HOME": str(f.parent / f"prefect-home-{f.name}")}) for f in inputs.folders]
    try:
        result.codes = [run.finish() for run in started]
    finally:
        for run in started:
            kill_group(run)  # interrupted while waiting (Ctrl-C): no run outlives the repetition
    result.seconds = time.monotonic() - began
    for run in started:
        said = [m.group(0) for line in run.lines if (m := ACCOUNTED.search(line))]
        result.accounted.append(" of ".join(ACCOUNTED.search(said[-1]).groups()) if said else "none of ?")
        result.overlapped += any(MEANWHILE in line for line in run.lines)

    shot = snapshot(lake)
    quarantined = {ref: code for ref, code in shot.findings}
    result.lost = [ref for ref in inputs.refs if ref not in shot.source_refs and ref not in quarantined]
    for copies in inputs.shared:
        published = [ref for ref in copies if ref in shot.source_refs]
        result.duplicates += sum(1 for ref in copies if (ref, "clean:duplicate") in shot.findings)
        if len(published) > 1:
            result.problems.append(f"one text published {len(published)} times: {', '.join(published)}")
    problems, notes = findings(lake)
    result.problems += describe(problems) + consistency(shot)
    result.leftovers = describe(notes)
    if not result.ok:
        result.output = "\n".join(f"--- run {i} (exit {run.returncode}) ---\n{run.tail()}" for i, run in enumerate(started))
    else:
        shutil.rmtree(work / f"repetition-{number:03d}")
    return result


def format_repetition(r: Repetition) -> str:
    """One line a person reads, then what went wrong."""
    line = (
        f"repetition {r.number:3d}: {len(r.codes)} runs exit {','.join(map(str, r.codes))} in {r.seconds:5.1f} s"
        f"  accounted {', '.join(r.accounted)}  overlapped {r.overlapped}  records {r.records}"
        f"  records lost {len(r.lost)}  duplicates quarantined {r.duplicates} of {r.expected_duplicates}"
        f"  problems {len(r.problems)}  leftovers {len(r.leftovers)}"
    )
    return "\n".join([line, *(f"    {d}" for d in [*r.problems, *r.leftovers, *(f"lost: {ref}" for ref in r.lost)])])


def totals(repetitions: list[Repetition]) -> dict[str, Any]:
    """The numbers the closing note reports."""
    return {
        "repetitions": len(repetitions),
        "records": sum(r.records for r in repetitions),
        "records_lost": sum(len(r.lost) for r in repetitions),
        "duplicates_quarantined": sum(r.duplicates for r in repetitions),
        "duplicates_expected": sum(r.expected_duplicates for r in repetitions),
        "runs_that_overlapped": sum(r.overlapped for r in repetitions),
        "failed_runs": sum(1 for r in repetitions for c in r.codes if c != 0),
        "problems": sum(len(r.problems) + len(r.leftovers) for r in repetitions),
        "failed_repetitions": [r.number for r in repetitions if not r.ok],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="runs started at once")
    parser.add_argument("--own", type=int, default=2, help="articles only one run has, per run")
    parser.add_argument("--same", type=int, default=1, help="records every run has under the same id")
    parser.add_argument("--shared", type=int, default=2, help="texts every run has under its own id")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", metavar="DIR", help="work in DIR and keep it (default: a temporary folder, removed when all pass)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary last")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds like Ctrl-C: runs and server stopped

    work = Path(args.out or tempfile.mkdtemp(prefix="conflict-events-concurrent-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work: {work}", flush=True)
    given = os.environ.get("PREFECT_API_URL")
    repetitions = []
    with nullcontext(given) if given else prefect_server(work / "prefect-server") as api_url:
        print(f"server: {api_url}", flush=True)
        for number in range(1, args.repetitions + 1):
            repetition = run_repetition(number, work, work / "lake", api_url, args.runs, args.own, args.same, args.shared, args.seed)
            repetitions.append(repetition)
            print(format_repetition(repetition), flush=True)
            if repetition.output:
                print(repetition.output, flush=True)
    summary = totals(repetitions)
    print(
        f"{summary['repetitions']} repetitions of {args.runs} concurrent runs: {summary['records']} records, "
        f"{summary['records_lost']} lost; duplicates quarantined {summary['duplicates_quarantined']} of {summary['duplicates_expected']}; "
        f"{summary['runs_that_overlapped']} runs found a text published meanwhile; {summary['failed_runs']} runs failed; "
        f"{summary['problems']} problems"
    )
    if args.json:
        print(json.dumps({**summary, "details": [r.to_dict() for r in repetitions]}, indent=2, default=str))
    if not summary["failed_repetitions"] and not args.out:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if summary["failed_repetitions"] else 0


if __name__ == "__main__":
    sys.exit(main())
