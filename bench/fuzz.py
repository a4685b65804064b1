"""The long fuzzing run: N generated articles through clean + extract one at a time, timed, and a report of what broke.

The articles are the fuzzing properties' own (tests/fuzz/texts.py: the coder's vocabulary in hostile shapes, realistic
wire copy with hostile sentences); each runs under a wall-clock budget and every invariant of tests/fuzz/invariants.py.
Unlike the property test, a failure does not stop the run: all N articles run, and the report counts failures by kind
with the shortest input of each (the property test, `make test`, shrinks one to a minimal example).

    python -m bench.fuzz [--n 10000] [--budget 10] [--seed 0] [--json report.json]
"""

from __future__ import annotations

import argparse
import heapq
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, seed, settings

from conflict_events.models import RawRecord
from conflict_events.settings import REFERENCE_DIR
from tasks.extract.coder import Resources
from tests.fuzz.invariants import BudgetExceeded, clean_and_extract, shown
from tests.fuzz.texts import RUN_DATE, article_records

LONG_TEXT = 2000  # characters from which time per character is a fair measure (below, fixed costs dominate)
KEPT = 5  # slowest inputs kept for the report


@dataclass
class Tally:
    """What the run has seen so far: every article's time and outcome, the slowest inputs, failures by kind."""

    seconds: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    events: int = 0
    slowest: list[tuple[float, int, str]] = field(default_factory=list)  # min-heap of (seconds, n, text)
    rates: list[float] = field(default_factory=list)  # microseconds a character, of articles of LONG_TEXT or more
    worst_rate: tuple[float, str] = (0.0, "")
    failures: Counter = field(default_factory=Counter)
    shortest_failure: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind -> (message, text)

    def timed(self, seconds: float, text: str) -> None:
        """Note one article's time among the slowest, overall and per character."""
        n = len(self.seconds)
        self.seconds.append(seconds)
        heapq.heappush(self.slowest, (seconds, n, text))
        if len(self.slowest) > KEPT:
            heapq.heappop(self.slowest)
        if len(text) >= LONG_TEXT:
            self.rates.append(seconds / len(text) * 1e6)
            self.worst_rate = max(self.worst_rate, (self.rates[-1], text))

    def failed(self, kind: str, message: str, text: str) -> None:
        """Count a failure; keep the shortest input of its kind."""
        self.failures[kind] += 1
        if kind not in self.shortest_failure or len(text) < len(self.shortest_failure[kind][1]):
            self.shortest_failure[kind] = (message, text)


def run(n: int, budget: float, seed_value: int, resources: Resources) -> Tally:
    """Clean and code `n` generated articles, each within `budget` seconds; failures are counted, not raised."""
    tally = Tally()

    @seed(seed_value)
    @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(record=article_records)
    def one(record: RawRecord) -> None:
        began = time.perf_counter()
        try:
            result = clean_and_extract(record, resources, budget, RUN_DATE)
        except BudgetExceeded as exc:
            tally.failed("over budget", str(exc)[:200], record.text)
            tally.timed(time.perf_counter() - began, record.text)
            return
        except AssertionError as exc:
            tally.failed("invariant", str(exc)[:500], record.text)
            return
        except Exception as exc:  # an exception that escaped clean or extract: what the run must never see
            tally.failed(f"escaped {type(exc).__name__}", str(exc)[:500], record.text)
            return
        tally.timed(result.seconds, record.text)
        tally.outcomes[result.outcome] += 1
        tally.events += result.events

    one()
    return tally


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-quantile (0..1) of already sorted values, nearest rank."""
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] if sorted_values else 0.0


def report(tally: Tally, wall: float, budget: float) -> dict:
    """The run's numbers, as printed and as written with --json."""
    times = sorted(tally.seconds)
    runs = len(times) + sum(v for k, v in tally.failures.items() if k != "over budget")
    worst = max(tally.slowest, default=(0.0, 0, ""))
    rates = sorted(tally.rates)
    return {
        "examples_run": runs,
        "wall_seconds": round(wall, 1),
        "articles_per_second": round(runs / wall, 2) if wall else None,
        "budget_seconds": budget,
        "failures": sum(tally.failures.values()),
        "failures_by_kind": dict(tally.failures),
        "shortest_failure_by_kind": {k: {"message": m, "input": shown(t)} for k, (m, t) in tally.shortest_failure.items()},
        "outcomes": dict(tally.outcomes.most_common()),
        "events": tally.events,
        "seconds_per_article": {
            "mean": round(statistics.fmean(times), 4) if times else None,
            **{f"p{q}": round(percentile(times, q / 100), 4) for q in (50, 90, 99, 99.9)},
            "max": round(worst[0], 3),
        },
        "worst_article": {"seconds": round(worst[0], 3), "chars": len(worst[2]), "input": shown(worst[2])},
        "slowest": [{"seconds": round(s, 3), "chars": len(t)} for s, _, t in sorted(tally.slowest, reverse=True)],
        # Cost per character of long articles: linear work stays near the median; a superlinear pattern stands out.
        "us_per_char_long_articles": {
            "articles": len(rates), "p50": round(percentile(rates, 0.5), 1), "p99": round(percentile(rates, 0.99), 1),
            "worst": round(tally.worst_rate[0], 1), "worst_chars": len(tally.worst_rate[1]), "worst_input": shown(tally.worst_rate[1], 200),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="articles to generate (default 10000)")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds one article may take before it counts as a failure")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed: same seed, same articles")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    resources = Resources.load(REFERENCE_DIR)
    print(f"coder loaded in {time.perf_counter() - began:.1f} s; {args.n} articles, budget {args.budget:g} s each", flush=True)
    began = time.perf_counter()
    tally = run(args.n, args.budget, args.seed, resources)
    result = report(tally, time.perf_counter() - began, args.budget)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:  # the file keeps the notable inputs whole, to reproduce them
        inputs = {"worst_article": max(tally.slowest, default=(0.0, 0, ""))[2], "worst_per_char": tally.worst_rate[1],
                  **{f"shortest {kind}": text for kind, (_, text) in tally.shortest_failure.items()}}
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({**result, "inputs": inputs}, out, indent=2, ensure_ascii=False)
    raise SystemExit(1 if result["failures"] else 0)  # `make fuzz` fails when anything broke


if __name__ == "__main__":
    main()
