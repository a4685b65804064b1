"""Crash safety under SIGKILL: kill real pipeline runs at random moments during extract and publish, then recover.

    python -m scripts.benchmark_crashes [--trials 30] [--articles 40] [--seed 0] [--out DIR] [--json] [--phases extract,publish]

Starts one Prefect server (bench/prefect_server.py) and times an uninterrupted run (the second
of two: the first sets the lake up) to learn the extract window (the "ingest:" log line to the
publish journal appearing) and the publish window (how long `<lake>/_publishing.json` exists).
Then runs TRIALS trials on one accumulating lake, alternating extract and publish kills with
seeded random delays inside those windows (bench/crash.py), re-measured on every recovery run
(a publish slows as versions gather files). Each trial: new articles + the bad-input corpus, a
run killed with SIGKILL, verify (no problems allowed), the same input again (exit 0, no
leftovers, every record accounted for, nothing published before lost). Prints one line per
trial and the totals; exits 1 if any trial lost rows or had problems.

`--phases switch` aims every kill just after a publish's first pointer flip instead: the
roll-forward case, which random publish kills rarely reach (the flips take its last ms).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.crash import PHASES, calibrate, format_trial, run_trial, start_run, totals, write_trial_input
from bench.prefect_server import prefect_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--articles", type=int, default=40, help="new generated articles per trial (plus the bad-input corpus)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the corpus and the kill delays")
    parser.add_argument("--out", metavar="DIR", help="work in DIR and keep it (default: a temporary folder, removed when all trials pass)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary last")
    parser.add_argument("--phases", default="extract,publish", help=f"phases to alternate, from {','.join(PHASES)}")
    args = parser.parse_args(argv)
    phases = args.phases.split(",")
    if not phases or set(phases) - set(PHASES):
        parser.error(f"--phases takes names from {','.join(PHASES)}")
    # `kill` (SIGTERM) unwinds like Ctrl-C: the running pipeline and the server are stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = Path(args.out or tempfile.mkdtemp(prefix="conflict-events-crashes-"))
    work.mkdir(parents=True, exist_ok=True)
    lake = work / "lake"
    rng = random.Random(args.seed)
    began = time.monotonic()
    print(f"work: {work}", flush=True)
    with prefect_server(work / "prefect-server") as api_url:
        print(f"server: {api_url} (up in {time.monotonic() - began:.0f} s)", flush=True)
        # Two uninterrupted runs: the first sets up the lake (and its GX project, which takes seconds
        # only once), the second is timed as the trials' runs will be. Both give the lake something to lose.
        for number in (0, args.trials + 1):  # article indexes clear of every trial's
            inputs = work / f"trial-{number:03d}"
            write_trial_input(inputs, args.articles, args.seed, start=number * args.articles, tag=f"trial{number}")
            windows = calibrate(start_run([inputs], lake, api_url), lake)
            shutil.rmtree(inputs)
        calibration = windows
        print(
            f"calibration: {windows['run_seconds']:.1f} s run; 'ingest:' at {windows['ingest_at']:.1f} s; "
            f"extract window {windows['extract_window']:.2f} s; publish window {windows['publish_window'] * 1000:.1f} ms; "
            f"switch window {windows['switch_window'] * 1000:.1f} ms",
            flush=True,
        )
        trials = []
        for number in range(1, args.trials + 1):
            phase = phases[(number - 1) % len(phases)]
            window = windows[f"{phase}_window"]
            trial = run_trial(
                number, phase, rng.uniform(0, window), work, lake, api_url, args.articles, args.seed, keep_inputs=bool(args.out), window=window
            )
            trials.append(trial)
            print(format_trial(trial), flush=True)
            windows = trial.recovery_timings or windows  # aim the next kill by the latest uninterrupted publish
            if trial.output:
                print(trial.output, flush=True)

    summary = {**totals(trials), "windows": calibration, "last_windows": windows, "articles_per_trial": args.articles, "seed": args.seed,
               "seconds": round(time.monotonic() - began, 1), "work": str(work)}
    landed = summary["landed"]
    print(f"\ntrials:          {summary['trials']}")
    print(f"kills landed:    {sum(landed.values())} ({', '.join(f'{p} {n}' for p, n in landed.items())}); "
          f"where: {', '.join(f'{w} {n}' for w, n in summary['where'].items())}")
    print(f"kills survived:  {summary['survived']} (landed, then no problems, recovery exit 0, no leftovers, nothing lost)")
    print(f"missed:          {summary['missed']} (the run had already exited)")
    print(f"rows lost:       {summary['rows_lost']}")
    print(f"problems:        {summary['problems']}" + (f" (trials {summary['failed_trials']})" if summary["failed_trials"] else ""))
    print(f"seconds:         {summary['seconds']:.0f}")
    if args.json:
        print(json.dumps({**summary, "trials_detail": [t.to_dict() for t in trials]}, indent=2, default=str))
    failed = bool(summary["rows_lost"] or summary["problems"])
    if not args.out and not failed:
        shutil.rmtree(work)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
