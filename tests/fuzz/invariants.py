"""What must hold for any input, however hostile: the checks the fuzzing properties and `bench.fuzz` share.

- nothing escapes: every stage returns, within a wall-clock budget per example;
- nothing is lost: every input record is an article, a quarantine row with a reason, or already published;
- what comes out has the published schema (conflict_events/schemas.py), column for column.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from conflict_events.models import QuarantineRow, RawRecord
from conflict_events.schemas import ACTOR_CATEGORIES, DISORDER_TYPES, EVENT_TYPE_OF, QUARANTINE_STAGES, SCHEMAS, disorder_type_of
from tasks.clean import clean_records
from tasks.extract.coder import Resources, code_articles
from tests.fuzz.files import Expected

REASON = re.compile(r"^[a-z][a-z0-9_]*$")
# Extraction of one article may end as one of these rows (a budget the coder keeps itself); any other
# extract row (extract_error) is an exception the coder swallowed: a bug the fuzzer reports.
EXPECTED_EXTRACT_REASONS = frozenset({"timeout"})


class OverBudget(BaseException):
    """Raised into the work when its budget runs out; a BaseException, so the coder's `except Exception` lets it through."""


class BudgetExceeded(AssertionError):
    """A property's example took longer than its budget (an assertion, so Hypothesis shrinks it)."""


@contextmanager
def within(seconds: float, what: str) -> Iterator[None]:
    """Run the block under a wall-clock budget (main thread only); past it, BudgetExceeded naming `what`.

    SIGALRM, not a thread or a subprocess: the regex engine checks for signals while it backtracks, so even an
    exponential match is stopped where it stands, and the coder's resources stay loaded in this process.
    """

    def expire(signum: int, frame: Any) -> None:
        raise OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except OverBudget:
        raise BudgetExceeded(f"{what} took over {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def shown(text: str, limit: int = 300) -> str:
    """A long input shortened for a report: its head, its length, its tail."""
    return repr(text) if len(text) <= limit else f"{text[: limit - 60]!r} ... ({len(text)} chars) ... {text[-40:]!r}"


def table_of(rows: list[dict[str, Any]], dataset: str) -> pa.Table:
    """The rows as an Arrow table of the dataset's published schema; every row has exactly its columns."""
    schema = SCHEMAS[dataset]
    for row in rows:
        assert set(row) == set(schema.names), f"{dataset} row columns differ from the schema: {set(row) ^ set(schema.names)}"
    return pa.Table.from_pylist(rows, schema=schema)  # raises on a value of the wrong type or unencodable text


def check_quarantine(rows: list[QuarantineRow], stages: tuple[str, ...] = QUARANTINE_STAGES) -> None:
    """Every row names a stage, a reason code and a detail, keeps its payload as JSON, and fits the quarantine schema."""
    for row in rows:
        assert row.stage in stages, row
        assert REASON.match(row.reason), row
        assert row.detail.strip() and row.record_ref, row
        json.loads(row.payload)
    table_of([r.as_record() for r in rows], "quarantine")


def check_record(record: RawRecord) -> None:
    """A record ingest hands on: a ref, text, optional string fields, all writable as UTF-8."""
    assert record.source_ref and isinstance(record.text, str), record
    for value in (record.source_ref, record.text, record.title, record.source, record.url, record.published, *record.extra.values()):
        assert value is None or isinstance(value, str), record
        if value is not None:
            value.encode("utf-8")  # a lone surrogate here would fail only when the lake is written


def check_events(events: list[dict[str, Any]], article_ids: set[str]) -> None:
    """Event rows of known articles, in ACLED's vocabularies, that make a table of the published schema."""
    for row in events:
        assert row["article_id"] in article_ids, row
        sub = row["sub_event_type"]
        assert EVENT_TYPE_OF.get(sub) == row["event_type"] and row["disorder_type"] == disorder_type_of(sub) in DISORDER_TYPES, row
        assert row["inter1"] in ACTOR_CATEGORIES and row["inter2"] in (None, *ACTOR_CATEGORIES), row
        assert row["time_precision"] in (1, 2, 3) and row["geo_precision"] in (1, 2, 3), row
        assert row["fatalities"] >= 0 and row["injuries"] >= 0 and 0 <= row["confidence"] <= 1, row
        assert row["notes"], row
    table_of(events, "events")


def accounted_refs(records: list[RawRecord], articles: list[dict], quarantined: list[QuarantineRow], unchanged: list[str]) -> None:
    """Every input record comes out exactly once: as an article, a quarantine row, or an unchanged ref."""
    given = Counter(r.source_ref for r in records)
    out = Counter([a["source_ref"] for a in articles] + [q.record_ref for q in quarantined] + list(unchanged))
    assert given == out, f"records in {dict(given)} != records out {dict(out)}"


@dataclass(frozen=True)
class ArticleRun:
    """One article through clean and extract: the time it took and where it ended."""

    seconds: float
    events: int
    outcome: str  # "article" or the quarantine code ("clean:too_short", "extract:timeout", ...)


def clean_and_extract(record: RawRecord, resources: Resources, budget: float, run_date: date) -> ArticleRun:
    """Clean and code one record within `budget` seconds, checking every invariant on the way.

    Raises BudgetExceeded past the budget, AssertionError when an invariant fails.
    """
    began = time.perf_counter()
    with within(budget, f"clean + extract of one article ({len(record.text)} characters: {shown(record.text)})"):
        cleaned = clean_records([record], run_date, {})
        events, failures = code_articles(cleaned.articles, resources)
    seconds = time.perf_counter() - began
    accounted_refs([record], cleaned.articles, cleaned.quarantined, cleaned.unchanged)
    check_quarantine(cleaned.quarantined, ("clean",))
    table_of([{**a, "run_id": "fuzz"} for a in cleaned.articles], "articles")
    check_quarantine(failures, ("extract",))
    swallowed = [f for f in failures if f.reason not in EXPECTED_EXTRACT_REASONS]
    assert not swallowed, f"the coder raised on an article: {swallowed[0].detail} (text {shown(record.text)})"
    check_events(events, {a["article_id"] for a in cleaned.articles})
    outcome = (cleaned.quarantined or failures)[0].code if cleaned.quarantined or failures else "article"
    return ArticleRun(seconds, len(events), outcome)


def check_read(items: list[RawRecord | QuarantineRow], expected: dict[str, Expected]) -> None:
    """Every item belongs to an entry of the folder; each entry gives one item per record, or one row for the whole file.

    A CSV file may also stop at a malformed row, which then holds the rest of the file (its payload is the whole text).
    """
    check_quarantine([i for i in items if isinstance(i, QuarantineRow)], ("ingest",))
    for record in (i for i in items if isinstance(i, RawRecord)):
        check_record(record)
    by_entry: dict[str, list[RawRecord | QuarantineRow]] = {rel: [] for rel in expected}
    for item in items:
        ref = item.source_ref if isinstance(item, RawRecord) else item.record_ref
        # One entry: every item is its own (records may carry any id). Several: names hold no "#", refs are "<rel>[#row]".
        owner = next(iter(expected)) if len(expected) == 1 else ref.split("#", 1)[0]
        assert owner in by_entry, f"an item no entry of the folder accounts for: {ref!r} (entries {sorted(expected)})"
        by_entry[owner].append(item)
    for rel, got in by_entry.items():
        want = expected[rel]
        if len(got) == want.items:
            continue
        codes = [i.code if isinstance(i, QuarantineRow) else "record" for i in got]
        whole = want.whole_file and len(got) == 1 and isinstance(got[0], QuarantineRow) and got[0].record_ref == rel
        stopped = bool(got) and isinstance(got[-1], QuarantineRow) and got[-1].reason == "malformed_csv" and len(got) <= want.items + 1
        assert whole or stopped, f"{rel!r} holds {want.items} records, reading it gave {len(got)} items: {codes[:20]}"
