"""Writing versions: stage a complete version folder (new parts, carried-over files, compaction), then commit or discard it.

A staged folder is invisible to readers until `commit` points `_CURRENT` at it; its manifest,
written last, is what marks it complete.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from conflict_events.lake.layout import MANIFEST, PART_RE, POINTER, VERSION_RE, LakeError
from conflict_events.lake.spool import Rows, SpooledTable
from conflict_events.models import utc_now
from conflict_events.schemas import KEY_COLUMNS, SCHEMAS

if TYPE_CHECKING:
    from conflict_events.lake.interface import Lake

ROW_GROUP_SIZE = 50_000
MAX_FILES = 64  # past this many files a version is compacted into one
COPY_PIECE_BYTES = 8 << 20  # a spool file is copied in pieces of this size, never held whole


def next_version(lake: Lake, dataset: str) -> str:
    """One past every folder present, so an orphan left by a crashed run is never reused."""
    folders = lake.version_folders(dataset)
    last = int(VERSION_RE.match(folders[-1]).group(1)) if folders else 0
    return f"v{last + 1:06d}"


def _write_pieces(lake: Lake, path: str, pieces: Iterable[bytes]) -> tuple[int, str]:
    """Write the pieces to one file; return its size and sha256, from the bytes written, not read back."""
    digest, size = hashlib.sha256(), 0
    with lake.open_durable(path) as handle:
        for piece in pieces:
            digest.update(piece)
            size += len(piece)
            handle.write(piece)
    return size, digest.hexdigest()


def _write_part(lake: Lake, dataset: str, version: str, name: str, table: pa.Table) -> dict[str, Any]:
    """Serialise once, then write those bytes: size and sha256 come from them, not from reading back."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=ROW_GROUP_SIZE, compression="zstd")
    size, sha256 = _write_pieces(lake, lake.path(dataset, version, name), [sink.getvalue().to_pybytes()])
    return {"path": name, "rows": table.num_rows, "size": size, "sha256": sha256}


def _put_part(lake: Lake, dataset: str, version: str, name: str, spooled: SpooledTable) -> dict[str, Any]:
    """Copy a finished spool file into the version, hashing it on the way, piece by piece."""
    with open(spooled.path, "rb") as source:
        pieces = iter(lambda: source.read(COPY_PIECE_BYTES), b"")
        size, sha256 = _write_pieces(lake, lake.path(dataset, version, name), pieces)
    return {"path": name, "rows": spooled.num_rows, "size": size, "sha256": sha256}


def _carry_over(
    lake: Lake, dataset: str, parent: str | None, version: str, replace_keys: set[str] | None, numbers: Iterator[int]
) -> tuple[list[dict[str, Any]], int]:
    """Parent files into the new version: shared when untouched, rewritten without `replace_keys` rows.

    Versions are immutable, so two version folders may share one file (Lake.share_file: a hard link
    on a local disk, a server-side copy on an object store); each folder stays complete for plain
    Parquet readers.
    """
    if parent is None:
        return [], 0
    key = KEY_COLUMNS[dataset]
    replaced_ids = pa.array(sorted(replace_keys), pa.string()) if replace_keys and key else None
    files, carried = [], 0
    for entry in lake.manifest(dataset, parent)["files"]:
        source = lake.path(dataset, parent, entry["path"])
        if replaced_ids is not None:
            replaced = pc.is_in(pq.read_table(source, columns=[key], filesystem=lake.fs).column(key), value_set=replaced_ids)
            if pc.any(replaced).as_py():
                kept = pq.read_table(source, filesystem=lake.fs, schema=SCHEMAS[dataset]).filter(pc.invert(replaced))
                if kept.num_rows:
                    files.append(_write_part(lake, dataset, version, f"part-{next(numbers):05d}.parquet", kept))
                    carried += kept.num_rows
                continue
        lake.share_file(source, lake.path(dataset, version, entry["path"]))
        files.append(dict(entry))
        carried += entry["rows"]
    return files, carried


def _compact(lake: Lake, dataset: str, version: str, files: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    """Merge a version's many small files into one, so hourly runs do not leave thousands of files."""
    table = pa.concat_tables(
        pq.read_table(lake.path(dataset, version, f["path"]), filesystem=lake.fs, schema=SCHEMAS[dataset]) for f in files
    )
    merged = _write_part(lake, dataset, version, f"part-{number:05d}.parquet", table)
    for f in files:
        lake.fs.rm(lake.path(dataset, version, f["path"]))
    return [merged]


def _with_dataset_schema(dataset: str, new_rows: Rows) -> Rows:
    """New rows in the dataset's column order and types; a spool file must have the schema already."""
    schema = SCHEMAS[dataset]
    if isinstance(new_rows, SpooledTable):
        spooled_schema = pq.read_schema(new_rows.path)
        if not spooled_schema.equals(schema):
            raise LakeError(f"the spooled {dataset} file does not have the dataset's schema: {spooled_schema}")
        return new_rows
    return new_rows.select(schema.names).cast(schema)


def stage(
    lake: Lake,
    dataset: str,
    new_rows: Rows,
    run_id: str,
    replace_keys: set[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> str:
    """Write a complete new version folder = current rows (minus `replace_keys`) + `new_rows`; not yet current.

    Unchanged files of the current version are shared, not rewritten: a run that adds 100 articles
    to 100000 writes 100 articles' worth of Parquet.
    """
    schema = SCHEMAS[dataset]
    new_rows = _with_dataset_schema(dataset, new_rows)
    parent = lake.current_version(dataset)
    parent_files = lake.manifest(dataset, parent)["files"] if parent else []
    # New files are numbered past every parent file, so a shared file never meets a new one of its name.
    numbers = itertools.count(1 + max((int(m.group(1)) for f in parent_files if (m := PART_RE.match(f["path"]))), default=-1))
    version = next_version(lake, dataset)
    lake.fs.makedirs(lake.path(dataset, version), exist_ok=True)
    try:
        files, carried = _carry_over(lake, dataset, parent, version, replace_keys, numbers)
        if new_rows.num_rows or not files:
            name = f"part-{next(numbers):05d}.parquet"
            if isinstance(new_rows, SpooledTable):
                files.append(_put_part(lake, dataset, version, name, new_rows))
            else:
                files.append(_write_part(lake, dataset, version, name, new_rows))
        if len(files) > lake.max_files:
            files = _compact(lake, dataset, version, files, next(numbers))
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
        lake.write_bytes_atomically(
            lake.path(dataset, version, MANIFEST), json.dumps(manifest, indent=2, default=str).encode("utf-8")
        )
    except BaseException:
        discard(lake, dataset, version)
        raise
    return version


def commit(lake: Lake, dataset: str, version: str) -> None:
    """Make a staged version current (one atomic pointer write)."""
    if lake.manifest(dataset, version) is None:
        raise LakeError(f"refusing to point {dataset}/_CURRENT at {version}: it has no manifest")
    lake.write_bytes_atomically(lake.path(dataset, POINTER), (version + "\n").encode("utf-8"))


def uncommit(lake: Lake, dataset: str, version: str) -> None:
    """Point `_CURRENT` back at the version `version` was staged on (remove it, for a first version); `version` stays."""
    parent = lake.manifest(dataset, version)["parent_version"]
    pointer = lake.path(dataset, POINTER)
    if parent is None:
        lake.fs.rm(pointer)
    else:
        lake.write_bytes_atomically(pointer, (parent + "\n").encode("utf-8"))


def discard(lake: Lake, dataset: str, version: str) -> None:
    """Remove a version folder: its manifest first, so a removal cut short leaves an incomplete folder
    (which readers and `verify` ignore and the next publish removes), never a manifest naming lost files."""
    folder = lake.path(dataset, version)
    manifest = lake.path(dataset, version, MANIFEST)
    if lake.fs.exists(manifest):
        lake.fs.rm(manifest)
    if lake.fs.exists(folder):
        lake.fs.rm(folder, recursive=True)
