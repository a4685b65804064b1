"""Reading sources lazily: one stream of items over all sources, taken a batch at a time."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

from conflict_events.models import QuarantineRow, RawRecord
from tasks.ingest.records import Item
from tasks.ingest.sources import ArticleSource


def stream_sources(sources: Iterable[ArticleSource]) -> Iterator[Item]:
    """Every item of every source, lazily: a file is opened only when the reader gets to it."""
    for source in sources:
        yield from source.read()


def next_batch(stream: Iterator[Item], size: int) -> tuple[list[RawRecord], list[QuarantineRow], bool]:
    """Up to `size` items from the stream, split into records and quarantine rows; True once it is exhausted.

    Quarantine rows count towards the size: a file of a million malformed lines is read a batch at a time too.
    """
    records: list[RawRecord] = []
    quarantined: list[QuarantineRow] = []
    for item in stream:
        (quarantined if isinstance(item, QuarantineRow) else records).append(item)
        if len(records) + len(quarantined) == size:
            return records, quarantined, False
    return records, quarantined, True


def read_sources(sources: Iterable[ArticleSource]) -> tuple[list[RawRecord], list[QuarantineRow]]:
    """Every item of every source, split into records and quarantine rows (one batch of everything)."""
    records, quarantined, _exhausted = next_batch(stream_sources(sources), sys.maxsize)
    return records, quarantined
