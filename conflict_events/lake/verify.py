"""verify: check a lake against its own manifests, pointers and leftovers, and its folders as readers see them, without changing anything.

Every version folder is checked, not only the current one: older versions are what a rollback or a
reader pinned to a version gets. Unchanged files are hard links shared between versions, so one
damaged file is reported once for every version that lists it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow.parquet as pq

from conflict_events.lake.factory import open_lake
from conflict_events.lake.interface import Lake
from conflict_events.lake.layout import JOURNAL, MANIFEST, POINTER, LakeError
from conflict_events.schemas import SCHEMAS

CHUNK = 1 << 20  # bytes hashed per read: a file of any size needs only this much memory
# dataset -> (column, dataset whose current version must hold every value of it)
REFERENCES = {"events": ("article_id", "articles")}


@dataclass
class Finding:
    """One thing found: where (dataset, version, path from the lake root), a short code, and why."""

    dataset: str | None
    version: str | None
    path: str
    kind: str
    detail: str


@dataclass
class VerifyReport:
    """Problems (a reader could get wrong or no data) and notes (leftovers a publish tidies), with what was checked."""

    lake: str
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    versions: int = 0
    files: int = 0
    bytes: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class _Checker:
    """The state of one verification: the lake, the report, and digests of files already read."""

    lake: Lake
    report: VerifyReport
    # Hard-linked files are read once: Lake.file_identity -> (sha256, footer rows or error).
    seen: dict[tuple, tuple[str, int | str]] = field(default_factory=dict)
    leftovers: set[str] = field(default_factory=set)  # temporary files, reported as notes (temp_files)

    def rel(self, path: str) -> str:
        root = self.lake.root
        return path[len(root) + 1:] if path.startswith(root + "/") else path

    def problem(self, dataset: str | None, version: str | None, path: str, kind: str, detail: str) -> None:
        self.report.problems.append(Finding(dataset, version, self.rel(path), kind, detail))

    def note(self, dataset: str | None, version: str | None, path: str, kind: str, detail: str) -> None:
        self.report.notes.append(Finding(dataset, version, self.rel(path), kind, detail))

    def temp_files(self) -> None:
        """The same leftovers the next publish's recovery removes (Lake.temp_files), as notes."""
        self.leftovers = set(self.lake.temp_files())
        for path in sorted(self.leftovers):
            parts = self.rel(path).split("/")
            dataset = parts[0] if len(parts) > 1 else None
            version = parts[1] if len(parts) > 2 else None
            self.note(dataset, version, path, "temp_file", "left by a process killed while writing a small file; safe to delete")

    def digest(self, path: str) -> tuple[str, int | str]:
        """sha256 of the file (streamed) and its Parquet footer's row count (or why the footer is unreadable)."""
        key = self.lake.file_identity(path)
        if key is not None and key in self.seen:
            return self.seen[key]
        sha = hashlib.sha256()
        with self.lake.fs.open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                sha.update(chunk)
            handle.seek(0)
            try:
                rows: int | str = pq.ParquetFile(handle).metadata.num_rows
            except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged footer
                rows = f"{type(exc).__name__}: {exc}"
        result = (sha.hexdigest(), rows)
        if key is not None:
            self.seen[key] = result
        return result


def _manifest_files(manifest: Any) -> str | None:
    """Why a parsed manifest cannot be checked against, or None when it can."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        return "no 'files' list"
    for i, entry in enumerate(manifest["files"]):
        if not isinstance(entry, dict):
            return f"files[{i}] is not an object"
        path = entry.get("path")
        if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
            return f"files[{i}] has no usable path: {path!r}"
        for key, kind in (("rows", int), ("size", int), ("sha256", str)):
            if not isinstance(entry.get(key), kind) or isinstance(entry.get(key), bool):
                return f"files[{i}] ({path}) has no {key}"
    if not isinstance(manifest.get("row_count"), int):
        return "no integer 'row_count'"
    return None


def _what_readers_do(name: str) -> str:
    """What a reader of the whole folder does with a file the manifest does not list."""
    if name.rsplit("/", 1)[-1].startswith(("_", ".")):
        return "pyarrow skips names starting with '_' or '.', but other readers of the folder may read it"
    if name.endswith(".parquet"):
        return "a Parquet reader of the folder reads its rows as part of the version"
    return "a Parquet reader of the folder reads it too, and reads rows the manifest does not have or fails"


def _check_version(check: _Checker, dataset: str, version: str) -> bool:
    """Check one version folder; True when it has a manifest (whether or not the manifest is any good)."""
    lake, fs = check.lake, check.lake.fs
    folder = lake.path(dataset, version)
    manifest_path = lake.path(dataset, version, MANIFEST)
    if not fs.exists(manifest_path):
        check.note(dataset, version, folder, "incomplete_version",
                   "no manifest: left by a publish that is running or was killed; the next publish removes it")
        return False
    check.report.versions += 1
    if fs.info(manifest_path)["type"] != "file":
        check.problem(dataset, version, manifest_path, "bad_manifest", "a folder, not a file: no reader or run can read this version")
        return True
    try:
        manifest = json.loads(fs.cat_file(manifest_path))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        check.problem(dataset, version, manifest_path, "bad_manifest", f"not JSON: {exc}")
        return True
    if (why := _manifest_files(manifest)) is not None:
        check.problem(dataset, version, manifest_path, "bad_manifest", why)
        return True

    listed = set()
    for entry in manifest["files"]:
        listed.add(entry["path"])
        path = lake.path(dataset, version, entry["path"])
        try:
            info = fs.info(path)  # one call (one request on an object store) for existence, type and size
        except FileNotFoundError:
            info = None
        if info is None or info["type"] != "file":
            check.problem(dataset, version, path, "missing_file", "listed in the manifest but not in the folder")
            continue
        check.report.files += 1
        size = info["size"]
        if size != entry["size"]:
            # A different size already says the bytes differ; hashing would only repeat it.
            check.problem(dataset, version, path, "size_mismatch", f"{size} bytes, manifest says {entry['size']}")
            continue
        check.report.bytes += size
        sha256, rows = check.digest(path)
        if sha256 != entry["sha256"]:
            check.problem(dataset, version, path, "checksum_mismatch", f"sha256 {sha256}, manifest says {entry['sha256']}")
            continue  # the footer of changed bytes says nothing about what was published
        if isinstance(rows, str):
            check.problem(dataset, version, path, "bad_parquet", f"matches its checksum but is not readable Parquet: {rows}")
        elif rows != entry["rows"]:
            check.problem(dataset, version, path, "row_count_mismatch", f"footer has {rows} rows, manifest says {entry['rows']}")

    total = sum(entry["rows"] for entry in manifest["files"])
    if manifest["row_count"] != total:
        check.problem(dataset, version, manifest_path, "row_count_mismatch",
                      f"row_count {manifest['row_count']}, but its files hold {total} rows")
    # A plain reader of the folder (pyarrow, pandas, Spark) reads every file in it, listed or not.
    for path in sorted(fs.find(folder)):
        relative = path[len(folder) + 1:]
        if relative in listed or relative == MANIFEST or path in check.leftovers:
            continue
        check.problem(dataset, version, path, "unlisted_file", f"not in the manifest: {_what_readers_do(relative)}")
    return True


def _check_pointer(check: _Checker, dataset: str, complete: set[str]) -> None:
    lake = check.lake
    pointer = lake.path(dataset, POINTER)
    if not lake.fs.exists(pointer):
        if why := lake.lost_pointer(dataset):  # versions of a publish under way (the journal's) are not lost
            check.problem(dataset, None, pointer, "no_current", f"readers following it find nothing; {why}")
        return
    try:
        current = lake.current_version(dataset)
    except (LakeError, UnicodeDecodeError) as exc:
        check.problem(dataset, None, pointer, "bad_pointer", str(exc))
        return
    if current not in complete:
        check.problem(dataset, current, pointer, "current_incomplete",
                      f"names {current}, which is missing or has no {MANIFEST}")


def _check_references(check: _Checker) -> None:
    """Rows of a current version that point at rows the current version of another dataset lacks (after a pointer was lost or moved back).

    Checked only when both pointers and current versions passed every other check, so the files read here are whole.
    """
    lake = check.lake
    damaged = {(p.dataset, p.version) for p in check.report.problems}  # a pointer's own problems have no version
    for dataset, (column, target) in REFERENCES.items():
        if (dataset, None) in damaged or (target, None) in damaged:
            continue
        version, target_version = lake.current_version(dataset), lake.current_version(target)
        if version is None or {(dataset, version), (target, target_version)} & damaged:
            continue
        held = set(lake.read_version(target, target_version, [column]).column(column).to_pylist()) if target_version else set()
        missing = set(lake.read_version(dataset, version, [column]).column(column).to_pylist()) - held
        if missing:
            check.problem(
                target, target_version, lake.path(target, POINTER), "dangling_reference",
                f"current {dataset} ({version}) reference {len(missing)} {column} values that current {target} "
                f"({target_version or 'none'}) lacks, e.g. {min(missing)[:12]}: {target} lost rows that {dataset} still use "
                f"(a pointer lost, reset or moved back?); `conflict-events versions {target}` lists versions that may hold them",
            )


def verify_lake(lake_url: str) -> VerifyReport:
    """Check every dataset folder of the lake: pointers, every version's files against its manifest, files it
    does not list, rows of current versions that other current versions lack, leftovers.

    Raises FileNotFoundError when the lake root does not exist (an empty report would look like a good lake).
    """
    lake = open_lake(lake_url)
    if not lake.fs.isdir(lake.root):
        raise FileNotFoundError(f"no lake at {lake_url}: {lake.root} does not exist or is not a folder")
    check = _Checker(lake, VerifyReport(lake=lake_url))
    if lake.fs.exists(lake.path(JOURNAL)):
        check.note(None, None, lake.path(JOURNAL), "publish_journal",
                   "a publish is running or was killed; the next publish finishes or undoes it")
    check.temp_files()
    datasets = [d for d in SCHEMAS if lake.fs.isdir(lake.path(d))]
    if not datasets:
        check.note(None, None, lake.root, "empty_lake", f"no dataset folder ({', '.join(SCHEMAS)}): nothing was checked")
    for dataset in datasets:
        complete = {v for v in lake.version_folders(dataset) if _check_version(check, dataset, v)}
        _check_pointer(check, dataset, complete)
    _check_references(check)
    return check.report
