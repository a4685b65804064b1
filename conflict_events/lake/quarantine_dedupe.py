"""Quarantine dedupe: a run over the same bad input must not add its quarantine rows again."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from conflict_events.lake.spool import Rows, column_values, rewritten

if TYPE_CHECKING:
    from conflict_events.lake.interface import Lake

# Two quarantine rows are the same finding when these agree (run id and time differ between runs).
QUARANTINE_IDENTITY = ("record_ref", "stage", "reason", "payload")


def new_quarantine_rows(lake: Lake, rows: Rows) -> Rows:
    """Quarantine rows not already in the current version (same record, stage, reason and payload).

    Only candidate rows (same record_ref) have their payloads read, so this stays cheap on a large quarantine.
    """
    parent = lake.current_version("quarantine")
    if parent is None or not rows.num_rows:
        return rows
    refs = set(column_values(rows, "record_ref"))
    old = lake.read_matching("quarantine", parent, list(QUARANTINE_IDENTITY), "record_ref", refs)
    seen = set(zip(*(old.column(c).to_pylist() for c in QUARANTINE_IDENTITY), strict=True))
    if not seen:
        return rows
    return rewritten(rows, keep=lambda table: _unseen(table, seen))


def _unseen(rows: pa.Table, seen: set[tuple]) -> pa.Array:
    """A mask of the rows whose identity is not in `seen`."""
    identity = zip(*(rows.column(c).to_pylist() for c in QUARANTINE_IDENTITY), strict=True)
    return pa.array([row not in seen for row in identity], pa.bool_())
