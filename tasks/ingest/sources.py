"""Where articles come from: the ArticleSource interface, a folder or file on disk, or records held in memory."""

from __future__ import annotations

import functools
import itertools
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from conflict_events.models import QuarantineRow
from tasks.ingest.decode import HEAD_BYTES, head_payload
from tasks.ingest.formats import STRUCTURED_SUFFIXES, SUPPORTED_SUFFIXES, parse_file
from tasks.ingest.records import MAX_RECORD_BYTES, MAX_RECORDS_PER_FILE, Item, record_from_mapping, safe_path

# Files that document a sample folder rather than hold articles.
IGNORED_NAMES = ("README.md", "README.txt", "LICENSE")


class ArticleSource(Protocol):
    """Anything that yields raw records and quarantine rows."""

    name: str

    def read(self) -> Iterator[Item]: ...


_CHUNK = 1 << 20


def _read_within(handle: BinaryIO, size: int, limit: int) -> bytes:
    """A file's bytes: stat's `size` in one read; a file that grew since is read on, but not far past `limit`."""
    data = handle.read(size + 1)  # the extra byte tells whether the file grew after stat
    if len(data) <= size:
        return data
    chunks = iter(functools.partial(handle.read, _CHUNK), b"")
    return data + b"".join(itertools.islice(chunks, (limit - len(data)) // _CHUNK + 1))  # ends past the limit if it is over


def _too_large(rel: str, origin: str, suffix: str, size: int, limit: int, read: bytes) -> QuarantineRow:
    """The row of a file over the size limit: its size, how much of it was read, and the head kept (no file checksum)."""
    structured = suffix.lower() in STRUCTURED_SUFFIXES
    setting = "100 x CONFLICT_EVENTS_MAX_RECORD_BYTES" if structured else "CONFLICT_EVENTS_MAX_RECORD_BYTES"
    head = read[:HEAD_BYTES]
    return QuarantineRow.of(
        rel, "ingest", "too_large",
        f"{size} bytes is over the {limit}-byte limit for {suffix} files ({setting}); only {len(read)} bytes of it were "
        f"read: the payload keeps the first {len(head)} and their sha256 (not a checksum of the whole file)",
        head_payload(origin, size, head),
    )


class FileSource:
    """A folder (read recursively, in path order, following links once) or a single file of articles.

    Every entry ends somewhere: supported files are parsed; documentation, hidden entries, other file
    types, unreadable folders, dangling links and special files each become a quarantine row.
    """

    def __init__(self, path: str | Path, max_record_bytes: int = MAX_RECORD_BYTES, max_records_per_file: int = MAX_RECORDS_PER_FILE):
        self.path = Path(path)
        self.name = str(path)
        self.max_record_bytes = max_record_bytes
        self.max_records_per_file = max_records_per_file

    def _entries(self) -> Iterator[tuple[Path, str] | QuarantineRow]:
        """(file, relative name) for every file to read, and quarantine rows for what cannot be read."""
        if self.path.is_file() or not self.path.is_dir():
            yield self.path, safe_path(self.path.name)
            return
        problems: list[OSError] = []
        seen_dirs: set[str] = set()
        for folder, dirs, files in os.walk(self.path, onerror=problems.append, followlinks=True):
            real = os.path.realpath(folder)
            if real in seen_dirs:  # a link back into the tree: read each folder once
                dirs.clear()
                continue
            seen_dirs.add(real)
            base = Path(folder)
            for name in sorted(d for d in dirs if d.startswith(".")):
                yield self._ignored(base / name, "ignored_folder", "hidden folders are not read")
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                file = base / name
                if name.startswith(".") or name in IGNORED_NAMES:
                    yield self._ignored(file, "ignored_file", "hidden files and documentation files are not articles")
                else:
                    yield file, safe_path(file.relative_to(self.path).as_posix())
        for error in problems:
            rel = safe_path(os.path.relpath(error.filename, self.path)) if error.filename else self.name
            yield QuarantineRow.of(rel, "ingest", "unreadable", f"folder cannot be listed: {error.strerror or error}", {"path": safe_path(str(error.filename))})

    def _ignored(self, path: Path, reason: str, detail: str) -> QuarantineRow:
        """The quarantine row of an entry that is deliberately not read (hidden or documentation)."""
        rel = safe_path(path.relative_to(self.path).as_posix())
        return QuarantineRow.of(rel, "ingest", reason, detail, {"path": safe_path(str(path))})

    def read(self) -> Iterator[Item]:
        """Every record and quarantine row of the folder or file, one file at a time."""
        if not self.path.exists() and not self.path.is_symlink():
            yield QuarantineRow.of(self.name, "ingest", "input_not_found", f"no such file or folder: {self.path}", {"path": self.name})
            return
        for entry in self._entries():
            if isinstance(entry, QuarantineRow):
                yield entry
                continue
            file, rel = entry
            yield from self._read_file(file, rel)

    def _read_file(self, file: Path, rel: str) -> Iterator[Item]:
        """One file's items, or the row saying why it was not read (type, kind of entry, size, permissions)."""
        origin = safe_path(str(file))
        if file.suffix.lower() not in SUPPORTED_SUFFIXES:
            yield QuarantineRow.of(
                rel, "ingest", "unsupported_file_type",
                f"{file.suffix or 'no suffix'} is not one of {', '.join(SUPPORTED_SUFFIXES)}", {"path": origin},
            )
            return
        # A text or HTML file is one record; a structured file may hold many, each within the record limit.
        limit = self.max_record_bytes * (100 if file.suffix.lower() in STRUCTURED_SUFFIXES else 1)
        try:
            info = file.stat()  # type and size are judged before the file is opened: a 2 TiB file costs one stat
            if not stat.S_ISREG(info.st_mode):
                yield QuarantineRow.of(rel, "ingest", "not_a_regular_file", "not a regular file (a folder, pipe, socket or device)", {"path": origin})
                return
            with file.open("rb") as handle:
                data = handle.read(HEAD_BYTES) if info.st_size > limit else _read_within(handle, info.st_size, limit)
        except OSError as exc:  # vanished, a dangling link, or no permission
            yield QuarantineRow.of(rel, "ingest", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}", {"path": origin})
            return
        size = max(info.st_size, len(data))  # more than stat said when the file grew in between
        if size > limit:
            yield _too_large(rel, origin, file.suffix, size, limit, data)
            return
        yield from parse_file(data, rel, origin, self.max_record_bytes, self.max_records_per_file)


class InMemorySource:
    """Records given as dicts (tests, or callers that already hold the articles)."""

    def __init__(self, records: Iterable[dict], name: str = "memory"):
        self.records = list(records)
        self.name = name

    def read(self) -> Iterator[Item]:
        """Each dict through the same record rules as a file's JSON objects."""
        for index, record in enumerate(self.records, start=1):
            yield record_from_mapping(record, f"{self.name}#{index}", f"{self.name}#{index}")
