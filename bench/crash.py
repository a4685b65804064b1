"""Crash trials: SIGKILL a real `conflict-events run` during extract or publish, check the lake, run again, account for every record.

One trial = write an input folder (generated articles + the bad-input corpus, unique per trial),
start a run against a Prefect server, kill its process group at a chosen moment, verify the lake
(bench/lake_audit.py; no problems allowed, leftovers are notes), run the same input again without a kill, and check:
exit 0, no problems and no leftovers, every input record published or quarantined as expected,
and nothing published before the trial gone. Used by tests/flows/test_crash.py and
scripts/benchmark_crashes.py.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from bench.bad_input import Expected, write_corpus
from bench.corpus import generate, write_jsonl
from bench.lake_audit import consistency, describe, findings, lake_state, lost_rows, snapshot
from bench.prefect_server import QUIET
from conflict_events.lake.layout import JOURNAL, POINTER

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Where a kill is aimed: after the "ingest:" line, after the publish journal appears, after a publish's
# first pointer flip (the roll-forward case, rare by chance: the switches take the last ms of a publish).
PHASES = ("extract", "publish", "switch")
# The flow logs this right after ingest, before the first clean/extract batch (Prefect's console log is stderr).
INGEST_LINE = re.compile(r"\bingest: \d+ records")
# What a run had finished, from Prefect's console log: "Task run 'extract-c6b' - Finished", "Flow run 'x' - Finished".
FINISHED_LINE = re.compile(r"(?:Task run '([a-z-]+)-[0-9a-f]+'|Flow run '[^']+') - Finished in state")
POLL_SECONDS = 0.001  # how often the publish trigger looks for the journal
RUN_TIMEOUT = 900  # seconds a run may take before the trial gives up on it
# Limits the trial runs with; the bad corpus sizes its oversized records against them (small = fast trials).
LIMITS = {"max_record_bytes": 100_000, "max_records_per_file": 50}


def run_env(api_url: str, home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The run's environment: offline, the given server, its own PREFECT_HOME, INFO logs (the kill trigger reads them)."""
    return {
        **os.environ,
        **QUIET,
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_LOGGING_LEVEL": "INFO",
        "CONFLICT_EVENTS_MAX_RECORD_BYTES": str(LIMITS["max_record_bytes"]),
        "CONFLICT_EVENTS_MAX_RECORDS_PER_FILE": str(LIMITS["max_records_per_file"]),
        **(extra or {}),
    }


class Run(subprocess.Popen):
    """A pipeline process in its own session whose merged output a thread reads line by line."""

    def __init__(self, args: list[str], env: Mapping[str, str]):
        super().__init__(
            args, env=dict(env), cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace", start_new_session=True,  # pid == pgid: one killpg reaches everything it started
        )
        self.started = time.monotonic()
        self.lines: list[str] = []
        self.ingest_at: float | None = None
        self.ingested = threading.Event()  # set at the "ingest:" line, or when the output ends without one
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.stdout:
            self.lines.append(line.rstrip("\n"))
            if self.ingest_at is None and INGEST_LINE.search(line):
                self.ingest_at = time.monotonic()
                self.ingested.set()
        self.ingested.set()

    def finish(self, timeout: float = RUN_TIMEOUT) -> int:
        """Wait for the exit (killing the group past `timeout`) and the last line; the exit code."""
        try:
            self.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(self)
        self.reader.join(10)
        return self.returncode

    def tail(self, n: int = 30) -> str:
        """The last `n` lines of output, for a failure message."""
        return "\n".join(self.lines[-n:])


def start_run(inputs: Iterable[Path], lake: Path, api_url: str, env_extra: Mapping[str, str] | None = None) -> Run:
    """Start `conflict-events run --input ... --lake LAKE` (PREFECT_HOME beside the lake unless env_extra names one)."""
    args = [str(BIN / "conflict-events"), "run", *(a for p in inputs for a in ("--input", str(p))), "--lake", str(lake)]
    return Run(args, run_env(api_url, Path(lake).parent / "prefect-home", env_extra))


def milestone(lines: Iterable[str]) -> str:
    """The last step a run logged as done ("ingest", "extract", ..., "flow"), so a kill can be placed."""
    last = "start"
    for line in lines:
        if INGEST_LINE.search(line):
            last = "ingest"
        elif match := FINISHED_LINE.search(line):
            last = match.group(1) or "flow"
    return last


def kill_group(run: Run) -> bool:
    """SIGKILL the run's process group; True when the run had not yet exited (the kill landed)."""
    alive = run.poll() is None
    if alive:  # once reaped, its group id may belong to someone else; until then a zombie holds it
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    run.wait()
    # An exit between poll() and killpg() shows as exit code 0, not -9: only -9 is a kill that landed.
    return alive and run.returncode == -signal.SIGKILL


def journal_id(lake: Path) -> tuple[int, int] | None:
    """The publish journal's identity (inode, mtime), or None when there is none."""
    try:
        st = os.stat(Path(lake) / JOURNAL)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def wait_for_journal(run: Run, lake: Path, stale: tuple[int, int] | None = None) -> float | None:
    """When a journal other than `stale` (one a killed run left) first appeared, polled every ms; None if the run exited first."""
    while run.poll() is None:
        seen = journal_id(lake)
        if seen is not None and seen != stale:
            return time.monotonic()
        time.sleep(POLL_SECONDS)
    return None


def pointer_ids(lake: Path) -> dict[str, tuple[int, int]]:
    """Each dataset's `_CURRENT` identity (inode, mtime): a pointer write replaces the file, so it changes."""
    ids = {}
    for pointer in Path(lake).glob(f"*/{POINTER}"):
        try:
            st = os.stat(pointer)
        except FileNotFoundError:
            continue
        ids[pointer.parent.name] = (st.st_ino, st.st_mtime_ns)
    return ids


def wait_for_switch(run: Run, lake: Path) -> float | None:
    """When a new publish journal was present and one `_CURRENT` had changed (polled every ms); None if the run exited first."""
    stale, before = journal_id(lake), pointer_ids(lake)
    while run.poll() is None:
        seen = journal_id(lake)
        if seen is not None and seen != stale and pointer_ids(lake) != before:
            return time.monotonic()
        time.sleep(POLL_SECONDS)
    return None


@dataclass
class Kill:
    """When a kill was aimed (phase, delay after its trigger) and whether it landed on a running process."""

    phase: str
    delay: float
    landed: bool
    returncode: int
    trigger_seen: bool
    at_seconds: float  # since the run started
    after: str = ""  # the last step the run logged as finished before it died


def kill_in(run: Run, phase: str, delay: float, lake: Path) -> Kill:
    """Wait for the phase's trigger (see PHASES), sleep `delay`, SIGKILL the group."""
    if phase == "extract":
        run.ingested.wait(RUN_TIMEOUT)
        trigger = run.ingest_at
    elif phase == "publish":
        trigger = wait_for_journal(run, lake, stale=journal_id(lake))
    elif phase == "switch":
        trigger = wait_for_switch(run, lake)
    else:
        raise ValueError(f"phase must be one of {PHASES}, not {phase!r}")
    if trigger is not None:
        time.sleep(max(0.0, trigger + delay - time.monotonic()))
    at = time.monotonic() - run.started
    if trigger is None:  # the run got past the phase unseen: let it end
        landed = False
        run.finish()
    else:
        landed = kill_group(run)
    run.reader.join(10)  # a dead process's lines are all in the pipe: what it logged before the kill
    return Kill(phase, delay, landed, run.returncode, trigger is not None, at, milestone(run.lines))


def timings(run: Run, lake: Path) -> dict[str, float] | None:
    """Let a run finish, timing it: ingest line to publish start (extract window), journal lifetime (publish window), first flip to its end.

    None when the run failed or published nothing (no journal, so no window to measure).
    """
    # A journal a killed run left is not this run's: a recovery run removes it only when it publishes.
    pointers = pointer_ids(lake)
    first = wait_for_journal(run, lake, stale=journal_id(lake))
    last = flip = first
    flipped = False
    journal = Path(lake) / JOURNAL
    while first is not None and run.poll() is None and journal.exists():
        last = time.monotonic()
        if not flipped and pointer_ids(lake) != pointers:
            flip, flipped = last, True
        time.sleep(POLL_SECONDS)
    code = run.finish()
    if code != 0 or run.ingest_at is None or first is None:
        return None
    return {
        "extract_window": first - run.ingest_at,
        "publish_window": max(last - first, POLL_SECONDS),
        "switch_window": max(last - flip, POLL_SECONDS),  # first pointer flip to the journal's removal
        "run_seconds": time.monotonic() - run.started,
        "ingest_at": run.ingest_at - run.started,
    }


def calibrate(run: Run, lake: Path) -> dict[str, float]:
    """`timings` of a run that must complete and publish."""
    measured = timings(run, lake)
    if measured is None:
        raise RuntimeError(f"the calibration run exited {run.returncode} or published nothing:\n{run.tail()}")
    return measured


# --- one trial ---------------------------------------------------------------------------------------


def write_trial_input(folder: Path, articles: int, seed: int, start: int, tag: str) -> list[Expected]:
    """Generated articles (ids bench-<start>...) and the bad-input corpus (ids and texts unique by `tag`)."""
    folder.mkdir(parents=True, exist_ok=True)
    good = generate(articles, seed, start)
    write_jsonl(good, folder / "articles.jsonl")  # beside the corpus's kind folders, so its refs stay theirs
    bad = write_corpus(folder, tag, **LIMITS)
    return [Expected("generated", r["id"], "article") for r in good] + bad


@dataclass
class Trial:
    """One kill and its recovery, with everything checked."""

    number: int
    phase: str
    delay: float
    records: int
    window: float | None = None  # the phase's length the delay was drawn from, when one was
    kill: Kill | None = None
    state_after_kill: str = ""
    pointers_moved: bool = False  # some `_CURRENT` changed between the run's start and its kill
    problems_after_kill: list[str] = field(default_factory=list)
    recovery_code: int | None = None
    recovery_seconds: float = 0.0
    recovery_timings: dict[str, float] | None = None  # its windows, when it published something
    leftovers: list[str] = field(default_factory=list)  # verify notes after the recovery run
    problems_after_recovery: list[str] = field(default_factory=list)  # verify problems and cross-dataset faults
    lost: list[str] = field(default_factory=list)
    output: str = ""  # the runs' output tails when something failed

    @property
    def landed(self) -> bool:
        return bool(self.kill and self.kill.landed)

    @property
    def problems(self) -> int:
        return len(self.problems_after_kill) + len(self.problems_after_recovery) + (self.recovery_code != 0) + len(self.leftovers)

    @property
    def where(self) -> str:
        """Where the kill fell: pre-publish, mid-publish (the journal outlived the run), post-publish, or missed."""
        if not self.landed:
            return "missed"
        if self.state_after_kill.startswith("journal"):
            return "mid-publish"
        return "post-publish" if self.pointers_moved else "pre-publish"

    @property
    def survived(self) -> bool:
        """The kill landed and the lake came through it whole."""
        return self.landed and not self.problems and not self.lost

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "landed": self.landed, "where": self.where, "survived": self.survived, "rows_lost": len(self.lost)}


def run_trial(
    number: int, phase: str, delay: float, work: Path, lake: Path, api_url: str,
    articles: int = 10, seed: int = 0, env_extra: Mapping[str, str] | None = None, keep_inputs: bool = False,
    window: float | None = None,
) -> Trial:
    """Kill a run over a new input in `phase` after `delay` seconds, check the lake, recover, check again."""
    inputs = work / f"trial-{number:03d}"
    # Article indexes past every earlier trial's: each trial adds new articles to the same lake.
    expected = write_trial_input(inputs, articles, seed, start=number * articles, tag=f"trial{number}")
    trial = Trial(number, phase, delay, len(expected), window)
    before = snapshot(lake)

    pointers = pointer_ids(lake)
    run = start_run([inputs], lake, api_url, env_extra)
    try:
        trial.kill = kill_in(run, phase, delay, lake)
    finally:
        kill_group(run)  # interrupted while waiting (Ctrl-C): no run outlives the trial
    trial.pointers_moved = pointer_ids(lake) != pointers
    problems, notes = findings(lake)
    trial.state_after_kill = lake_state(lake, notes)
    trial.problems_after_kill = describe(problems)

    started = time.monotonic()
    recovery = start_run([inputs], lake, api_url, env_extra)
    try:
        # Timed as it goes: publishing slows as versions gather files, so the next trial aims by this run.
        trial.recovery_timings = timings(recovery, lake)
        trial.recovery_code = recovery.returncode
    finally:
        kill_group(recovery)
    trial.recovery_seconds = time.monotonic() - started
    problems, notes = findings(lake)
    after = snapshot(lake)
    trial.problems_after_recovery = describe(problems) + consistency(after)
    trial.leftovers = describe(notes)
    trial.lost = lost_rows(expected, before, after)
    if trial.problems or trial.lost:
        trial.output = f"--- killed run ---\n{run.tail()}\n--- recovery run ---\n{recovery.tail()}"
    elif not keep_inputs:
        shutil.rmtree(inputs)  # regenerable from (seed, number); the corpus holds a 50 MB file
    return trial


def format_trial(t: Trial) -> str:
    """One line a person reads."""
    kill = t.where if t.landed or not t.kill or t.kill.trigger_seen else "no-trigger"
    kill += f" ({t.kill.after} done)" if t.kill else ""
    window = f"{t.window * 1000:.0f}" if t.window else "-"  # the phase length the delay was drawn from
    line = (
        f"trial {t.number:3d}  {t.phase:7s}  delay {t.delay * 1000:8.1f}/{window:>7s} ms  {kill:30s}  lake: {t.state_after_kill:44s}"
        f"  problems {len(t.problems_after_kill)}  recovery exit {t.recovery_code} in {t.recovery_seconds:5.1f} s"
        f"  leftovers {len(t.leftovers)}  rows lost {len(t.lost)}"
    )
    details = t.problems_after_kill + t.problems_after_recovery + t.leftovers + t.lost[:20]
    return "\n".join([line, *(f"    {d}" for d in details)])


def totals(trials: list[Trial]) -> dict[str, Any]:
    """The numbers the closing note reports."""
    return {
        "trials": len(trials),
        "landed": {p: sum(1 for t in trials if t.phase == p and t.landed) for p in PHASES if any(t.phase == p for t in trials)},
        "where": {w: sum(1 for t in trials if t.where == w) for w in ("pre-publish", "mid-publish", "post-publish", "missed")},
        "survived": sum(1 for t in trials if t.survived),
        "missed": sum(1 for t in trials if not t.landed),
        "rows_lost": sum(len(t.lost) for t in trials),
        "problems": sum(t.problems for t in trials),
        "failed_trials": [t.number for t in trials if t.problems or t.lost],
    }
