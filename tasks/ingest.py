"""ingest: read articles from sources; every input record becomes a RawRecord or a quarantine row."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from conflict_events.models import RECORD_FIELDS, RawRecord, QuarantineRow

# Defaults of the two ingest limits (Settings.max_record_bytes / max_records_per_file override them).
MAX_RECORD_BYTES = 5_000_000
MAX_RECORDS_PER_FILE = 100_000
STRUCTURED_SUFFIXES = (".json", ".jsonl", ".csv")
SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl", ".csv")
# Files that document a sample folder rather than hold articles.
IGNORED_NAMES = ("README.md", "README.txt", "LICENSE")

Item = RawRecord | QuarantineRow
# Turns one parsed object (a JSON object or CSV row) into an item: record_from_mapping, or a counter's stand-in.
ToItem = Callable[[Any, str, str, int], Any]


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
                raise DecodeError("undecodable", f"starts with a {encoding} byte-order mark but is not {encoding}: {exc}") from None
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
    replaced = data.decode("utf-8", "replace")
    bad = replaced.count("\ufffd")
    if bad <= max(3, len(data) // 2000) and any(ord(ch) > 127 and ch != "\ufffd" for ch in replaced):
        # Valid multi-byte UTF-8 with a stray byte or two: reading it all as cp1252 would garble every
        # accent ("cafÃ©"); keep UTF-8 and mark the few bad bytes with U+FFFD.
        return replaced, "utf-8 (with replacements)"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DecodeError(
            "undecodable", f"neither UTF-8, UTF-16 nor cp1252 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
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


def safe_str(value: str) -> str:
    """A string that can be written as UTF-8: lone surrogates (a JSON "\\ud83d" cut mid-emoji) become U+FFFD."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def safe_path(rel: str) -> str:
    """A file name as text even when it is not UTF-8 on disk (undecodable bytes shown as \\xNN)."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _as_text(value: Any) -> str | None:
    """A field value as a string (numbers and booleans are stringified; null stays None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return safe_str(value)
    if isinstance(value, (int, float, bool)):
        return str(value)
    return safe_str(json.dumps(value, ensure_ascii=False, default=str))


def record_too_large(ref: str, origin: str, raw: str, limit: int) -> QuarantineRow:
    """The quarantine row of one record over the size limit: its head, size and checksum, not its bulk."""
    data = raw.encode("utf-8", "surrogatepass")
    return QuarantineRow.of(
        ref, "ingest", "record_too_large",
        f"the record is {len(data)} bytes, over the {limit}-byte limit for one record (CONFLICT_EVENTS_MAX_RECORD_BYTES)",
        bytes_payload(origin, data),
    )


def record_from_mapping(obj: Any, default_ref: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES) -> Item:
    """A JSON object or CSV row -> RawRecord, or a quarantine row when it has no usable text or is too large."""
    if not isinstance(obj, dict):
        return QuarantineRow.of(
            default_ref, "ingest", "not_an_object", f"expected a JSON object, got {type(obj).__name__}", obj
        )
    own_id = _as_text(obj.get("id"))
    ref = own_id or default_ref
    # Characters are a lower bound on UTF-8 bytes (and a quarter of an upper one): only records that
    # might be too large pay for encoding. Nested values are measured whole, not guessed.
    size = sum(len(v) if isinstance(v, str) else len(json.dumps(v, default=str)) for v in obj.values())
    if size > max_record_bytes // 4:
        raw = json.dumps(obj, ensure_ascii=False, default=str)
        if len(raw.encode("utf-8", "surrogatepass")) > max_record_bytes:
            return record_too_large(ref, origin, raw, max_record_bytes)
    text = obj.get("text")
    if text is None:
        reason = "no_text_field" if "text" not in obj else "null_text"
        return QuarantineRow.of(ref, "ingest", reason, "the record has no `text` (the only required field)", obj)
    if not isinstance(text, str):
        return QuarantineRow.of(ref, "ingest", "text_not_a_string", f"`text` is a {type(text).__name__}", obj)
    # Other fields travel as one JSON string: arbitrary nesting must not reach Prefect or Arrow as objects.
    extra = {k: _as_text(v) for k, v in obj.items() if k not in RECORD_FIELDS}
    text = safe_str(text)
    if looks_like_html(text):
        text = html_to_text(text)
        extra["text_format"] = "html"  # the payload says the stored text was extracted from markup
    return RawRecord(
        source_ref=ref,
        text=text,
        has_own_id=own_id is not None,
        title=_as_text(obj.get("title")),
        source=_as_text(obj.get("source")),
        url=_as_text(obj.get("url")),
        published=_as_text(obj.get("published")),
        origin=origin,
        extra=extra,
    )


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply to parse"
    return str(exc)


def parse_jsonl(
    text: str, rel: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES, to_item: ToItem = record_from_mapping
) -> Iterator[Item]:
    """One record per non-blank line; a malformed or oversized line becomes a quarantine row and reading goes on."""
    # Only "\n" ends a JSON line: str.splitlines() would also split at U+2028, which JSON allows in strings.
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        ref = f"{rel}#{lineno}"
        if len(line) > max_record_bytes or len(line.encode("utf-8", "surrogatepass")) > max_record_bytes:
            yield record_too_large(ref, f"{origin}#{lineno}", line, max_record_bytes)  # never parsed: its size is the problem
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, 4300-digit integers, absurd nesting
            yield QuarantineRow.of(ref, "ingest", "malformed_json", f"line {lineno}: {_json_error(exc)}", line)
            continue
        yield to_item(obj, ref, f"{origin}#{lineno}", max_record_bytes)


def parse_json(
    text: str, rel: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES, to_item: ToItem = record_from_mapping
) -> Iterator[Item]:
    """A JSON file holding one record object or a list of them."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield QuarantineRow.of(rel, "ingest", "malformed_json", _json_error(exc), text)
        return
    items = obj if isinstance(obj, list) else [obj]
    for index, item in enumerate(items, start=1):
        ref = f"{rel}#{index}" if isinstance(obj, list) else rel
        yield to_item(item, ref, f"{origin}#{index}", max_record_bytes)


def parse_csv(
    text: str, rel: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES, to_item: ToItem = record_from_mapping
) -> Iterator[Item]:
    """A CSV file with a header row naming the record fields; each row is a record.

    A row with more or fewer fields than the header is quarantined whole (`ragged_row`) rather than
    read with its text cut or shifted; an unterminated quote stops the file with `malformed_csv`.
    """
    csv.field_size_limit(1 << 30)  # article texts are longer than csv's 128 KiB default field limit
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        header = [h.lstrip("\ufeff").strip() for h in header]
        duplicated = sorted({h for h in header if header.count(h) > 1})
        previous_line = reader.line_num
        for values in reader:
            ref = f"{rel}#{previous_line + 1}"
            previous_line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            row = dict(zip(header, values, strict=False))  # ragged rows are quarantined just below
            if duplicated:
                yield QuarantineRow.of(ref, "ingest", "duplicate_columns", f"the CSV header repeats {duplicated}", values)
            elif len(values) != len(header):
                yield QuarantineRow.of(
                    _as_text(row.get("id")) or ref, "ingest", "ragged_row",
                    f"{len(values)} fields where the header has {len(header)}", values,
                )
            elif "text" not in header:
                yield QuarantineRow.of(
                    _as_text(row.get("id")) or ref, "ingest", "no_text_column", f"the CSV header {header} has no `text` column", row
                )
            else:
                yield to_item(row, ref, f"{origin}#{ref.rsplit('#', 1)[1]}", max_record_bytes)
    except csv.Error as exc:
        yield QuarantineRow.of(f"{rel}#{reader.line_num}", "ingest", "malformed_csv", str(exc), text)


_HTML_TAG_RE = re.compile(
    r"<\s*(?:!doctype|html|head|body|div|p|br|span|a|article|section|script|style|table|ul|ol|li|h[1-6]|meta|title|b|i|em|strong)\b[^<>]*>",
    re.IGNORECASE,
)


def looks_like_html(text: str) -> bool:
    """Markup passed as text: a document start, or several common tags in the opening characters."""
    head = text[:20_000]
    if re.match(r"\s*<(?:!doctype\s+html|html)\b", head, re.IGNORECASE):
        return True
    return len(_HTML_TAG_RE.findall(head)) >= 3


def html_to_text(markup: str) -> str:
    """The readable text of markup: trafilatura's main text, else every text node (scripts and styles dropped)."""
    import trafilatura  # imported here: only HTML inputs pay its import time
    from lxml import html as lxml_html

    body = trafilatura.extract(markup, include_comments=False, include_tables=False, favor_precision=True)
    if body and body.strip():
        return body
    # A fragment too short for trafilatura's main-text heuristics ("<p>..</p><p>..</p>"): keep all its text.
    try:
        tree = lxml_html.fromstring(markup)
    except Exception:  # lxml raises several types on hopeless markup; no text is the honest result
        return ""
    for node in tree.xpath("//script|//style|//noscript"):
        node.drop_tree()
    blocks = [t.strip() for t in tree.itertext() if t.strip()]
    return "\n\n".join(blocks)


def parse_html(text: str, rel: str, origin: str) -> Iterator[Item]:
    """A web page: main text and metadata via trafilatura (boilerplate, menus and comments removed)."""
    import trafilatura  # imported here: only HTML inputs pay its import time

    body = trafilatura.extract(text, include_comments=False, include_tables=False, favor_precision=True)
    if not body or not body.strip():
        yield QuarantineRow.of(rel, "ingest", "no_text_in_html", "no article text found in the HTML page", text)
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


def _its_ref(obj: Any, ref: str, origin: str, max_record_bytes: int) -> str:
    """parse_file's counting pass in place of record_from_mapping: one item per object, nothing built."""
    return ref


def parse_file(
    data: bytes, rel: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES, max_records: int = MAX_RECORDS_PER_FILE
) -> Iterator[Item]:
    """Decode one file's bytes and parse them by suffix; a file over `max_records` records is quarantined whole."""
    suffix = Path(rel).suffix.lower()
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        yield QuarantineRow.of(rel, "ingest", exc.reason, exc.detail, bytes_payload(origin, data))
        return
    if suffix in STRUCTURED_SUFFIXES:
        parser = {".jsonl": parse_jsonl, ".json": parse_json, ".csv": parse_csv}[suffix]
        # Count first (up to one past the limit, keeping nothing), then read: a file over the limit is
        # refused whole, not cut (half a file read would look complete downstream), and a file within it
        # streams record by record instead of sitting in memory as parsed records.
        # The counting pass builds no records (record_from_mapping may run trafilatura on HTML passed as text):
        # every parsed object is one item either way.
        counted = sum(1 for _ in itertools.islice(parser(text, rel, origin, max_record_bytes, to_item=_its_ref), max_records + 1))
        if counted > max_records:
            yield QuarantineRow.of(
                rel, "ingest", "too_many_records",
                f"more than {max_records} records in one file (CONFLICT_EVENTS_MAX_RECORDS_PER_FILE); nothing of it was read: "
                "split the file or raise the limit",
                bytes_payload(origin, data),
            )
            return
        yield from parser(text, rel, origin, max_record_bytes)
    elif suffix in (".html", ".htm") or looks_like_html(text):
        yield from parse_html(text, rel, origin)  # a web page saved as .txt is still a web page
    else:
        yield RawRecord(source_ref=rel, text=text, origin=origin)


# --- sources -------------------------------------------------------------------------------


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
        rel = safe_path(path.relative_to(self.path).as_posix())
        return QuarantineRow.of(rel, "ingest", reason, detail, {"path": safe_path(str(path))})

    def read(self) -> Iterator[Item]:
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
        origin = safe_path(str(file))
        if file.suffix.lower() not in SUPPORTED_SUFFIXES:
            yield QuarantineRow.of(
                rel, "ingest", "unsupported_file_type",
                f"{file.suffix or 'no suffix'} is not one of {', '.join(SUPPORTED_SUFFIXES)}", {"path": origin},
            )
            return
        try:
            info = file.stat()
            if not stat.S_ISREG(info.st_mode):
                yield QuarantineRow.of(rel, "ingest", "not_a_regular_file", "not a regular file (a folder, pipe, socket or device)", {"path": origin})
                return
            # A text or HTML file is one record; a structured file may hold many, each within the record limit.
            structured = file.suffix.lower() in STRUCTURED_SUFFIXES
            limit = self.max_record_bytes * (100 if structured else 1)
            if info.st_size > limit:
                with file.open("rb") as handle:
                    head = handle.read(65536)
                    handle.seek(0)
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()  # of the whole file, read in chunks
                setting = "100 x CONFLICT_EVENTS_MAX_RECORD_BYTES" if structured else "CONFLICT_EVENTS_MAX_RECORD_BYTES"
                yield QuarantineRow.of(
                    rel, "ingest", "too_large",
                    f"{info.st_size} bytes is over the {limit}-byte limit for {file.suffix} files ({setting}); nothing of it was read",
                    {**bytes_payload(origin, head), "size": info.st_size, "sha256": digest, "truncated": True},
                )
                return
            data = file.read_bytes()
        except OSError as exc:  # vanished, a dangling link, or no permission
            yield QuarantineRow.of(rel, "ingest", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}", {"path": origin})
            return
        yield from parse_file(data, rel, origin, self.max_record_bytes, self.max_records_per_file)


class InMemorySource:
    """Records given as dicts (tests, or callers that already hold the articles)."""

    def __init__(self, records: Iterable[dict], name: str = "memory"):
        self.records = list(records)
        self.name = name

    def read(self) -> Iterator[Item]:
        for index, record in enumerate(self.records, start=1):
            yield record_from_mapping(record, f"{self.name}#{index}", f"{self.name}#{index}")


def stream_sources(sources: Iterable[ArticleSource]) -> Iterator[Item]:
    """Every item of every source, lazily: a file is opened only when the reader gets to it."""
    for source in sources:
        yield from source.read()


def next_batch(stream: Iterator[Item], size: int) -> tuple[list[RawRecord], list[QuarantineRow], bool]:
    """Up to `size` items from the stream, split into records and quarantine rows; True once it is exhausted.

    Quarantine rows count towards the size: a file of a million malformed lines is read a batch at a time too.
    """
    records: list[RawRecord] = []
    quarantined: list[QuarantineRow] = []
    for item in stream:
        (quarantined if isinstance(item, QuarantineRow) else records).append(item)
        if len(records) + len(quarantined) == size:
            return records, quarantined, False
    return records, quarantined, True


def read_sources(sources: Iterable[ArticleSource]) -> tuple[list[RawRecord], list[QuarantineRow]]:
    """Every item of every source, split into records and quarantine rows (one batch of everything)."""
    records, quarantined, _exhausted = next_batch(stream_sources(sources), sys.maxsize)
    return records, quarantined
