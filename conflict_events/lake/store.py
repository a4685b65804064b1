"""publish: immutable version folders with checksummed manifests, switched on by an atomic `_CURRENT` pointer.

Layout (DESIGN.md): <lake>/<dataset>/_CURRENT, <lake>/<dataset>/vNNNNNN/{part-*.parquet,_manifest.json}.
A version folder is written completely (data, then manifest) before `_CURRENT` names it, and never
renamed, so the same code works on object stores where a PUT is atomic and renames are copies.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from conflict_events.lake.lock import publish_lock
from conflict_events.models import utc_now
from conflict_events.schemas import KEY_COLUMNS, SCHEMAS
from conflict_events.lake.spool import SpooledTable, iter_spooled

Rows = pa.Table | SpooledTable  # new rows: in memory, or a run's spool file (streamed, never loaded whole)

VERSION_RE = re.compile(r"^v(\d{6})$")
PART_RE = re.compile(r"^part-(\d+)\.parquet$")
MANIFEST = "_manifest.json"
POINTER = "_CURRENT"
TEMP_RE = re.compile(r"\.tmp-[0-9a-f]{32}$")  # write_bytes_atomically's temporary names
JOURNAL = "_publishing.json"  # in the lake root while a publish is between its first write and last switch
ROW_GROUP_SIZE = 50_000
MAX_FILES = 64  # past this many files a version is compacted into one
# Two quarantine rows are the same finding when these agree (run id and time differ between runs).
QUARANTINE_IDENTITY = ("record_ref", "stage", "reason", "payload")


class LakeError(RuntimeError):
    """The lake is not in a state a reader or writer can trust."""


def column_values(rows: Rows, column: str) -> list:
    """One column of new rows, read alone (from the spool file's column chunks when spooled)."""
    if isinstance(rows, SpooledTable):
        return pq.read_table(rows.path, columns=[column]).column(column).to_pylist()
    return rows.column(column).to_pylist()


def run_tables(articles: Rows, events: Rows, quarantine: Rows) -> dict[str, tuple[Rows, set[str] | None]]:
    """What a run publishes: articles and events (replacing rows of re-coded articles) and new quarantine rows.

    A dataset the run did not change gets no new version.
    """
    tables: dict[str, tuple[Rows, set[str] | None]] = {}
    if articles.num_rows:
        coded = set(column_values(articles, "article_id"))
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
    max_files: int = MAX_FILES
    fs: fsspec.AbstractFileSystem = field(init=False)
    root: str = field(init=False)

    def __post_init__(self) -> None:
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        self.root = self.root.rstrip("/")

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def write_bytes_atomically(self, path: str, data: bytes) -> None:
        """Replace a small file so a reader sees the old or the new content, never a part."""
        if self.is_local:
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
        size, sha256 = self._write_pieces(self.path(dataset, version, name), [sink.getvalue().to_pybytes()])
        return {"path": name, "rows": table.num_rows, "size": size, "sha256": sha256}

    def _put_part(self, dataset: str, version: str, name: str, spooled: SpooledTable) -> dict[str, Any]:
        """Copy a finished spool file into the version, hashing it on the way, in 8 MB pieces (never whole)."""
        with open(spooled.path, "rb") as source:
            size, sha256 = self._write_pieces(self.path(dataset, version, name), iter(lambda: source.read(8 << 20), b""))
        return {"path": name, "rows": spooled.num_rows, "size": size, "sha256": sha256}

    def _write_pieces(self, path: str, pieces: Iterable[bytes]) -> tuple[int, str]:
        """Write the pieces to one file; return its size and sha256, from the bytes written, not read back."""
        digest, size = hashlib.sha256(), 0
        with self.fs.open(path, "wb") as handle:
            for piece in pieces:
                digest.update(piece)
                size += len(piece)
                handle.write(piece)
            if self.is_local:
                # On disk before the manifest names it: after a power cut the pointer never outlives its data.
                handle.flush()
                os.fsync(handle.fileno())
        return size, digest.hexdigest()

    def _link_part(self, dataset: str, parent: str, version: str, entry: dict[str, Any]) -> None:
        """Put a parent's unchanged file into the new version without rewriting it.

        Versions are immutable, so two version folders may share one file: a hard link on a local
        disk (no bytes copied; deleting one folder leaves the other whole), a server-side copy on an
        object store. Either way each folder stays complete for plain Parquet readers.
        """
        source, target = self.path(dataset, parent, entry["path"]), self.path(dataset, version, entry["path"])
        if self.is_local:
            try:
                os.link(source, target)
                return
            except OSError:  # a filesystem without hard links: a copy is slower but just as correct
                pass
        self.fs.copy(source, target)

    def _carry_over(
        self, dataset: str, parent: str | None, version: str, replace_keys: set[str] | None, numbers: Iterator[int]
    ) -> tuple[list[dict[str, Any]], int]:
        """Parent files into the new version: linked when untouched, rewritten without `replace_keys` rows."""
        if parent is None:
            return [], 0
        key = KEY_COLUMNS[dataset]
        replaced_ids = pa.array(sorted(replace_keys), pa.string()) if replace_keys and key else None
        files, carried = [], 0
        for entry in self.manifest(dataset, parent)["files"]:
            if replaced_ids is not None:
                path = self.path(dataset, parent, entry["path"])
                replaced = pc.is_in(pq.read_table(path, columns=[key], filesystem=self.fs).column(key), value_set=replaced_ids)
                if pc.any(replaced).as_py():
                    kept = pq.read_table(path, filesystem=self.fs, schema=SCHEMAS[dataset]).filter(pc.invert(replaced))
                    if kept.num_rows:
                        files.append(self._write_part(dataset, version, f"part-{next(numbers):05d}.parquet", kept))
                        carried += kept.num_rows
                    continue
            self._link_part(dataset, parent, version, entry)
            files.append(dict(entry))
            carried += entry["rows"]
        return files, carried

    def _compact(self, dataset: str, version: str, files: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
        """Merge a version's many small files into one, so hourly runs do not leave thousands of files."""
        table = pa.concat_tables(
            pq.read_table(self.path(dataset, version, f["path"]), filesystem=self.fs, schema=SCHEMAS[dataset]) for f in files
        )
        merged = self._write_part(dataset, version, f"part-{number:05d}.parquet", table)
        for f in files:
            self.fs.rm(self.path(dataset, version, f["path"]))
        return [merged]

    def new_quarantine_rows(self, rows: Rows) -> Rows:
        """Quarantine rows not already in the current version (same record, stage, reason and payload).

        Running again over the same bad input must not add its rows again. Only candidate rows (same
        record_ref) have their payloads read, so this stays cheap on a large quarantine.
        """
        parent = self.current_version("quarantine")
        if parent is None or not rows.num_rows:
            return rows
        refs = sorted(set(column_values(rows, "record_ref")))
        seen: set[tuple] = set()
        for entry in self.manifest("quarantine", parent)["files"]:
            old = pq.read_table(
                self.path("quarantine", parent, entry["path"]), filesystem=self.fs,
                columns=list(QUARANTINE_IDENTITY), filters=[("record_ref", "in", refs)],
            )
            seen.update(zip(*(old.column(c).to_pylist() for c in QUARANTINE_IDENTITY), strict=True))
        if not seen:
            return rows
        if isinstance(rows, SpooledTable):
            return _filter_spooled(rows, seen)
        return _unseen(rows, seen)

    def stage(
        self,
        dataset: str,
        new_rows: Rows,
        run_id: str,
        replace_keys: set[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Write a complete new version folder = current rows (minus `replace_keys`) + `new_rows`; not yet current.

        Unchanged files of the current version are linked, not rewritten: a run that adds 100 articles
        to 100000 writes 100 articles' worth of Parquet.
        """
        schema = SCHEMAS[dataset]
        if isinstance(new_rows, SpooledTable):
            spooled_schema = pq.read_schema(new_rows.path)
            if not spooled_schema.equals(schema):
                raise LakeError(f"the spooled {dataset} file does not have the dataset's schema: {spooled_schema}")
        else:
            new_rows = new_rows.select(schema.names).cast(schema)
        parent = self.current_version(dataset)
        parent_files = self.manifest(dataset, parent)["files"] if parent else []
        # New files are numbered past every parent file, so a linked file never meets a new one of its name.
        numbers = itertools.count(1 + max((int(m.group(1)) for f in parent_files if (m := PART_RE.match(f["path"]))), default=-1))
        version = self.next_version(dataset)
        folder = self.path(dataset, version)
        self.fs.makedirs(folder, exist_ok=True)
        try:
            files, carried = self._carry_over(dataset, parent, version, replace_keys, numbers)
            if new_rows.num_rows or not files:
                name = f"part-{next(numbers):05d}.parquet"
                if isinstance(new_rows, SpooledTable):
                    files.append(self._put_part(dataset, version, name, new_rows))
                else:
                    files.append(self._write_part(dataset, version, name, new_rows))
            if len(files) > self.max_files:
                files = self._compact(dataset, version, files, next(numbers))
            manifest = {
                "dataset": dataset,
                "version": version,
                "parent_version": parent,
                "run_id": run_id,
                "created_at": utc_now().isoformat(),
                "row_count": sum(f["rows"] for f in files),
                "rows_added": new_rows.num_rows,
                "rows_carried_over": carried,
                "files_from_parent": sum(1 for f in files if any(f["path"] == p["path"] for p in parent_files)),
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
        """Remove a version folder: its manifest first, so a removal cut short leaves an incomplete folder
        (which readers and `verify` ignore and the next publish removes), never a manifest naming lost files."""
        folder = self.path(dataset, version)
        manifest = self.path(dataset, version, MANIFEST)
        if self.fs.exists(manifest):
            self.fs.rm(manifest)
        if self.fs.exists(folder):
            self.fs.rm(folder, recursive=True)

    def temp_files(self) -> list[str]:
        """Files `write_bytes_atomically` left when its writer was killed before the rename."""
        if not self.is_local:
            return []  # object stores get one PUT, no temporary file: nothing to list folders for
        folders = [self.root, *(self.path(d) for d in SCHEMAS)]
        folders += [self.path(d, v) for d in SCHEMAS for v in self.version_folders(d)]
        return [
            path
            for folder in folders
            if self.fs.isdir(folder)
            for path in self.fs.ls(folder, detail=False)
            if TEMP_RE.search(path.rstrip("/").rsplit("/", 1)[-1])
        ]

    @contextmanager
    def locked(self, run_id: str, timeout: float, say: Callable[[str], None] = lambda _: None) -> Iterator[None]:
        """Hold the lake's publish lock (local lakes; see lock.py), then tidy what crashed runs left."""
        if self.is_local:
            with publish_lock(self.root, run_id, timeout, say):
                self.recover(say)
                yield
        else:
            # An object store has no lock that dies with its holder; there the deployment's
            # concurrency limit of one run (flows/deploy.py) is what keeps publishes apart.
            self.recover(say)
            yield

    def recover(self, say: Callable[[str], None] = lambda _: None) -> None:
        """Finish or undo what a killed run left; call it only under the publish lock.

        A publish writes a journal naming its run before staging and removes it after the last
        pointer switch. A journal found here belongs to a run that died: if it had switched any
        pointer, its other staged versions are switched too (the run completes); otherwise they are
        removed (the run never happened). Folders without a manifest were never complete and go.
        Versions newer than `_CURRENT` that the journal does not name (say, after an operator rolled
        a pointer back) are left alone.
        """
        for path in self.temp_files():
            say(f"removing {path}: a killed run left it half-written")
            self.fs.rm(path)
        # A staging run numbers its folder past every folder there, so what a killed publish left is
        # newer than `_CURRENT`; an older folder without a manifest is a removal (prune) cut short.
        current = {d: self.current_version(d) for d in SCHEMAS if self.fs.exists(self.path(d))}
        newer: dict[str, dict[str, dict]] = {}  # dataset -> version -> manifest
        for dataset, pointer in current.items():
            for version in self.version_folders(dataset):
                if version == pointer:
                    continue
                if not self.fs.exists(self.path(dataset, version, MANIFEST)):
                    say(f"removing {dataset}/{version}: a killed run left it without a manifest")
                    self.discard(dataset, version)
                elif pointer is None or version > pointer:
                    newer.setdefault(dataset, {})[version] = self.manifest(dataset, version)
                # else: an older complete version, kept until prune removes it
        journal = self.path(JOURNAL)
        if not self.fs.exists(journal):
            return
        run_id = json.loads(self.fs.cat_file(journal))["run_id"]
        staged = {d: v for d, versions in newer.items() for v, manifest in versions.items() if manifest["run_id"] == run_id}
        switched = any(v is not None and self.manifest(d, v)["run_id"] == run_id for d, v in current.items())
        for dataset, version in staged.items():
            if switched:
                say(f"making {dataset}/{version} current: run {run_id} was killed while switching pointers")
                self.commit(dataset, version)
            else:
                say(f"removing {dataset}/{version}: run {run_id} was killed before publishing")
                self.discard(dataset, version)
        self.fs.rm(journal)

    def publish_all(
        self, tables: dict[str, tuple[Rows, set[str] | None]], run_id: str, metadata: dict[str, dict],
        lock_timeout: float = 600, say: Callable[[str], None] = lambda _: None,
    ) -> PublishResult:
        """Under the publish lock: stage every changed dataset, then flip the pointers.

        A failure before the first flip publishes nothing. Quarantine rows already published are not
        added again; a dataset left with nothing new gets no new version.
        """
        result = PublishResult()
        with self.locked(run_id, lock_timeout, say):
            tables = dict(tables)
            if "quarantine" in tables:
                rows, keys = tables["quarantine"]
                fresh = self.new_quarantine_rows(rows)
                result.already_quarantined = rows.num_rows - fresh.num_rows
                if fresh.num_rows:
                    tables["quarantine"] = (fresh, keys)
                else:
                    del tables["quarantine"]
            if not tables:
                return result
            journal = self.path(JOURNAL)
            self.write_bytes_atomically(journal, json.dumps({"run_id": run_id, "datasets": sorted(tables)}).encode("utf-8"))
            try:
                for dataset, (table, replace_keys) in tables.items():
                    result.versions[dataset] = self.stage(dataset, table, run_id, replace_keys, metadata.get(dataset))
            except BaseException:
                for dataset, version in result.versions.items():
                    self.discard(dataset, version)
                self.fs.rm(journal)
                raise
            for dataset, version in result.versions.items():
                self.commit(dataset, version)
            self.fs.rm(journal)
        return result

    def prune(self, keep: int, timeout: float = 600) -> dict[str, list[dict[str, Any]]]:
        """Remove all but the newest `keep` complete versions of each dataset; never a current one.

        Returns the removed versions (with their run ids, so their Data Docs pages can go too).
        """
        if keep < 1:
            raise ValueError("keep must be at least 1: the current version always stays")
        removed: dict[str, list[dict[str, Any]]] = {}
        with self.locked("prune", timeout):
            for dataset in SCHEMAS:
                current = self.current_version(dataset)
                complete = [v for v in self.version_folders(dataset) if self.manifest(dataset, v) is not None]
                for version in complete[:-keep]:
                    if version == current:
                        continue
                    run_id = self.manifest(dataset, version)["run_id"]
                    self.discard(dataset, version)
                    removed.setdefault(dataset, []).append({"version": version, "run_id": run_id})
        return removed

    def runs_referenced(self) -> set[str]:
        """Run ids of every complete version still in the lake."""
        return {
            manifest["run_id"]
            for dataset in SCHEMAS
            for version in self.version_folders(dataset)
            if (manifest := self.manifest(dataset, version)) is not None
        }


def _unseen(rows: pa.Table, seen: set[tuple]) -> pa.Table:
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


@dataclass
class PublishResult:
    """What a publish did: the new version of each dataset, and quarantine rows it had already."""

    versions: dict[str, str] = field(default_factory=dict)
    already_quarantined: int = 0
