"""Typed shapes passed between stages and reported at the end of a run: input records, quarantine rows,
the run's context and its summary."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

# The fields an input record may carry (DESIGN.md "Input records"); only `text` is required.
RECORD_FIELDS = ("id", "title", "text", "source", "url", "published")


def utc_now() -> datetime:
    """Now, in UTC, at microsecond resolution (the Parquet timestamp unit)."""
    return datetime.now(timezone.utc)


@dataclass
class RawRecord:
    """One input record as read from a source, before cleaning."""

    source_ref: str  # the record's own id, or its file path (+ row) relative to the input root
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    origin: str = ""  # where it came from, for quarantine payloads: "<input>/<path>[#row]"
    has_own_id: bool = False  # the record carried an `id` (file-derived refs may repeat across inputs)
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The whole record as a JSON-able dict (what a quarantine row keeps)."""
        return {
            "id": self.source_ref,
            "title": self.title,
            "text": self.text,
            "source": self.source,
            "url": self.url,
            "published": self.published,
            "origin": self.origin,
            **self.extra,
        }


def _writable(text: str) -> str:
    """`text`, or when it holds lone surrogates (a JSON "\\udc00" escape, which UTF-8 and so Arrow cannot
    store), the same text with each of them written out as \\udc00."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _payload_json(payload: Any) -> str:
    """`payload` as JSON, readable where it can be; a payload holding lone surrogates is written with \\u
    escapes (ASCII JSON), which keeps it exact: json.loads gives back the very same value."""
    readable = json.dumps(payload, ensure_ascii=False, default=str)
    try:
        readable.encode("utf-8")
        return readable
    except UnicodeEncodeError:
        return json.dumps(payload, ensure_ascii=True, default=str)


@dataclass(frozen=True)
class QuarantineRow:
    """One rejected record or row (DESIGN.md `quarantine` columns); `payload` is the rejected thing whole, as JSON."""

    record_ref: str
    stage: str  # ingest | clean | extract | validate
    reason: str  # a short code
    detail: str  # human-readable
    payload: str
    run_id: str = ""
    quarantined_at: datetime = field(default_factory=utc_now)

    @classmethod
    def of(cls, record_ref: str, stage: str, reason: str, detail: str, payload: Any, run_id: str = "") -> "QuarantineRow":
        """A row for `payload` (any JSON-able value, stored whole), every text writable as UTF-8."""
        return cls(_writable(record_ref), stage, reason, _writable(detail), _payload_json(payload), run_id)

    @property
    def code(self) -> str:
        """`stage:reason`, the key the run summary counts by."""
        return f"{self.stage}:{self.reason}"

    def for_run(self, run_id: str) -> "QuarantineRow":
        return replace(self, run_id=run_id)

    def as_record(self) -> dict[str, Any]:
        """The row as the quarantine dataset stores it."""
        return asdict(self)


@dataclass(frozen=True)
class RunContext:
    """What the stages of one run share besides the settings: which run, which day, where its quality report goes."""

    run_id: str
    run_date: date  # UTC; the day relative dates and the suites' date ranges are judged against
    quality_dir: Path  # the lake's Great Expectations project


@dataclass
class RunSummary:
    """The counts a person (and the tests) check: records in = articles + records quarantined + unchanged."""

    run_id: str
    mode: str  # first | incremental | full
    lake: str
    records_in: int = 0
    articles: int = 0  # articles of this run's input that passed validation
    events: int = 0
    records_quarantined: int = 0  # quarantine rows that stand for a whole input record
    duplicates: int = 0  # declared duplicates: the same text under another ref
    events_quarantined: int = 0
    quarantined: int = 0  # every quarantine row of the run
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0  # input records already published with the same text
    recoded_from_lake: int = 0  # published articles coded again (extractor changed, or --full)
    recode_reason: str | None = None
    current_before: dict[str, str | None] = field(default_factory=dict)
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: str | None = None  # the Data Docs index
    report_pages: list[str] = field(default_factory=list)
    report_page: str | None = None  # this run's own page
    versions: dict[str, str] = field(default_factory=dict)  # what publish switched `_CURRENT` to
    already_quarantined: int = 0
    published_meanwhile: int = 0  # new articles another run published while this one ran (counted as duplicates or unchanged)
    updated: int = 0  # published articles replaced by a changed text read again from their URL
    copies: int = 0  # new articles that are near-duplicates (wire copies) of an earlier one, linked to it
    incidents: int = 0  # incident rows this run wrote (new incidents, and published ones that gained or lost members)
    fetched: dict[str, int] = field(default_factory=dict)  # from sources.toml: records, quarantined, unchanged, skipped

    @property
    def unaccounted(self) -> int:
        """Input records that are neither an article, a quarantine row, nor already published: must be 0."""
        return self.records_in - self.articles - self.records_quarantined - self.unchanged

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "unaccounted": self.unaccounted}
