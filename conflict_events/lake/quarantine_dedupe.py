"""Quarantine dedupe: a run over the same bad input must not add its quarantine rows again."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from conflict_events.lake.spool import Rows, SpooledTable, column_values, iter_spooled

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
    refs = sorted(set(column_values(rows, "record_ref")))
    seen: set[tuple] = set()
    for entry in lake.manifest("quarantine", parent)["files"]:
        old = pq.read_table(
            lake.path("quarantine", parent, entry["path"]), filesystem=lake.fs,
            columns=list(QUARANTINE_IDENTITY), filters=[("record_ref", "in", refs)],
        )
        seen.update(zip(*(old.column(c).to_pylist() for c in QUARANTINE_IDENTITY), strict=True))
    if not seen:
        return rows
    if isinstance(rows, SpooledTable):
        return _filter_spooled(rows, seen)
    return _unseen(rows, seen)


def _unseen(rows: pa.Table, seen: set[tuple]) -> pa.Table:
    """The rows whose identity is not in `seen`."""
    identity = zip(*(rows.column(c).to_pylist() for c in QUARANTINE_IDENTITY), strict=True)
    keep = [i for i, row in enumerate(identity) if row not in seen]
    return rows.take(pa.array(keep, pa.int64()))


def _filter_spooled(spooled: SpooledTable, seen: set[tuple]) -> SpooledTable:
    """A new spool file of quarantine rows beside the old one without the `seen` ones, row group by row group."""
    path = spooled.path.with_name(f"{spooled.path.stem}-{uuid.uuid4().hex[:8]}.parquet")
    rows = 0
    with pq.ParquetWriter(path, pq.read_schema(spooled.path), compression="zstd") as writer:
        for part in iter_spooled(spooled.path):
            kept = _unseen(part, seen)
            writer.write_table(kept)
            rows += kept.num_rows
    return SpooledTable(path, rows, spooled.head)  # quarantine keeps no head (spool.HEAD_ROWS)
