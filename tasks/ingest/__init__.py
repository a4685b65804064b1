"""ingest: read articles from sources; every input record becomes a RawRecord or a quarantine row.

A source (`FileSource` for a folder or file, `InMemorySource` for dicts) yields items lazily;
`stream_sources` chains them and `next_batch` takes them a batch at a time (`read_sources` takes all).
Each file is decoded (`decode`: UTF-8, UTF-16 or cp1252, else `DecodeError`), parsed by suffix
(`formats`: jsonl, json, csv, html via `markup`, plain text) and each object turned into a record
(`records`), within the per-record and per-file limits; whatever cannot be read leaves a reasoned row.
"""

from tasks.ingest.decode import DecodeError, decode_bytes
from tasks.ingest.records import Item, safe_path
from tasks.ingest.sources import ArticleSource, FileSource, InMemorySource
from tasks.ingest.stream import next_batch, read_sources, stream_sources

__all__ = [
    "ArticleSource",
    "DecodeError",
    "FileSource",
    "InMemorySource",
    "Item",
    "decode_bytes",
    "next_batch",
    "read_sources",
    "safe_path",
    "stream_sources",
]
