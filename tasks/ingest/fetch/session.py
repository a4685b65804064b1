"""One run's fetching: the configured sources, the fetch state they read and update, the responses they keep."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from conflict_events.sources_config import SourcesConfig
from tasks.ingest.fetch.archive import ResponseArchive
from tasks.ingest.fetch.client import Clock
from tasks.ingest.fetch.source import sources_from_config
from tasks.ingest.fetch.state import FetchState
from tasks.ingest.sources import ArticleSource


@dataclass
class FetchSession:
    """The sources of a sources.toml for one run, over the fetch state the lake holds (None: nothing fetched yet)."""

    sources: list[ArticleSource]
    state: FetchState
    archive: ResponseArchive

    @classmethod
    def open(cls, config: SourcesConfig, published_state: pa.Table | None, clock: Clock | None = None) -> "FetchSession":
        state, archive = FetchState.from_table(published_state), ResponseArchive()
        return cls(sources_from_config(config, state, archive, clock), state, archive)

    def state_rows(self) -> tuple[pa.Table, set[str]]:
        """The fetch_state rows this run changed, and their URLs (whose published rows they replace)."""
        table = self.state.changed_table()
        return table, set(table.column("url").to_pylist())

    def drain_responses(self) -> pa.Table:
        """The responses read since the last call (kept in the lake's `responses`, then dropped from memory)."""
        return self.archive.drain()
