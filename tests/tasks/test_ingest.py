"""ingest: every input record becomes a record or a quarantine row with a reason."""

from __future__ import annotations

import json

import pytest

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


def test_oversized_text_file_is_quarantined_with_its_checksum(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000)
    records, quarantined = read_sources([FileSource(tmp_path, max_record_bytes=1000)])
    assert records == []
    assert quarantined[0].reason == "too_large"
    assert json.loads(quarantined[0].payload)["size"] == 5000


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
    records, quarantined = read_sources([FileSource(tmp_path, max_records_per_file=5)])
    assert sorted(r.source_ref for r in records) == [f"few.jsonl#{i}" for i in range(1, 6)]
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
