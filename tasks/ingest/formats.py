"""One file's bytes -> items: decode, then parse by suffix (jsonl, json, csv, html, plain text) within the limits."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from conflict_events.models import QuarantineRow, RawRecord
from tasks.ingest.decode import DecodeError, bytes_payload, decode_bytes
from tasks.ingest.markup import looks_like_html, parse_html
from tasks.ingest.records import MAX_RECORD_BYTES, MAX_RECORDS_PER_FILE, Item, as_text, record_from_mapping, record_too_large

STRUCTURED_SUFFIXES = (".json", ".jsonl", ".csv")
SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl", ".csv")

# Turns one parsed object (a JSON object or CSV row) into an item: record_from_mapping, or a counter's stand-in.
ToItem = Callable[[Any, str, str, int], Any]


def _json_error(exc: Exception) -> str:
    """A short account of why a JSON text did not parse."""
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
                    as_text(row.get("id")) or ref, "ingest", "ragged_row",
                    f"{len(values)} fields where the header has {len(header)}", values,
                )
            elif "text" not in header:
                yield QuarantineRow.of(
                    as_text(row.get("id")) or ref, "ingest", "no_text_column", f"the CSV header {header} has no `text` column", row
                )
            else:
                yield to_item(row, ref, f"{origin}#{ref.rsplit('#', 1)[1]}", max_record_bytes)
    except csv.Error as exc:
        yield QuarantineRow.of(f"{rel}#{reader.line_num}", "ingest", "malformed_csv", str(exc), text)


_STRUCTURED_PARSERS = {".jsonl": parse_jsonl, ".json": parse_json, ".csv": parse_csv}


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
        parser = _STRUCTURED_PARSERS[suffix]
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
