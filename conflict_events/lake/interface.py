"""The Lake interface: what callers read, publish and prune, whatever the storage underneath.

Every version folder is written completely (data, then manifest) before `_CURRENT` names it, and is
never renamed, so the same rules hold on a local disk and on an object store (where a PUT is atomic
and a rename is a copy). What differs between the two is the abstract methods below, implemented by
`local.LocalLake` and `object_store.ObjectStoreLake`; `factory.open_lake` picks one for a URL.
Version writing is in staging.py, crash recovery in recovery.py, retention in retention.py.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Any, Callable

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from conflict_events.lake import publishing, retention
from conflict_events.lake.layout import JOURNAL, MANIFEST, POINTER, VERSION_RE, LakeError, LostPointer
from conflict_events.lake.publishing import PublishResult, Tables
from conflict_events.schemas import SCHEMAS


@dataclass
class Lake(ABC):
    """A lake root addressed through fsspec (a local path, file://, s3://, gs://, ...)."""

    url: str
    fs: fsspec.AbstractFileSystem
    root: str  # the root path within `fs`, without a trailing slash
    max_files: int  # past this many files a new version is compacted into one (staging.py)

    # --- what the storage decides ---------------------------------------------------------

    @property
    @abstractmethod
    def is_local(self) -> bool:
        """True when the lake is a folder on this machine's disk."""

    @abstractmethod
    def write_bytes_atomically(self, path: str, data: bytes) -> None:
        """Replace a small file (a pointer, manifest or journal) so a reader sees the old or the new content, never a part."""

    @abstractmethod
    def open_durable(self, path: str) -> AbstractContextManager[IO[bytes]]:
        """A new file to write whose bytes are stored for good once the block ends (before a manifest may name it)."""

    @abstractmethod
    def share_file(self, source: str, target: str) -> None:
        """Put an existing immutable file at `target` too, as cheaply as the storage allows."""

    @abstractmethod
    def temp_files(self) -> list[str]:
        """Temporary files left by a writer of small files killed before it finished."""

    @abstractmethod
    def publish_lock(self, run_id: str, timeout: float, say: Callable[[str], None]) -> AbstractContextManager[None]:
        """Hold whatever keeps two publishes of this lake apart for the block."""

    @abstractmethod
    def file_identity(self, path: str) -> tuple | None:
        """A key equal for paths that are one stored file (hard links), or None where every path is its own file."""

    # --- reading --------------------------------------------------------------------------

    def path(self, *parts: str) -> str:
        """The path of a file or folder below the lake root, within `fs`."""
        return "/".join([self.root, *parts])

    def current_version(self, dataset: str) -> str | None:
        """The version `_CURRENT` names, or None before the first publish."""
        pointer = self.path(dataset, POINTER)
        if not self.fs.exists(pointer):
            return None
        version = self.fs.cat_file(pointer).decode("utf-8").strip()
        if not VERSION_RE.match(version):
            raise LakeError(f"{pointer} holds {version!r}, not a version name like v000001")
        return version

    def version_folders(self, dataset: str) -> list[str]:
        """Every vNNNNNN folder of a dataset, complete or not, oldest first."""
        base = self.path(dataset)
        if not self.fs.exists(base):
            return []
        names = [p.rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(base, detail=False)]
        return sorted(n for n in names if VERSION_RE.match(n))

    def manifest(self, dataset: str, version: str) -> dict[str, Any] | None:
        """A version's manifest, or None if the version was never completed; LakeError naming the file when it is unreadable."""
        path = self.path(dataset, version, MANIFEST)
        if not self.fs.exists(path):
            return None
        try:
            manifest = json.loads(self.fs.cat_file(path))
        except (IsADirectoryError, ValueError) as exc:  # ValueError: not UTF-8, or not JSON
            raise LakeError(f"{path} is not a readable manifest ({type(exc).__name__}: {exc})") from exc
        if not isinstance(manifest, dict):
            raise LakeError(f"{path} is not a manifest: it holds a JSON {type(manifest).__name__}, not an object")
        return manifest

    def lost_pointer(self, dataset: str) -> str | None:
        """Why this dataset's missing `_CURRENT` cannot mean "never published" (complete versions remain), or None.

        Versions of the publish in progress (the journal's run) do not count: a first publish stages before it points.
        """
        pointer = self.path(dataset, POINTER)
        if self.fs.exists(pointer):
            return None
        publishing = self._journal_run()
        complete = []
        for version in self.version_folders(dataset):
            try:
                manifest = self.manifest(dataset, version)
            except LakeError:  # unreadable, but written: a version was completed here
                manifest = {}
            if manifest is not None and (publishing is None or manifest.get("run_id") != publishing):
                complete.append(version)
        if not complete:
            return None
        newest = complete[-1]
        return (
            f"{self.url}: {dataset}/{POINTER} is missing, yet {dataset} holds {len(complete)} complete version(s), the newest "
            f"{newest}; a run now would publish {dataset} without their rows. Restore the pointer (write {newest}, or the "
            f"version readers last used, from `conflict-events versions {dataset}`, into {pointer}), then run again"
        )

    def _journal_run(self) -> str | None:
        """The run id the publish journal names, or None without a (readable) journal."""
        try:
            return json.loads(self.fs.cat_file(self.path(JOURNAL))).get("run_id")
        except (OSError, ValueError, AttributeError):
            return None

    def current_versions(self) -> dict[str, str | None]:
        """Every dataset's current version (None before its first publish); LostPointer when a pointer is gone but versions remain."""
        lost = [why for dataset in SCHEMAS if (why := self.lost_pointer(dataset))]
        if lost:
            raise LostPointer("; ".join(lost))
        return {dataset: self.current_version(dataset) for dataset in SCHEMAS}

    def read_current(self, dataset: str, columns: list[str] | None = None) -> pa.Table | None:
        """The current version of a dataset as one Arrow table (None before the first publish)."""
        version = self.current_version(dataset)
        if version is None:
            return None
        return self.read_version(dataset, version, columns)

    def read_version(self, dataset: str, version: str, columns: list[str] | None = None) -> pa.Table:
        """Read a version (or some of its columns) through its manifest's file list, with the published schema."""
        manifest = self.manifest(dataset, version)
        if manifest is None:
            raise LakeError(f"{dataset}/{version} has no {MANIFEST}: it was never completed")
        schema = SCHEMAS[dataset]
        if columns:
            schema = pa.schema([schema.field(c) for c in columns])
        tables = [
            pq.read_table(self.path(dataset, version, f["path"]), filesystem=self.fs, schema=schema, columns=columns)
            for f in manifest["files"]
        ]
        return pa.concat_tables(tables) if tables else schema.empty_table()

    def read_matching(self, dataset: str, version: str, columns: list[str], key: str, values: set[str]) -> pa.Table:
        """Some columns of a version's rows whose `key` is one of `values`, file by file through a filter (never the whole version)."""
        schema = pa.schema([SCHEMAS[dataset].field(c) for c in columns])
        if not values:
            return schema.empty_table()
        wanted = sorted(values)
        tables = [
            pq.read_table(self.path(dataset, version, f["path"]), filesystem=self.fs, columns=columns, filters=[(key, "in", wanted)])
            for f in self.manifest(dataset, version)["files"]
        ]
        return pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()

    def versions(self, dataset: str) -> list[dict[str, Any]]:
        """Completed versions with row counts, run ids and creation times, oldest first."""
        current = self.current_version(dataset)
        rows = []
        for version in self.version_folders(dataset):
            manifest = self.manifest(dataset, version)
            if manifest is None:
                continue
            rows.append(
                {
                    "version": version,
                    "rows": manifest["row_count"],
                    "created_at": manifest["created_at"],
                    "run_id": manifest["run_id"],
                    "parent": manifest.get("parent_version"),
                    "current": version == current,
                }
            )
        return rows

    def runs_referenced(self) -> set[str]:
        """Run ids of every complete version still in the lake."""
        return {
            manifest["run_id"]
            for dataset in SCHEMAS
            for version in self.version_folders(dataset)
            if (manifest := self.manifest(dataset, version)) is not None
        }

    # --- writing (publishing.py, retention.py) --------------------------------------------

    def publish_all(
        self, tables: Tables, run_id: str, metadata: dict[str, dict],
        lock_timeout: float = 600, say: Callable[[str], None] = lambda _: None, updated_urls: set[str] | frozenset[str] = frozenset(),
    ) -> PublishResult:
        """Under the publish lock: stage every changed dataset, then flip the pointers (see publishing.publish_all)."""
        return publishing.publish_all(self, tables, run_id, metadata, lock_timeout, say, updated_urls)

    def prune(self, keep: int, timeout: float = 600) -> dict[str, list[dict[str, Any]]]:
        """Remove all but the newest `keep` complete versions of each dataset; never a current one (see retention.prune)."""
        return retention.prune(self, keep, timeout)
