"""One file's bytes -> items: decode, then parse by suffix (jsonl, json, csv, html, plain text) within the limits.

Every cost here is linear in the file's size: each structured file is parsed once (a file over the
record limit is told apart before parsing by its line count, see `_more_items_than`), and the CSV
header is checked with a Counter, not by counting each name in the whole header.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from conflict_events.models import QuarantineRow, RawRecord
from tasks.ingest.decode import DecodeError, bytes_payload, decode_bytes
from tasks.ingest.markup import looks_like_html, parse_html
from tasks.ingest.records import MAX_RECORD_BYTES, MAX_RECORDS_PER_FILE, Item, as_text, record_from_mapping, record_too_large

STRUCTURED_SUFFIXES = (".json", ".jsonl", ".csv")
SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl", ".csv")
# Column names a CSV quarantine detail lists: a header of a million names must not be copied into every row's detail.
_NAMES_SHOWN = 10


def _json_error(exc: Exception) -> str:
    """A short account of why a JSON text did not parse."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply to parse"
    return str(exc)


def _jsonl_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of each non-blank line of a JSON-lines text: one item each."""
    # Only "\n" ends a JSON line: str.splitlines() would also split at U+2028, which JSON allows in strings.
    for lineno, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield lineno, line.rstrip("\r")


def parse_jsonl(text: str, rel: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Item]:
    """One record per non-blank line; a malformed or oversized line becomes a quarantine row and reading goes on."""
    for lineno, line in _jsonl_lines(text):
        ref = f"{rel}#{lineno}"
        if len(line) > max_record_bytes or len(line.encode("utf-8", "surrogatepass")) > max_record_bytes:
            yield record_too_large(ref, f"{origin}#{lineno}", line, max_record_bytes)  # never parsed: its size is the problem
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, 4300-digit integers, absurd nesting
            yield QuarantineRow.of(ref, "ingest", "malformed_json", f"line {lineno}: {_json_error(exc)}", line)
            continue
        yield record_from_mapping(obj, ref, f"{origin}#{lineno}", max_record_bytes)


def _load_json(text: str, rel: str) -> tuple[list[Any], bool] | QuarantineRow:
    """The objects of a JSON file (one object, or a list of them) and whether it was a list; else why it does not parse."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return QuarantineRow.of(rel, "ingest", "malformed_json", _json_error(exc), text)
    return (obj, True) if isinstance(obj, list) else ([obj], False)


def _json_items(objs: list[Any], listed: bool, rel: str, origin: str, max_record_bytes: int) -> Iterator[Item]:
    """Each loaded JSON object as an item; a list's objects are numbered, a lone object takes the file's name."""
    for index, obj in enumerate(objs, start=1):
        yield record_from_mapping(obj, f"{rel}#{index}" if listed else rel, f"{origin}#{index}", max_record_bytes)


def parse_json(text: str, rel: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Item]:
    """A JSON file holding one record object or a list of them."""
    loaded = _load_json(text, rel)
    if isinstance(loaded, QuarantineRow):
        yield loaded
        return
    yield from _json_items(*loaded, rel, origin, max_record_bytes)


def _csv_rows(text: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(line it starts on, values) of the header and of each non-blank row; (line, error) last at an unterminated quote."""
    csv.field_size_limit(1 << 30)  # article texts are longer than csv's 128 KiB default field limit
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for values in reader:
            if start == 1 or any(v.strip() for v in values):
                yield start, values
            start = reader.line_num + 1
    except csv.Error as exc:
        yield reader.line_num, exc


def _some_names(names: list[str]) -> str:
    """At most _NAMES_SHOWN column names, and how many more there are."""
    more = len(names) - _NAMES_SHOWN
    return f"{names[:_NAMES_SHOWN]}" + (f" and {more} more" if more > 0 else "")


def _header_problem(header: list[str]) -> tuple[str, str] | None:
    """(reason, detail) when a CSV header cannot name a record's fields (a repeated name, no `text`); else None."""
    counts = Counter(header)  # linear: header.count(name) for each name was quadratic in the number of columns
    duplicated = sorted(name for name, n in counts.items() if n > 1)
    if duplicated:
        return "duplicate_columns", f"the CSV header repeats {_some_names(duplicated)}"
    if "text" not in counts:
        return "no_text_column", f"the CSV header ({len(header)} columns: {_some_names(header)}) has no `text` column"
    return None


def parse_csv(text: str, rel: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Item]:
    """A CSV file with a header row naming the record fields; each row is a record.

    A row with more or fewer fields than the header is quarantined whole (`ragged_row`) rather than
    read with its text cut or shifted; an unterminated quote stops the file with `malformed_csv`.
    """
    rows = _csv_rows(text)
    first = next(rows, None)
    if first is None:
        return
    line, header = first
    if isinstance(header, csv.Error):
        yield QuarantineRow.of(f"{rel}#{line}", "ingest", "malformed_csv", str(header), text)
        return
    header = [h.lstrip("\ufeff").strip() for h in header]
    problem = _header_problem(header)
    for line, values in rows:
        ref = f"{rel}#{line}"
        if isinstance(values, csv.Error):
            yield QuarantineRow.of(ref, "ingest", "malformed_csv", str(values), text)
            return
        row = dict(zip(header, values, strict=False))  # ragged rows are quarantined just below
        if problem and problem[0] == "duplicate_columns":
            yield QuarantineRow.of(ref, "ingest", *problem, values)
        elif len(values) != len(header):
            yield QuarantineRow.of(
                as_text(row.get("id")) or ref, "ingest", "ragged_row",
                f"{len(values)} fields where the header has {len(header)}", values,
            )
        elif problem:
            yield QuarantineRow.of(as_text(row.get("id")) or ref, "ingest", *problem, row)
        else:
            yield record_from_mapping(row, ref, f"{origin}#{line}", max_record_bytes)


def _line_count(text: str) -> int:
    """Lines of a text ended by "\\n", "\\r" or "\\r\\n": at least as many as its JSON lines or CSV rows."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (1 if text and text[-1] not in "\r\n" else 0)


# The units a structured text's items come from, counted without parsing a record, and how many lead
# units are not items (a CSV's header; a header that does not tokenize is one item, within any limit).
_UNITS: dict[str, tuple[Callable[[str], Iterator[Any]], int]] = {".jsonl": (_jsonl_lines, 0), ".csv": (_csv_rows, 1)}


def _more_items_than(limit: int, text: str, suffix: str) -> bool:
    """Whether a JSON-lines or CSV text yields more than `limit` items, found without decoding a record.

    Every item starts on a line of its own, so a text of at most `limit` lines (besides a CSV header)
    is within the limit and is parsed once. Only a longer one pays a counting pass first: its non-blank
    lines, or its CSV rows tokenized but not made into records; memory stays one row, not 100,001 records.
    """
    units, lead = _UNITS[suffix]
    if _line_count(text) - lead <= limit:
        return False
    return sum(1 for _ in itertools.islice(units(text), lead, limit + lead + 1)) > limit


def _too_many_records(rel: str, origin: str, data: bytes, limit: int) -> QuarantineRow:
    """The one row of a file over the per-file record limit: refused whole, not cut (half a file would look complete)."""
    return QuarantineRow.of(
        rel, "ingest", "too_many_records",
        f"more than {limit} records in one file (CONFLICT_EVENTS_MAX_RECORDS_PER_FILE); none of its records were read: "
        "split the file or raise the limit",
        bytes_payload(origin, data),
    )


def parse_file(
    data: bytes, rel: str, origin: str, max_record_bytes: int = MAX_RECORD_BYTES, max_records: int = MAX_RECORDS_PER_FILE
) -> Iterator[Item]:
    """Decode one file's bytes and parse them by suffix, once; a file over `max_records` records is quarantined whole."""
    suffix = Path(rel).suffix.lower()
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        yield QuarantineRow.of(rel, "ingest", exc.reason, exc.detail, bytes_payload(origin, data))
        return
    if suffix == ".json":
        loaded = _load_json(text, rel)  # a JSON document is parsed whole anyway: its length is the count
        if isinstance(loaded, QuarantineRow):
            yield loaded
        elif len(loaded[0]) > max_records:
            yield _too_many_records(rel, origin, data, max_records)
        else:
            yield from _json_items(*loaded, rel, origin, max_record_bytes)
    elif suffix in (".jsonl", ".csv"):
        if _more_items_than(max_records, text, suffix):
            yield _too_many_records(rel, origin, data, max_records)
        else:
            yield from (parse_jsonl if suffix == ".jsonl" else parse_csv)(text, rel, origin, max_record_bytes)
    elif suffix in (".html", ".htm") or looks_like_html(text):
        yield from parse_html(text, rel, origin)  # a web page saved as .txt is still a web page
    else:
        yield RawRecord(source_ref=rel, text=text, origin=origin)
