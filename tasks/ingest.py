"""ingest: read articles from sources; every input record becomes a RawRecord or a quarantine row."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from tasks.records import RECORD_FIELDS, RawRecord, quarantine_row

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl", ".csv")
# Files that document a sample folder rather than hold articles.
IGNORED_NAMES = ("README.md", "README.txt", "LICENSE")

Item = RawRecord | dict  # a record, or a quarantine row


class DecodeError(ValueError):
    """Bytes that cannot be turned into text; `reason` is the quarantine code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class ArticleSource(Protocol):
    """Anything that yields raw records and quarantine rows."""

    name: str

    def read(self) -> Iterator[Item]: ...


# --- bytes -> text ---------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _looks_like_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: English text has a NUL in every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0) / (len(data) / 2)
    odd_nuls = data[1::2].count(0) / (len(data) / 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _mostly_text(text: str) -> bool:
    """True when the characters are overwhelmingly printable (not a decoded binary blob)."""
    if not text:
        return True
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\n\r\t") or 0x7F <= ord(ch) < 0xA0)
    return bad / len(text) < 0.02


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a file's bytes as UTF-8 (with or without BOM), UTF-16 or cp1252; raise DecodeError otherwise."""
    if not data:
        raise DecodeError("empty_file", "the file has no bytes")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError("undecodable", f"starts with a {encoding} byte-order mark but is not {encoding}: {exc}")
    utf16 = _looks_like_utf16(data)
    if utf16:
        try:
            text = data.decode(utf16)
            if _mostly_text(text):
                return text, utf16
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if "\x00" in text and not _mostly_text(text):
            raise DecodeError("binary", "contains NUL bytes and control characters: not a text file")
        return text, "utf-8"
    if data.count(0) > 0:
        raise DecodeError("binary", "contains NUL bytes and is not UTF-8 or UTF-16: not a text file")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DecodeError(
            "undecodable", f"neither UTF-8, UTF-16 nor cp1252 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        )
    # cp1252 maps almost any byte string; accept it only when the result reads like English-script text.
    ascii_share = sum(1 for ch in text if ord(ch) < 128) / len(text)
    if ascii_share < 0.75 or not _mostly_text(text):
        raise DecodeError("undecodable", f"not UTF-8; read as cp1252 only {ascii_share:.0%} of characters are ASCII (needs 75%)")
    return text, "cp1252"


def bytes_payload(path: str, data: bytes, limit: int = 65536) -> dict[str, Any]:
    """A JSON-able record of undecodable bytes: base64 (up to `limit` bytes), size and sha256."""
    return {
        "path": path,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "base64": base64.b64encode(data[:limit]).decode("ascii"),
        "truncated": len(data) > limit,
    }


# --- structured records --------------------------------------------------------------------


def _as_text(value: Any) -> str | None:
    """A field value as a string (numbers and booleans are stringified; null stays None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def record_from_mapping(obj: Any, default_ref: str, origin: str) -> Item:
    """A JSON object or CSV row -> RawRecord, or a quarantine row when it has no usable text."""
    if not isinstance(obj, dict):
        return quarantine_row(
            default_ref, "ingest", "not_an_object", f"expected a JSON object, got {type(obj).__name__}", obj
        )
    ref = _as_text(obj.get("id")) or default_ref
    text = obj.get("text")
    if text is None:
        reason = "no_text_field" if "text" not in obj else "null_text"
        return quarantine_row(ref, "ingest", reason, "the record has no `text` (the only required field)", obj)
    if not isinstance(text, str):
        return quarantine_row(ref, "ingest", "text_not_a_string", f"`text` is a {type(text).__name__}", obj)
    extra = {k: v for k, v in obj.items() if k not in RECORD_FIELDS}
    return RawRecord(
        source_ref=ref,
        text=text,
        title=_as_text(obj.get("title")),
        source=_as_text(obj.get("source")),
        url=_as_text(obj.get("url")),
        published=_as_text(obj.get("published")),
        origin=origin,
        extra=extra,
    )


def parse_jsonl(text: str, rel: str, origin: str) -> Iterator[Item]:
    """One record per non-blank line; a malformed line becomes a quarantine row and reading goes on."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        ref = f"{rel}#{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield quarantine_row(ref, "ingest", "malformed_json", f"line {lineno}: {exc.msg} at column {exc.colno}", line)
            continue
        yield record_from_mapping(obj, ref, f"{origin}#{lineno}")


def parse_json(text: str, rel: str, origin: str) -> Iterator[Item]:
    """A JSON file holding one record object or a list of them."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield quarantine_row(rel, "ingest", "malformed_json", f"{exc.msg} at line {exc.lineno} column {exc.colno}", text)
        return
    items = obj if isinstance(obj, list) else [obj]
    for index, item in enumerate(items, start=1):
        ref = f"{rel}#{index}" if isinstance(obj, list) else rel
        yield record_from_mapping(item, ref, f"{origin}#{index}")


def parse_csv(text: str, rel: str, origin: str) -> Iterator[Item]:
    """A CSV file with a header row naming the record fields; each row is a record."""
    csv.field_size_limit(1 << 30)  # article texts are longer than csv's 128 KiB default field limit
    reader = csv.DictReader(io.StringIO(text, newline=""))
    has_text_column = reader.fieldnames is not None and "text" in reader.fieldnames
    try:
        for row in reader:
            ref = f"{rel}#{reader.line_num}"
            row = {k: v for k, v in row.items() if k is not None}
            if not has_text_column:
                yield quarantine_row(
                    _as_text(row.get("id")) or ref, "ingest", "no_text_column",
                    f"the CSV header {reader.fieldnames} has no `text` column", row,
                )
                continue
            yield record_from_mapping(row, ref, f"{origin}#{reader.line_num}")
    except csv.Error as exc:
        yield quarantine_row(f"{rel}#{reader.line_num}", "ingest", "malformed_csv", str(exc), text[:65536])


def parse_html(text: str, rel: str, origin: str) -> Iterator[Item]:
    """A web page: main text and metadata via trafilatura (boilerplate, menus and comments removed)."""
    import trafilatura  # imported here: only HTML inputs pay its import time

    body = trafilatura.extract(text, include_comments=False, include_tables=False, favor_precision=True)
    if not body or not body.strip():
        yield quarantine_row(rel, "ingest", "no_text_in_html", "no article text found in the HTML page", text)
        return
    meta = trafilatura.extract_metadata(text)
    yield RawRecord(
        source_ref=rel,
        text=body,
        title=getattr(meta, "title", None),
        source=getattr(meta, "sitename", None) or getattr(meta, "hostname", None),
        url=getattr(meta, "url", None),
        published=getattr(meta, "date", None),
        origin=origin,
    )


def parse_file(data: bytes, rel: str, origin: str) -> Iterator[Item]:
    """Decode one file's bytes and parse them by suffix."""
    suffix = Path(rel).suffix.lower()
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        yield quarantine_row(rel, "ingest", exc.reason, exc.detail, bytes_payload(origin, data))
        return
    if suffix == ".jsonl":
        yield from parse_jsonl(text, rel, origin)
    elif suffix == ".json":
        yield from parse_json(text, rel, origin)
    elif suffix == ".csv":
        yield from parse_csv(text, rel, origin)
    elif suffix in (".html", ".htm"):
        yield from parse_html(text, rel, origin)
    else:
        yield RawRecord(source_ref=rel, text=text, origin=origin)


# --- sources -------------------------------------------------------------------------------


class FileSource:
    """A folder (read recursively, in path order) or a single file of articles."""

    def __init__(self, path: str | Path, max_record_bytes: int = 5_000_000):
        self.path = Path(path)
        self.name = str(path)
        self.max_record_bytes = max_record_bytes

    def _files(self) -> list[tuple[Path, str]]:
        if self.path.is_file():
            return [(self.path, self.path.name)]
        files = []
        for file in sorted(self.path.rglob("*")):
            rel = file.relative_to(self.path).as_posix()
            if any(part.startswith(".") for part in file.relative_to(self.path).parts):
                continue  # hidden files and folders (.git, .DS_Store) are not inputs
            if file.is_file() and file.name not in IGNORED_NAMES:
                files.append((file, rel))
        return files

    def read(self) -> Iterator[Item]:
        if not self.path.exists():
            yield quarantine_row(self.name, "ingest", "input_not_found", f"no such file or folder: {self.path}", {"path": self.name})
            return
        for file, rel in self._files():
            origin = str(file)
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                yield quarantine_row(
                    rel, "ingest", "unsupported_file_type",
                    f"{file.suffix or 'no suffix'} is not one of {', '.join(SUPPORTED_SUFFIXES)}", {"path": origin},
                )
                continue
            try:
                size = file.stat().st_size
                limit = self.max_record_bytes * (1 if file.suffix.lower() in (".txt", ".html", ".htm") else 100)
                if size > limit:
                    with file.open("rb") as handle:
                        head = handle.read(65536)
                    yield quarantine_row(
                        rel, "ingest", "too_large", f"{size} bytes is over the {limit}-byte limit for {file.suffix} files",
                        {**bytes_payload(origin, head), "size": size},
                    )
                    continue
                data = file.read_bytes()
            except OSError as exc:  # vanished or unreadable between listing and reading
                yield quarantine_row(rel, "ingest", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}", {"path": origin})
                continue
            yield from parse_file(data, rel, origin)


class InMemorySource:
    """Records given as dicts (tests, or callers that already hold the articles)."""

    def __init__(self, records: Iterable[dict], name: str = "memory"):
        self.records = list(records)
        self.name = name

    def read(self) -> Iterator[Item]:
        for index, record in enumerate(self.records, start=1):
            yield record_from_mapping(record, f"{self.name}#{index}", f"{self.name}#{index}")


def read_sources(sources: Iterable[ArticleSource]) -> tuple[list[RawRecord], list[dict]]:
    """Every item of every source, split into records and quarantine rows."""
    records: list[RawRecord] = []
    quarantined: list[dict] = []
    for source in sources:
        for item in source.read():
            (quarantined if isinstance(item, dict) else records).append(item)
    return records, quarantined
