"""publish: immutable version folders with checksummed manifests, switched on by an atomic `_CURRENT` pointer.

Layout (DESIGN.md): <lake>/<dataset>/_CURRENT, <lake>/<dataset>/vNNNNNN/{part-*.parquet,_manifest.json}.
A version folder is written completely (data, then manifest) before `_CURRENT` names it, and never
renamed, so the same code works on object stores where a PUT is atomic and renames are copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from tasks.records import utc_now
from tasks.schemas import KEY_COLUMNS, SCHEMAS

VERSION_RE = re.compile(r"^v(\d{6})$")
MANIFEST = "_manifest.json"
POINTER = "_CURRENT"
ROW_GROUP_SIZE = 50_000


class LakeError(RuntimeError):
    """The lake is not in a state a reader or writer can trust."""


def run_tables(articles: pa.Table, events: pa.Table, quarantine: pa.Table) -> dict[str, tuple[pa.Table, set[str] | None]]:
    """What a run publishes: articles and events (replacing rows of re-coded articles) and new quarantine rows.

    A dataset the run did not change gets no new version.
    """
    tables: dict[str, tuple[pa.Table, set[str] | None]] = {}
    if articles.num_rows:
        coded = set(articles.column("article_id").to_pylist())
        tables["articles"] = (articles, coded)
        tables["events"] = (events, coded)
    if quarantine.num_rows:
        tables["quarantine"] = (quarantine, None)
    return tables


def _fsync_dir(path: str) -> None:
    """Make a rename inside `path` durable (POSIX needs the directory itself synced)."""
    fd = os.open(path or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Lake:
    """A lake root addressed through fsspec (a local path, file://, s3://, gs://, ...)."""

    url: str
    fs: fsspec.AbstractFileSystem = field(init=False)
    root: str = field(init=False)

    def __post_init__(self) -> None:
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        self.root = self.root.rstrip("/")

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def write_bytes_atomically(self, path: str, data: bytes) -> None:
        """Replace a small file so a reader sees the old or the new content, never a part."""
        if isinstance(self.fs, LocalFileSystem):
            tmp = f"{path}.tmp-{uuid.uuid4().hex}"
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            _fsync_dir(os.path.dirname(path))
        else:
            self.fs.pipe_file(path, data)  # a single PUT is atomic on object stores

    # --- reading -------------------------------------------------------------------------

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
        """A version's manifest, or None if the version was never completed."""
        path = self.path(dataset, version, MANIFEST)
        if not self.fs.exists(path):
            return None
        return json.loads(self.fs.cat_file(path))

    def read_current(self, dataset: str) -> pa.Table | None:
        """The current version of a dataset as one Arrow table (None before the first publish)."""
        version = self.current_version(dataset)
        if version is None:
            return None
        return self.read_version(dataset, version)

    def read_version(self, dataset: str, version: str) -> pa.Table:
        """Read a version through its manifest's file list, with the published schema."""
        manifest = self.manifest(dataset, version)
        if manifest is None:
            raise LakeError(f"{dataset}/{version} has no {MANIFEST}: it was never completed")
        tables = [
            pq.read_table(self.path(dataset, version, f["path"]), filesystem=self.fs, schema=SCHEMAS[dataset])
            for f in manifest["files"]
        ]
        return pa.concat_tables(tables) if tables else SCHEMAS[dataset].empty_table()

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

    # --- writing -------------------------------------------------------------------------

    def next_version(self, dataset: str) -> str:
        """One past every folder present, so an orphan left by a crashed run is never reused."""
        folders = self.version_folders(dataset)
        last = int(VERSION_RE.match(folders[-1]).group(1)) if folders else 0
        return f"v{last + 1:06d}"

    def _write_part(self, dataset: str, version: str, name: str, table: pa.Table) -> dict[str, Any]:
        """Serialise once, then write those bytes: size and sha256 come from them, not from reading back."""
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, row_group_size=ROW_GROUP_SIZE, compression="zstd")
        data = sink.getvalue().to_pybytes()
        path = self.path(dataset, version, name)
        with self.fs.open(path, "wb") as handle:
            handle.write(data)
            if isinstance(self.fs, LocalFileSystem):
                # On disk before the manifest names it: after a power cut the pointer never outlives its data.
                handle.flush()
                os.fsync(handle.fileno())
        return {"path": name, "rows": table.num_rows, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    def stage(
        self,
        dataset: str,
        new_rows: pa.Table,
        run_id: str,
        replace_keys: set[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Write a complete new version folder = current rows (minus `replace_keys`) + `new_rows`; not yet current."""
        schema = SCHEMAS[dataset]
        new_rows = new_rows.select(schema.names).cast(schema)
        parent = self.current_version(dataset)
        kept = self.read_version(dataset, parent) if parent else schema.empty_table()
        if replace_keys:
            key = KEY_COLUMNS[dataset]
            mask = pc.invert(pc.is_in(kept[key], value_set=pa.array(sorted(replace_keys), pa.string())))
            kept = kept.filter(mask)
        version = self.next_version(dataset)
        folder = self.path(dataset, version)
        self.fs.makedirs(folder, exist_ok=True)
        try:
            files = []
            if kept.num_rows:
                files.append(self._write_part(dataset, version, "part-00000.parquet", kept))
            if new_rows.num_rows or not files:
                files.append(self._write_part(dataset, version, f"part-{len(files):05d}.parquet", new_rows))
            manifest = {
                "dataset": dataset,
                "version": version,
                "parent_version": parent,
                "run_id": run_id,
                "created_at": utc_now().isoformat(),
                "row_count": sum(f["rows"] for f in files),
                "rows_added": new_rows.num_rows,
                "rows_carried_over": kept.num_rows,
                "files": files,
                "schema": [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in schema],
                **(metadata or {}),
            }
            # The manifest is written last: its presence is what marks the folder complete.
            self.write_bytes_atomically(
                self.path(dataset, version, MANIFEST), json.dumps(manifest, indent=2, default=str).encode("utf-8")
            )
        except BaseException:
            self.discard(dataset, version)
            raise
        return version

    def commit(self, dataset: str, version: str) -> None:
        """Make a staged version current (one atomic pointer write)."""
        if self.manifest(dataset, version) is None:
            raise LakeError(f"refusing to point {dataset}/_CURRENT at {version}: it has no manifest")
        self.write_bytes_atomically(self.path(dataset, POINTER), (version + "\n").encode("utf-8"))

    def discard(self, dataset: str, version: str) -> None:
        """Remove a staged version that will never be made current."""
        folder = self.path(dataset, version)
        if self.fs.exists(folder):
            self.fs.rm(folder, recursive=True)

    def publish_all(self, tables: dict[str, tuple[pa.Table, set[str] | None]], run_id: str, metadata: dict[str, dict]) -> dict[str, str]:
        """Stage every dataset's new version, then flip the pointers: a failure before the flip publishes nothing."""
        staged: dict[str, str] = {}
        try:
            for dataset, (table, replace_keys) in tables.items():
                staged[dataset] = self.stage(dataset, table, run_id, replace_keys, metadata.get(dataset))
        except BaseException:
            for dataset, version in staged.items():
                self.discard(dataset, version)
            raise
        for dataset, version in staged.items():
            self.commit(dataset, version)
        return staged
