"""Raw responses kept so any article can be extracted again: the lake's `responses` table, and WARC files of it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

import pyarrow as pa

from conflict_events.schemas import RESPONSES_SCHEMA

from tasks.ingest.fetch.client import Fetched


# Headers that described the bytes on the wire, not the decoded body kept: a WARC reader would act on them.
_WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


class ResponseArchive:
    """Every response with a body that a run read (feeds and pages), as rows of RESPONSES_SCHEMA."""

    def __init__(self) -> None:
        self._rows: list[dict] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, response: Fetched, source: str) -> None:
        self._rows.append(
            {
                "url": response.url,
                "final_url": response.final_url,
                "fetched_at": response.fetched_at,
                "status": response.status,
                "headers": json.dumps([list(pair) for pair in response.headers], ensure_ascii=False),
                "body": response.body,
                "sha256": response.sha256,
                "source": source,
            }
        )

    def to_table(self) -> pa.Table:
        return pa.Table.from_pylist(self._rows, schema=RESPONSES_SCHEMA)

    def drain(self) -> pa.Table:
        """The rows added since the last drain, removed from memory (a run spools them batch by batch)."""
        table, self._rows = self.to_table(), []
        return table


def _warc_date(value: datetime) -> str:
    """A WARC 1.1 date: UTC, ISO 8601, microseconds kept."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_warc(table: pa.Table, path: str | Path) -> int:
    """Write `responses` rows as WARC 1.1 response records (gzipped when `path` ends in .gz); returns how many.

    The body is the decoded one, so the wire headers go under X-Archive-Orig-* and Content-Length is the body's.
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = Path(path)
    count = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"), warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "conflict-events", "format": "WARC File Format 1.1"}))
        for row in table.to_pylist():
            body = row["body"] or b""
            headers = []
            for name, value in json.loads(row["headers"] or "[]"):
                headers.append((f"X-Archive-Orig-{name}" if name.lower() in _WIRE_HEADERS else name, value))
            headers.append(("Content-Length", str(len(body))))
            try:
                phrase = HTTPStatus(row["status"]).phrase
            except ValueError:
                phrase = "Unknown"
            http_headers = StatusAndHeaders(f"{row['status']} {phrase}", headers, protocol="HTTP/1.1")
            warc_headers = {"WARC-Date": _warc_date(row["fetched_at"])}  # warcio adds the record id and digests
            if row["url"] != row["final_url"]:
                warc_headers["WARC-Refers-To-Target-URI"] = row["url"]  # the URL asked for, before redirects
            record = writer.create_warc_record(
                row["final_url"], "response", payload=BytesIO(body), http_headers=http_headers, warc_headers_dict=warc_headers,
            )
            writer.write_record(record)
            count += 1
    return count
