"""Shapes passed between stages: raw input records and quarantine rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# The fields an input record may carry (DESIGN.md "Input records"); only `text` is required.
RECORD_FIELDS = ("id", "title", "text", "source", "url", "published")


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


def utc_now() -> datetime:
    """Now, in UTC, at microsecond resolution (the Parquet timestamp unit)."""
    return datetime.now(timezone.utc)


def quarantine_row(
    record_ref: str, stage: str, reason: str, detail: str, payload: Any, run_id: str = ""
) -> dict[str, Any]:
    """A quarantine row (DESIGN.md columns); `payload` is stored whole as JSON."""
    return {
        "record_ref": record_ref,
        "stage": stage,
        "reason": reason,
        "detail": detail,
        "payload": json.dumps(payload, ensure_ascii=False, default=str),
        "run_id": run_id,
        "quarantined_at": utc_now(),
    }
