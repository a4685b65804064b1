"""What earlier runs learnt about each fetched URL (validators, the feed entry's stamp, the text's hash),
kept in the lake as the `fetch_state` dataset so an hourly run asks only for what is new."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import datetime

import pyarrow as pa

from conflict_events.schemas import FETCH_STATE_SCHEMA

from tasks.ingest.fetch.client import Validators



@dataclass(frozen=True)
class UrlState:
    """One URL's row of the fetch state."""

    url: str
    source: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    entry_stamp: str | None = None  # None: never settled, or the last try failed for a passing reason (fetch again)
    content_sha256: str | None = None
    last_status: int | None = None
    last_fetched_at: datetime | None = None

    @property
    def validators(self) -> Validators:
        return Validators(self.etag, self.last_modified)


class FetchState:
    """URL -> UrlState for one run: read from the lake's `fetch_state` table, updated as sources are read, written back."""

    def __init__(self, rows: Iterable[UrlState] = ()):
        self._rows: dict[str, UrlState] = {row.url: row for row in rows}
        self._changed: set[str] = set()  # URLs put since the state was read: the rows a run publishes

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, url: object) -> bool:
        return url in self._rows

    def __iter__(self) -> Iterator[UrlState]:
        return iter(self._rows.values())

    def get(self, url: str) -> UrlState | None:
        return self._rows.get(url)

    def put(self, row: UrlState) -> None:
        self._rows[row.url] = row
        self._changed.add(row.url)

    def changed_table(self) -> pa.Table:
        """The rows put since the state was read, sorted by URL: they replace the published rows of their URLs."""
        return pa.Table.from_pylist([asdict(self._rows[url]) for url in sorted(self._changed)], schema=FETCH_STATE_SCHEMA)

    def validators(self, url: str) -> Validators | None:
        """The validators to send for `url`, None when none are known."""
        row = self._rows.get(url)
        return row.validators if row is not None and (row.etag or row.last_modified) else None

    def to_table(self) -> pa.Table:
        """Every row, sorted by URL, as FETCH_STATE_SCHEMA."""
        return pa.Table.from_pylist([asdict(self._rows[url]) for url in sorted(self._rows)], schema=FETCH_STATE_SCHEMA)

    @classmethod
    def from_table(cls, table: pa.Table | None) -> "FetchState":
        """The state a `fetch_state` table holds (None or empty: nothing fetched yet); missing columns read as null."""
        if table is None:
            return cls()
        names = [f.name for f in fields(UrlState)]
        columns = {name: table.column(name).to_pylist() if name in table.column_names else [None] * table.num_rows for name in names}
        return cls(UrlState(**{name: columns[name][i] for name in names}) for i in range(table.num_rows) if columns["url"][i])
