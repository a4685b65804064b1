"""spool: a run's rows, written batch by batch to local Parquet files until publish takes them.

A run of 100,000 articles must not hold 100,000 articles in memory. Each batch's good articles,
events and quarantine rows are appended here and leave memory once a row group is full; publish
then moves the finished files into the new version folder. The spool lives outside the lake, so a
killed run leaves nothing there for readers or `verify` to trip on.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from conflict_events.schemas import SCHEMAS

# A row group is written when either limit is reached: rows keep Parquet readers' groups a useful
# size, bytes keep long texts (quarantine payloads carry whole records) from piling up in memory.
ROW_GROUP_ROWS = 5_000
ROW_GROUP_BYTES = 32 << 20
HEAD_ROWS = {"events": 500}  # first rows kept in memory for the run's artifacts (artifacts.MAX_TABLE_ROWS)


@dataclass
class SpooledTable:
    """A finished spool file: where it is, how many rows, and its first rows."""

    path: Path
    num_rows: int
    head: pa.Table


Rows = pa.Table | SpooledTable  # new rows: in memory, or a run's spool file (streamed, never loaded whole)


def column_values(rows: Rows, column: str) -> list:
    """One column of new rows, read alone (from the spool file's column chunks when spooled)."""
    if isinstance(rows, SpooledTable):
        return pq.read_table(rows.path, columns=[column]).column(column).to_pylist()
    return rows.column(column).to_pylist()


def rows_where(rows: Rows, column: str, values: set[str]) -> pa.Table:
    """The new rows whose `column` is one of `values` (a few rows: read through a filter when spooled)."""
    if isinstance(rows, SpooledTable):
        return pq.read_table(rows.path, filters=[(column, "in", sorted(values))]) if values else pq.read_schema(rows.path).empty_table()
    return rows.filter(pc.is_in(rows[column], value_set=pa.array(sorted(values), pa.string())))


def rewritten(rows: Rows, keep: Callable[[pa.Table], pa.Array] | None = None, extra: pa.Table | None = None) -> Rows:
    """The rows for which `keep` (a boolean mask of a table) holds, then `extra`.

    A spooled file is rewritten beside itself row group by row group, so it is never loaded whole.
    """
    if not isinstance(rows, SpooledTable):
        kept = rows.filter(keep(rows)) if keep else rows
        return pa.concat_tables([kept, extra.select(kept.schema.names).cast(kept.schema)]) if extra is not None else kept
    schema = pq.read_schema(rows.path)
    path = rows.path.with_name(f"{rows.path.stem}-{uuid.uuid4().hex[:8]}.parquet")
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for part in iter_spooled(rows.path):
            part = part.filter(keep(part)) if keep else part
            writer.write_table(part)
            count += part.num_rows
        if extra is not None and extra.num_rows:
            writer.write_table(extra.select(schema.names).cast(schema))
            count += extra.num_rows
    head = rows.head.filter(keep(rows.head)) if keep and rows.head.num_rows else rows.head
    return SpooledTable(path, count, head)


@dataclass
class _Writer:
    path: Path
    schema: pa.Schema
    writer: pq.ParquetWriter | None = None
    buffered: list[pa.Table] = field(default_factory=list)
    buffered_rows: int = 0
    num_rows: int = 0
    head_limit: int = 0
    head: list[pa.Table] = field(default_factory=list)
    head_rows: int = 0
    buffered_bytes: int = 0

    def add(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        table = table.select(self.schema.names).cast(self.schema)
        if self.head_rows < self.head_limit:
            self.head.append(table.slice(0, self.head_limit - self.head_rows))
            self.head_rows += self.head[-1].num_rows
        self.buffered.append(table)
        self.buffered_rows += table.num_rows
        self.buffered_bytes += table.nbytes
        self.num_rows += table.num_rows
        if self.buffered_rows >= ROW_GROUP_ROWS or self.buffered_bytes >= ROW_GROUP_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.buffered:
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        table = pa.concat_tables(self.buffered)
        self.writer.write_table(table, row_group_size=max(1, table.num_rows))  # what was buffered: one row group
        self.buffered, self.buffered_rows, self.buffered_bytes = [], 0, 0

    def finish(self) -> SpooledTable:
        self.flush()
        if self.writer is None:  # nothing added: an empty file with the schema, so readers need no special case
            pq.write_table(self.schema.empty_table(), self.path, compression="zstd")
        else:
            self.writer.close()
        head = pa.concat_tables(self.head) if self.head else self.schema.empty_table()
        return SpooledTable(self.path, self.num_rows, head)


PREFIX = "conflict-events-run-"
# <host>-<pid>-: a spool folder on a volume other hosts share is judged only by the host that made it.
SPOOL_RE = re.compile(rf"^{PREFIX}(?P<host>.+)-(?P<pid>\d+)-")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_dead_spools(parent: Path) -> list[Path]:
    """Remove spool folders whose run process is gone (a killed run's rows; its rerun reads the input again)."""
    removed = []
    host = _host()
    for folder in parent.glob(f"{PREFIX}*"):
        match = SPOOL_RE.match(folder.name)
        if match and match["host"] == host and folder.is_dir() and not _alive(int(match["pid"])):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class RunSpool:
    """Append-only Parquet files, one per dataset, in a private temporary folder; `close()` removes them."""

    def __init__(self, parent: str | Path | None = None):
        parent = Path(parent) if parent is not None else Path(tempfile.gettempdir())
        parent.mkdir(parents=True, exist_ok=True)
        remove_dead_spools(parent)
        # The pid in the name tells a later run whether this folder's owner is still alive.
        self.folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{_host()}-{os.getpid()}-", dir=parent))
        self._writers = {
            name: _Writer(self.folder / f"{name}.parquet", schema, head_limit=HEAD_ROWS.get(name, 0)) for name, schema in SCHEMAS.items()
        }
        self._finished: dict[str, SpooledTable] = {}

    def add(self, dataset: str, table: pa.Table) -> None:
        """Append rows (any column order; cast to the dataset's schema)."""
        if dataset in self._finished:
            raise RuntimeError(f"the {dataset} spool is already finished")
        self._writers[dataset].add(table)

    def add_rows(self, dataset: str, rows: list[dict]) -> None:
        """Append rows given as dicts (quarantine rows)."""
        if rows:
            self.add(dataset, pa.Table.from_pylist(rows, schema=SCHEMAS[dataset]))

    def finish(self, dataset: str) -> SpooledTable:
        """Close a dataset's file (idempotent) and describe it."""
        if dataset not in self._finished:
            self._finished[dataset] = self._writers[dataset].finish()
        return self._finished[dataset]

    def close(self) -> None:
        """Close any open writer and delete the folder."""
        for writer in self._writers.values():
            if writer.writer is not None:
                try:
                    writer.writer.close()
                except Exception:  # already closed, or the disk is gone: the folder goes anyway
                    pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "RunSpool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def iter_spooled(path: str | Path):
    """A spool file's row groups, one table at a time."""
    parquet = pq.ParquetFile(path)
    for index in range(parquet.num_row_groups):
        yield parquet.read_row_group(index)
