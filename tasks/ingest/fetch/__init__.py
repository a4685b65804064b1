"""fetch: configured feeds, pages and folders read politely over HTTP into records and quarantine rows.

`sources_from_config` turns a sources.toml (conflict_events.sources_config) into one `FetchSource` per
entry, sharing a `Fetcher` (robots.txt, per-host delay, retries, size limit, conditional requests).
`FetchState` (the lake's `fetch_state`) remembers validators, feed-entry stamps and text hashes between
runs; `ResponseArchive` (the lake's `responses`) keeps every body read, and `write_warc` writes it as WARC.
"""

from tasks.ingest.fetch.archive import RESPONSES_SCHEMA, ResponseArchive, write_warc
from tasks.ingest.fetch.client import Clock, Failed, Fetched, Fetcher, NotModified, SystemClock, Validators
from tasks.ingest.fetch.source import FetchSource, sources_from_config
from tasks.ingest.fetch.state import FETCH_STATE_SCHEMA, FetchState, UrlState

__all__ = [
    "FETCH_STATE_SCHEMA",
    "RESPONSES_SCHEMA",
    "Clock",
    "Failed",
    "FetchSource",
    "FetchState",
    "Fetched",
    "Fetcher",
    "NotModified",
    "ResponseArchive",
    "SystemClock",
    "UrlState",
    "Validators",
    "sources_from_config",
    "write_warc",
]
