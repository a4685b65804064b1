"""One parsed object (a JSON object or CSV row) -> a RawRecord, or a quarantine row saying why not."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from conflict_events.models import RECORD_FIELDS, QuarantineRow, RawRecord
from tasks.ingest.decode import bytes_payload
from tasks.ingest.markup import html_to_text, looks_like_html

# Defaults of the two ingest limits (Settings.max_record_bytes / max_records_per_file override them).
MAX_RECORD_BYTES = 5_000_000
MAX_RECORDS_PER_FILE = 100_000

Item = RawRecord | QuarantineRow
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str, every surrogate is a lone one (pairs decode to one code point)


def safe_str(value: str) -> str:
    """A string that can be written as UTF-8: lone surrogates (a JSON "\\ud83d" cut mid-emoji) become U+FFFD."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return LONE_SURROGATE.sub("\ufffd", value)


def safe_path(rel: str) -> str:
    """A file name as text even when it is not UTF-8 on disk (undecodable bytes shown as \\xNN)."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def as_text(value: Any) -> str | None:
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
    own_id = as_text(obj.get("id"))
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
    extra = {k: as_text(v) for k, v in obj.items() if k not in RECORD_FIELDS}
    text = safe_str(text)
    if looks_like_html(text):
        text = html_to_text(text)
        extra["text_format"] = "html"  # the payload says the stored text was extracted from markup
    return RawRecord(
        source_ref=ref,
        text=text,
        has_own_id=own_id is not None,
        title=as_text(obj.get("title")),
        source=as_text(obj.get("source")),
        url=as_text(obj.get("url")),
        published=as_text(obj.get("published")),
        origin=origin,
        extra=extra,
    )
