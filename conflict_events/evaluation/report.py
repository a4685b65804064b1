"""Errors worst first, and the metrics and errors as text a person reads (`conflict-events evaluate`, scripts)."""

from __future__ import annotations

from typing import Any

# Errors a person should see first: a missing event, then fatalities and dates by how far off, then the rest.
_ERROR_RANK = {"event": 0, "fatalities": 1, "event_date": 2}
NOTES_LISTED = 200  # characters of an error's notes on its one line


def error_severity(error: dict[str, Any]) -> tuple[int, float]:
    """Sort key: rank of the field, then the larger relative fatality error or the more days off first."""
    return (_ERROR_RANK.get(error["field"], 3), -(error.get("off") or 0))


def order_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors worst first; equal ones keep gold order."""
    return sorted(errors, key=error_severity)


def format_metrics(metrics: dict[str, Any]) -> str:
    """The metrics as a two-column table."""
    lines = [f"{'metric':28} value"]
    for key, value in metrics.items():
        lines.append(f"{key:28} {value:.3f}" if isinstance(value, float) else f"{key:28} {value}")
    return "\n".join(lines)


def format_errors(errors: list[dict[str, Any]], limit: int, field: str | None = None) -> str:
    """The first `limit` errors (already worst first), optionally of one field, one line each."""
    chosen = [e for e in errors if not field or e["field"] == field]
    of = f"{len(chosen)} {field}" if field else str(len(chosen))
    lines = [f"worst errors ({min(limit, len(chosen))} of {of}; no event, fatalities, dates, then the rest):"]
    for error in chosen[:limit]:
        where = f"{error['id']}#{error['gold_event']}" if "gold_event" in error else error["id"]
        notes = " ".join((error.get("notes") or "").split())[:NOTES_LISTED]
        lines.append(f"- {where} {error['field']}: expected {error['expected']!r}, got {error['got']!r}" + (f" | {notes}" if notes else ""))
    return "\n".join(lines)
