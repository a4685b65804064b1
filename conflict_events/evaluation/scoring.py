"""Field comparisons both scorers share: the primary event of an article, admin1 names, dates, notes."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

NOTES_SHOWN = 300  # characters of an event's notes an error row carries


def normalise_admin1(name: str | None) -> str:
    """Compare admin1 names without case, accents, al-/ar-/as- prefixes, hyphens or the word Governorate."""
    if not name:
        return ""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    text = re.sub(r"\b(?:governorate|province|muhafazat)\b", " ", text)
    text = re.sub(r"[\-'’‘`]", " ", text)
    text = re.sub(r"^\s*(?:al|ar|as|ad|an|ash|at|az|el)\s+", "", text)
    return " ".join(text.split())


def admin1_matches(predicted: str | None, gold: str | None, also: list[str | None]) -> bool:
    """The predicted admin1 is the gold one or an accepted alternative (a None among them accepts a None)."""
    accepted = [gold, *also]
    return any(
        (a is None and predicted is None) or (a is not None and normalise_admin1(predicted) == normalise_admin1(a))
        for a in accepted
    )


def primary_event(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The event with the most fatalities (ties: the higher confidence, then the first coded)."""
    if not events:
        return None
    return max(enumerate(events), key=lambda ie: (ie[1]["fatalities"] or 0, ie[1]["confidence"] or 0, -ie[0]))[1]


def parse_date(value: Any) -> date | None:
    """A gold or published date (a date, an ISO string, or None) as a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def event_notes(event: dict[str, Any]) -> str:
    """The start of an event's notes, for a person reading an error."""
    return (event.get("notes") or "")[:NOTES_SHOWN]
