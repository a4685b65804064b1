"""The fetch state and the response archive as lake tables, and the archive as a WARC file read back with warcio."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import pyarrow as pa
import pytest

from tasks.ingest.fetch import FETCH_STATE_SCHEMA, RESPONSES_SCHEMA, FetchState, ResponseArchive, UrlState, write_warc
from tests.tasks.fetch.fetch_fixtures import HTML, KONDUGA, MOGADISHU, clock, server, source  # noqa: F401 (fixtures)
from tests.tasks.fetch.server import Reply

WHEN = datetime(2024, 5, 6, 10, 0, 0, 123456, tzinfo=timezone.utc)


def test_fetch_state_round_trip():
    state = FetchState([
        UrlState("https://b.example.org/2", "wire", '"e2"', "Mon, 06 May 2024 10:00:00 GMT", "", "ab" * 32, 200, WHEN),
        UrlState("https://a.example.org/1", "wire", None, None, None, None, None, None),
    ])
    table = state.to_table()
    assert table.schema == FETCH_STATE_SCHEMA and table.column("url").to_pylist() == ["https://a.example.org/1", "https://b.example.org/2"]
    again = FetchState.from_table(table)
    assert sorted(again, key=lambda r: r.url) == sorted(state, key=lambda r: r.url)
    assert again.validators("https://b.example.org/2").headers() == {"If-None-Match": '"e2"', "If-Modified-Since": "Mon, 06 May 2024 10:00:00 GMT"}
    assert again.validators("https://a.example.org/1") is None and "https://a.example.org/1" in again


def test_fetch_state_from_nothing_or_an_older_table():
    assert len(FetchState.from_table(None)) == 0
    assert len(FetchState.from_table(FETCH_STATE_SCHEMA.empty_table())) == 0
    older = pa.table({"url": ["https://a.example.org/1"], "etag": ['"x"'], "retired_column": [1]})
    row = FetchState.from_table(older).get("https://a.example.org/1")
    assert row.etag == '"x"' and row.content_sha256 is None and row.last_status is None


def test_fetch_state_after_a_run_is_one_row_per_url(server, clock):
    url = server.route("/a", Reply(200, KONDUGA, {**HTML, "ETag": '"k1"'}))
    state = FetchState()
    list(source("page", url, clock, state).read())
    (row,) = state.to_table().to_pylist()
    assert row["url"] == url and row["etag"] == '"k1"' and row["last_status"] == 200 and row["source"] == "test"
    assert len(row["content_sha256"]) == 64 and row["last_fetched_at"].tzinfo is not None


@pytest.mark.parametrize("name", ["responses.warc.gz", "responses.warc"])
def test_archive_table_and_warc_round_trip(server, clock, tmp_path, name):
    from warcio.archiveiterator import ArchiveIterator

    old = server.route("/old", Reply(301, redirect="/gz"))
    server.route("/gz", Reply(200, gzip.compress(KONDUGA), {**HTML, "Content-Encoding": "gzip", "Set-Cookie": "a=1"}))
    plain = server.route("/plain", Reply(200, MOGADISHU, HTML))
    archive = ResponseArchive()
    for url in (old, plain):
        list(source("page", url, clock, archive=archive).read())
    table = archive.to_table()
    assert table.schema == RESPONSES_SCHEMA and table.num_rows == 2
    first = table.to_pylist()[0]
    assert (first["url"], first["final_url"], first["status"], first["source"]) == (old, server.url("/gz"), 200, "test")
    assert first["body"] == KONDUGA and len(first["sha256"]) == 64
    assert ["content-encoding", "gzip"] in json.loads(first["headers"])

    path = tmp_path / name
    assert write_warc(table, path) == 2
    with path.open("rb") as stream:
        records = [r for r in ArchiveIterator(stream)]
        assert [r.rec_type for r in records] == ["warcinfo", "response", "response"]
    with path.open("rb") as stream:
        read = [
            (r.rec_headers.protocol, r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-Refers-To-Target-URI"),
             r.http_headers.get_statuscode(), r.http_headers.get_header("X-Archive-Orig-content-encoding"), r.content_stream().read())
            for r in ArchiveIterator(stream) if r.rec_type == "response"
        ]
    assert read == [
        ("WARC/1.1", server.url("/gz"), old, "200", "gzip", KONDUGA),
        ("WARC/1.1", plain, None, "200", None, MOGADISHU),
    ]
    assert [body for *_, body in read] == table.column("body").to_pylist()


def test_empty_archive():
    assert ResponseArchive().to_table().schema == RESPONSES_SCHEMA
