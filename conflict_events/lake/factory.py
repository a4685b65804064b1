"""open_lake: the Lake for a URL, on a local disk (a path or file://) or an object store (s3://, gs://, ...)."""

from __future__ import annotations

import fsspec
from fsspec.implementations.local import LocalFileSystem

from conflict_events.lake.interface import Lake
from conflict_events.lake.local import LocalLake
from conflict_events.lake.object_store import ObjectStoreLake
from conflict_events.lake.staging import MAX_FILES


def open_lake(url: str, max_files: int = MAX_FILES) -> Lake:
    """The lake at `url`, through the implementation its filesystem needs; nothing is read or written yet."""
    fs, root = fsspec.core.url_to_fs(url)
    implementation = LocalLake if isinstance(fs, LocalFileSystem) else ObjectStoreLake
    return implementation(url, fs, root.rstrip("/"), max_files)
