"""ingest: every input record becomes a record or a quarantine row with a reason."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from conflict_events.schemas import SCHEMAS
from tasks.ingest import DecodeError, FileSource, InMemorySource, decode_bytes, next_batch, read_sources, stream_sources

ARTICLE = "Gunmen killed five villagers in the town of Konduga on Sunday, residents said."


@pytest.mark.parametrize(
    "data, encoding",
    [
        (ARTICLE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"), "utf-8-sig"),
        (ARTICLE.encode("utf-16"), "utf-16"),
        (ARTICLE.encode("utf-16-le"), "utf-16-le"),
        (ARTICLE.encode("utf-16-be"), "utf-16-be"),
        ("Kérou’s mayor said “two” died.".encode("cp1252"), "cp1252"),
    ],
)
def test_decodes_supported_encodings(data, encoding):
    text, found = decode_bytes(data)
    assert found == encoding
    assert text.lstrip("\ufeff") in (ARTICLE, "Kérou’s mayor said “two” died.")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)), "binary"),
        (b"\x81\x8d\x90\x9d\xff\xfe\x8f\x81abc", "undecodable"),
        (bytes(range(0x80, 0xFF)) * 3, "undecodable"),
    ],
)
def test_rejects_bytes_that_are_not_text(data, reason):
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data)
    assert caught.value.reason == reason


def test_folder_of_mixed_files_yields_records_and_reasons(tmp_path):
    (tmp_path / "good.txt").write_text(" date 2024-01-02 " + ARTICLE)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "README.md").write_text("about these files")
    lines = [json.dumps({"id": "a1", "text": ARTICLE, "published": "2024-01-02"}), "{broken", json.dumps({"id": "a2", "title": "no text"}), "", json.dumps([1, 2])]
    (tmp_path / "batch.jsonl").write_text("\n".join(lines))
    (tmp_path / "table.csv").write_text('id,title,text\nc1,T,"' + ARTICLE.replace('"', '""') + '"\n')
    (tmp_path / "notext.csv").write_text("id,title\nn1,Only a title\n")
    (tmp_path / "one.json").write_text(json.dumps({"text": ARTICLE, "source": "wire"}))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nested.txt").write_text(ARTICLE)

    records, quarantined = read_sources([FileSource(tmp_path)])

    assert sorted(r.source_ref for r in records) == ["a1", "c1", "good.txt", "one.json", "sub/nested.txt"]
    reasons = {q.record_ref: q.reason for q in quarantined}
    assert reasons == {
        "empty.txt": "empty_file",
        "blob.txt": "binary",
        "photo.png": "unsupported_file_type",
        "batch.jsonl#2": "malformed_json",
        "a2": "no_text_field",
        "batch.jsonl#5": "not_an_object",
        "n1": "no_text_column",
        "README.md": "ignored_file",
    }
    assert all(q.stage == "ingest" and q.detail and q.payload for q in quarantined)
    assert json.loads(next(q for q in quarantined if q.reason == "malformed_json").payload) == "{broken"


def test_record_ids_default_to_file_and_row(tmp_path):
    (tmp_path / "x.jsonl").write_text(json.dumps({"text": ARTICLE}) + "\n" + json.dumps({"text": ARTICLE + " Again."}))
    records, _ = read_sources([FileSource(tmp_path / "x.jsonl")])
    assert [r.source_ref for r in records] == ["x.jsonl#1", "x.jsonl#2"]


def test_missing_input_is_quarantined_not_raised(tmp_path):
    records, quarantined = read_sources([FileSource(tmp_path / "nope")])
    assert records == [] and quarantined[0].reason == "input_not_found"


def test_oversized_text_file_is_quarantined_with_its_size_and_only_its_head(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000)
    records, quarantined = read_sources([FileSource(tmp_path, max_record_bytes=1000)])
    assert records == []
    assert quarantined[0].reason == "too_large"
    payload = json.loads(quarantined[0].payload)
    assert payload["size"] == 5000 and payload["head_bytes"] == 5000 and base64.b64decode(payload["base64"]) == b"word " * 1000


def test_a_sparse_file_of_1_tib_is_refused_by_its_size_without_being_read(tmp_path):
    size = (1 << 40) + 1
    try:
        with open(tmp_path / "huge.txt", "wb") as handle:
            handle.seek(size - 1)
            handle.write(b"x")  # sparse: one block on disk
    except OSError as exc:
        pytest.skip(f"this filesystem has no sparse files: {exc}")
    started = time.perf_counter()
    records, quarantined = read_sources([FileSource(tmp_path)])
    elapsed = time.perf_counter() - started
    assert elapsed < 1  # it was hashed whole before: 20 GiB took 62 s, so 1 TiB about an hour
    assert records == [] and [q.reason for q in quarantined] == ["too_large"]
    row = quarantined[0]
    assert f"{size} bytes is over the 5000000-byte limit" in row.detail and "only 65536 bytes of it were read" in row.detail
    payload = json.loads(row.payload)
    assert payload["size"] == size and payload["truncated"] is True
    assert "sha256" not in payload  # no checksum that could pass for the whole file's
    assert payload["head_sha256"] == hashlib.sha256(bytes(65536)).hexdigest() and payload["head_bytes"] == 65536


def test_a_file_that_grows_after_it_was_measured_is_still_held_to_the_limit(tmp_path, monkeypatch):
    (tmp_path / "growing.txt").write_text("word " * 1000)  # 5000 bytes by the time it is read
    (tmp_path / "settled.txt").write_text(ARTICLE)  # 79 bytes, measured while it was still 10
    real_stat = Path.stat

    def stale_stat(self, *args, **kwargs):
        info = real_stat(self, *args, **kwargs)
        if self.name not in ("growing.txt", "settled.txt"):
            return info
        return os.stat_result((*info[:6], 10, *info[7:10]))  # stat saw 10 bytes: the writer was not done yet

    monkeypatch.setattr(Path, "stat", stale_stat)
    records, quarantined = read_sources([FileSource(tmp_path, max_record_bytes=1000)])
    assert [r.text for r in records] == [ARTICLE]  # read whole, not cut at the size stat saw
    assert [(q.record_ref, q.reason) for q in quarantined] == [("growing.txt", "too_large")]
    assert json.loads(quarantined[0].payload)["size"] > 1000


def test_in_memory_source_applies_the_same_record_rules():
    records, quarantined = read_sources([InMemorySource([{"id": 7, "text": ARTICLE}, {"text": 12}])])
    assert records[0].source_ref == "7"
    assert quarantined[0].reason == "text_not_a_string"


def test_html_pages_give_their_main_text_and_metadata(tmp_path):
    page = f"""<html><head><title>Strike on Ariha</title><meta property="og:site_name" content="Levant Wire">
    <meta name="date" content="2024-03-19"></head><body><nav>Home | World | Sport</nav>
    <article><h1>Strike on Ariha</h1><p>{ARTICLE}</p><p>Rescue workers searched the rubble for survivors through the night,
    local volunteers said, as families gathered outside the damaged school.</p></article>
    <footer>Copyright Levant Wire. All rights reserved.</footer></body></html>"""
    (tmp_path / "page.html").write_text(page)
    (tmp_path / "empty.html").write_text("<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>")
    records, quarantined = read_sources([FileSource(tmp_path)])
    assert [r.source_ref for r in records] == ["page.html"]
    assert ARTICLE in records[0].text and "Copyright" not in records[0].text and "Home | World" not in records[0].text
    assert records[0].title == "Strike on Ariha" and records[0].published == "2024-03-19"
    assert quarantined[0].reason == "no_text_in_html"


def test_json_that_breaks_parsers_is_quarantined_not_raised(tmp_path):
    lines = [
        json.dumps({"id": "sep", "text": ARTICLE + "\u2028Second paragraph."}, ensure_ascii=False),  # U+2028 raw
        '{"id": "emoji", "text": "' + ARTICLE + ' \\ud83d"}',  # a lone surrogate escape
        '{"id": "big", "text": "x", "n": ' + "9" * 5000 + "}",
        "[" * 100_000,
        json.dumps({"id": "nested", "text": ARTICLE, "extra": json.loads("[" * 300 + "]" * 300)}),
    ]
    (tmp_path / "odd.jsonl").write_text("\n".join(lines), encoding="utf-8")
    records, quarantined = read_sources([FileSource(tmp_path)])
    by_ref = {r.source_ref: r for r in records}
    assert set(by_ref) == {"sep", "emoji", "nested"}
    assert "\u2028" in by_ref["sep"].text
    assert by_ref["emoji"].text.endswith("\ufffd") and by_ref["emoji"].text.encode("utf-8")
    assert isinstance(by_ref["nested"].extra["extra"], str)
    assert sorted(q.reason for q in quarantined) == ["malformed_json", "malformed_json"]


def test_a_rejected_record_holding_a_lone_surrogate_is_kept_exactly_and_can_be_written(tmp_path):
    # Found by the fuzzing harness: this line once crashed the whole run when its quarantine row was written.
    (tmp_path / "odd.jsonl").write_text('{"title": "\\udc00 Idlib"}\n{"id": "\\ud800x", "text": 5}\n', encoding="utf-8")
    records, quarantined = read_sources([FileSource(tmp_path)])
    assert records == []
    by_reason = {q.reason: q for q in quarantined}
    assert json.loads(by_reason["no_text_field"].payload) == {"title": "\udc00 Idlib"}  # exact, not replaced
    assert by_reason["text_not_a_string"].record_ref == "\ufffdx"  # as every text field: U+FFFD for the lone half
    table = pa.Table.from_pylist([q.as_record() for q in quarantined], schema=SCHEMAS["quarantine"])
    assert table.num_rows == 2


def test_csv_rows_that_do_not_fit_the_header_are_quarantined_whole(tmp_path):
    (tmp_path / "ragged.csv").write_text(
        "id,text\n1,Forces shelled Idlib on Monday, killing five civilians.\n2,\"" + ARTICLE + "\"\n3\n"
    )
    (tmp_path / "dupe.csv").write_text("text,text\na,b\n")
    (tmp_path / "quote.csv").write_text('id,text\n1,"unterminated\n2,fine\n')
    (tmp_path / "bom.csv").write_text("\ufeffid,text\nb1,\"" + ARTICLE + "\"\n", encoding="utf-8")
    records, quarantined = read_sources([FileSource(tmp_path)])
    assert sorted(r.source_ref for r in records) == ["2", "b1"]
    reasons = sorted((q.record_ref, q.reason) for q in quarantined)
    assert reasons == [("1", "ragged_row"), ("3", "ragged_row"), ("dupe.csv#2", "duplicate_columns"), ("quote.csv#3", "malformed_csv")]
    assert "killing five civilians" in next(q.payload for q in quarantined if q.record_ref == "1")


def test_a_csv_header_of_200000_columns_is_checked_in_linear_time(tmp_path):
    names = [f"c{i}" for i in range(200_000)]
    (tmp_path / "wide.csv").write_text(",".join([*names, "text"]) + "\n" + "x," * len(names) + f'"{ARTICLE}"\n')
    (tmp_path / "wide-dupe.csv").write_text(",".join([*names, "c9", "c7", "text"]) + f'\nx,"{ARTICLE}"\n')
    started = time.perf_counter()
    records, quarantined = read_sources([FileSource(tmp_path)])
    assert time.perf_counter() - started < 5  # the quadratic duplicate check took about 20 minutes
    assert [(r.source_ref, r.text) for r in records] == [("wide.csv#2", ARTICLE)]
    assert [(q.record_ref, q.reason, q.detail) for q in quarantined] == [
        ("wide-dupe.csv#2", "duplicate_columns", "the CSV header repeats ['c7', 'c9']")
    ]


def test_csv_header_problems_name_a_few_columns_not_the_whole_header(tmp_path):
    names = [f"col{i}" for i in range(1000)]
    (tmp_path / "dupes.csv").write_text(",".join(names + names) + "\n" + "a\nb\n")
    (tmp_path / "no-text.csv").write_text(",".join(names) + "\n" + ",".join("x" * 1000) + "\n")
    _, quarantined = read_sources([FileSource(tmp_path)])
    details = {q.record_ref: (q.reason, q.detail) for q in quarantined}
    assert details["dupes.csv#2"] == ("duplicate_columns", f"the CSV header repeats {sorted(names)[:10]} and 990 more")
    assert details["dupes.csv#3"][0] == "duplicate_columns"
    assert details["no-text.csv#2"] == ("no_text_column", f"the CSV header (1000 columns: {names[:10]} and 990 more) has no `text` column")


def test_each_structured_file_is_parsed_once(tmp_path, monkeypatch):
    from tasks.ingest import formats

    calls = Counter()
    real_loads, real_reader = formats.json.loads, formats.csv.reader
    monkeypatch.setattr(formats.json, "loads", lambda *a, **k: calls.update(["json"]) or real_loads(*a, **k))
    monkeypatch.setattr(formats.csv, "reader", lambda *a, **k: calls.update(["csv"]) or real_reader(*a, **k))
    rows = [json.dumps({"id": f"l{i}", "text": f"{ARTICLE} Line {i}."}) for i in range(5)]
    (tmp_path / "feed.jsonl").write_text("\n\n".join(rows))  # 9 lines, more than the limit, 5 records
    (tmp_path / "list.json").write_text(json.dumps([{"id": f"j{i}", "text": f"{ARTICLE} Item {i}."} for i in range(5)]))
    (tmp_path / "table.csv").write_text("id,text\n" + "".join(f'c{i},"{ARTICLE} Row {i}."\n' for i in range(5)))
    records, quarantined = read_sources([FileSource(tmp_path, max_records_per_file=5)])
    assert quarantined == [] and len(records) == 15
    assert calls == {"json": 5 + 1, "csv": 1}  # one decode per JSON line, one per JSON file, one CSV reader

    calls.clear()
    (tmp_path / "feed.jsonl").write_text("\n".join(rows + rows[:1]))
    (tmp_path / "list.json").write_text(json.dumps([{"text": f"{ARTICLE} Item {i}."} for i in range(6)]))
    (tmp_path / "table.csv").unlink()
    records, quarantined = read_sources([FileSource(tmp_path, max_records_per_file=5)])
    assert records == [] and [(q.record_ref, q.reason) for q in quarantined] == [("feed.jsonl", "too_many_records"), ("list.json", "too_many_records")]
    assert calls == {"json": 1}  # the JSON-lines file was counted by its lines, no record decoded


def test_odd_folder_entries_each_leave_a_row(tmp_path):
    import os

    (tmp_path / "good.txt").write_text(ARTICLE)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text(ARTICLE + " Again.")
    records, quarantined = read_sources([FileSource(tmp_path)])
    assert sorted(r.source_ref for r in records) == ["caf\\xe9.txt", "good.txt"]
    reasons = {q.record_ref: q.reason for q in quarantined}
    assert reasons == {".git": "ignored_folder", "dangling.txt": "unreadable", "pipe.txt": "not_a_regular_file"}


def test_a_stray_byte_in_utf8_does_not_turn_the_file_into_cp1252_mojibake():
    data = "Al‑Bab – café: jets struck the town, killing four.".encode("utf-8") + b" \xe9 " + b"More text follows here." * 20
    text, encoding = decode_bytes(data)
    assert encoding == "utf-8 (with replacements)"
    assert "café" in text and "\ufffd" in text


def test_a_record_over_the_size_limit_is_quarantined_and_its_neighbours_read(tmp_path):
    lines = [json.dumps({"id": "ok1", "text": ARTICLE}), json.dumps({"id": "huge", "text": "word " * 400}), json.dumps({"id": "ok2", "text": ARTICLE + " More."})]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines))
    (tmp_path / "rows.csv").write_text('id,text\nc-huge,"' + "word " * 400 + '"\nc-ok,"' + ARTICLE + '"\n')
    records, quarantined = read_sources([FileSource(tmp_path, max_record_bytes=1000)])
    assert sorted(r.source_ref for r in records) == ["c-ok", "ok1", "ok2"]
    rows = {q.record_ref: q for q in quarantined}
    assert {r: q.reason for r, q in rows.items()} == {"feed.jsonl#2": "record_too_large", "c-huge": "record_too_large"}
    assert "over the 1000-byte limit for one record (CONFLICT_EVENTS_MAX_RECORD_BYTES)" in rows["feed.jsonl#2"].detail
    assert json.loads(rows["feed.jsonl#2"].payload)["size"] == len(lines[1])


def test_a_file_with_more_records_than_the_limit_is_quarantined_whole(tmp_path):
    (tmp_path / "many.jsonl").write_text("\n".join(json.dumps({"text": f"{ARTICLE} Report {i}."}) for i in range(6)))
    (tmp_path / "few.jsonl").write_text("\n".join(json.dumps({"text": f"{ARTICLE} Item {i}."}) for i in range(5)))
    (tmp_path / "many.csv").write_text("text\n" + "".join(f'"{ARTICLE} Row {i}."\n' for i in range(6)))
    (tmp_path / "tall.csv").write_text("id,text\n" + "".join(f'c{i},"{ARTICLE}\n\nRow {i}."\n\n' for i in range(5)))  # 21 lines, 5 rows
    records, quarantined = read_sources([FileSource(tmp_path, max_records_per_file=5)])
    assert sorted(r.source_ref for r in records) == [f"c{i}" for i in range(5)] + [f"few.jsonl#{i}" for i in range(1, 6)]
    assert sorted((q.record_ref, q.reason) for q in quarantined) == [("many.csv", "too_many_records"), ("many.jsonl", "too_many_records")]
    assert "more than 5 records in one file (CONFLICT_EVENTS_MAX_RECORDS_PER_FILE)" in quarantined[0].detail


def test_html_passed_as_text_is_read_as_a_web_page(tmp_path):
    page = (
        "<!DOCTYPE html><html><head><title>Clashes in Konduga</title><script>track()</script></head><body>"
        f"<nav>Home | World</nav><article><p>{ARTICLE}</p><p>Residents said the attackers arrived on motorcycles "
        "at dawn and set fire to the market before soldiers reached the town.</p></article></body></html>"
    )
    (tmp_path / "saved.txt").write_text(page)
    fragment = f"<p>{ARTICLE}</p><p>More <b>detail</b> followed.</p><script>alert(1)</script>"
    (tmp_path / "feed.jsonl").write_text(json.dumps({"id": "frag", "text": fragment}))
    records, quarantined = read_sources([FileSource(tmp_path)])
    by_ref = {r.source_ref: r for r in records}
    assert quarantined == []
    assert ARTICLE in by_ref["saved.txt"].text and "<" not in by_ref["saved.txt"].text and "track()" not in by_ref["saved.txt"].text
    assert ARTICLE in by_ref["frag"].text and "alert" not in by_ref["frag"].text and "<p>" not in by_ref["frag"].text
    assert by_ref["frag"].extra["text_format"] == "html"


@pytest.mark.parametrize("change", ["deleted", "dangling", "folder"])
def test_a_file_that_disappears_while_the_folder_is_read_leaves_a_row(tmp_path, change):
    import os

    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"{ARTICLE} File {name}.")
    items = FileSource(tmp_path).read()
    first = next(items)  # the folder has been listed; b.txt now vanishes or turns into something unreadable
    (tmp_path / "b.txt").unlink()
    if change == "dangling":
        os.symlink(tmp_path / "gone.txt", tmp_path / "b.txt")
    elif change == "folder":
        (tmp_path / "b.txt").mkdir()
    rest = list(items)
    assert first.source_ref == "a.txt" and rest[1].source_ref == "c.txt"
    row = rest[0]
    assert (row.record_ref, row.stage) == ("b.txt", "ingest")
    assert row.reason == ("not_a_regular_file" if change == "folder" else "unreadable")


def test_the_stream_reads_a_file_only_when_a_batch_needs_it(tmp_path):
    for n in range(3):
        (tmp_path / f"feed-{n}.jsonl").write_text("\n".join(json.dumps({"id": f"f{n}-{i}", "text": ARTICLE}) for i in range(4)))
    (tmp_path / "z-broken.json").write_text("{not json")  # listed last
    stream = stream_sources([FileSource(tmp_path)])
    records, quarantined, exhausted = next_batch(stream, 3)
    assert [r.source_ref for r in records] == ["f0-0", "f0-1", "f0-2"] and not exhausted
    (tmp_path / "feed-2.jsonl").unlink()  # not read yet: the stream never opened it
    batches = [next_batch(stream, 3)]
    while not batches[-1][2]:
        batches.append(next_batch(stream, 3))
    refs = [r.source_ref for b in batches for r in b[0]]
    assert refs == ["f0-3", "f1-0", "f1-1", "f1-2", "f1-3"]
    reasons = [q.reason for b in batches for q in b[1]]
    assert reasons == ["unreadable", "malformed_json"]  # the vanished file is a row too, not a gap
    assert [len(b[0]) + len(b[1]) for b in batches] == [3, 3, 1]  # quarantine rows count towards a batch


def test_a_file_within_the_record_limit_streams_its_records_in_order(tmp_path):
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps({"id": f"r{i}", "text": ARTICLE}) for i in range(5)))
    stream = stream_sources([FileSource(tmp_path, max_records_per_file=5)])
    first, _, _ = next_batch(stream, 2)
    rest, _, exhausted = next_batch(stream, 10)
    assert [r.source_ref for r in first + rest] == ["r0", "r1", "r2", "r3", "r4"] and exhausted
