"""Hypothesis strategies for input folders: odd file names and trees, every supported format in hostile shapes.

A generated file knows how many records it holds, so a property can check that reading it gives one item per
record or one row for the whole file. Shapes: JSON nested past the recursion limit, 6000-digit integers, lone
surrogate escapes, NUL bytes, byte-order marks mid-file, CSV headers of 100,000 columns, duplicate and ragged
columns, unterminated quotes, mixed encodings in one file, binary blobs, deeply nested HTML, and names with
spaces, newlines, right-to-left marks, non-UTF-8 bytes, dots and 200 characters; symlink loops, dangling links,
FIFOs and a sparse 2 TiB file beside them.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from tasks.ingest import safe_path
from tasks.ingest.formats import STRUCTURED_SUFFIXES, SUPPORTED_SUFFIXES
from tasks.ingest.records import MAX_RECORD_BYTES, MAX_RECORDS_PER_FILE
from tasks.ingest.sources import IGNORED_NAMES
from tests.fuzz.texts import hostile_articles, published_values, sentences
from tests.fuzz.vocabulary import ODD_CHARACTERS

FOLDERS = ("sub", "ünï cødé", "with space", "2024-01", "-dash", ".hidden")
ODD_STEMS = (
    "a b", "e\u0301t\u00e9", "\u540d\u524d", "\u202etxt.exe", "-rf", "semi;colon", "new\nline", "tab\there", "back\\slash", "quote'\"",
    "..dots", "CON", "nul", "x" * 200, "caf\udce9", "\udcff\udcfe", "$HOME", "*", "?", "%s%n", "a:b", " lead", "trail ", "\u200b",
    "\U0001f4a3", "#hash", "a#1",
)
SUFFIXES = {
    "text": (".txt", ".TXT", ".Txt"), "html": (".html", ".htm", ".HTML"), "jsonl": (".jsonl", ".JSONL", ".txt.jsonl"),
    "json": (".json", ".Json", ".csv.json"), "csv": (".csv", ".CSV"), "other": ("", ".md", ".parquet", ".txt ", ".json~", ".pdf", ".gz"),
}
DEPTHS = (1, 50, 900, 990, 1000, 1100, 5000, 100_000)  # around the interpreter's recursion limit, and far past it


@dataclass(frozen=True)
class FuzzFile:
    """A file to write: its folders and name, its bytes, and how many records it holds."""

    path: tuple[str, ...]
    data: bytes
    records: int  # a text, HTML or unsupported file is one item


@dataclass(frozen=True)
class FuzzTree:
    """An input folder: files, special entries (symlink loop, dangling link, FIFO, link to a file, sparse 2 TiB file), ingest limits."""

    files: tuple[FuzzFile, ...]
    specials: tuple[str, ...]
    max_record_bytes: int
    max_records: int


@dataclass(frozen=True)
class Expected:
    """What reading one entry must give: `items` rows, or a single row for the whole file when `whole_file` may apply."""

    items: int
    whole_file: bool


def _name_ok(name: str, allow_hash: bool) -> bool:
    """A name one file system entry can have (and, in a tree of several files, one that cannot be mistaken for a row ref)."""
    return name not in (".", "..", *FOLDERS) and "/" not in name and "\x00" not in name and len(os.fsencode(name)) <= 255 and (allow_hash or "#" not in name)


def names(kind: str, allow_hash: bool) -> st.SearchStrategy[str]:
    """File names for a kind of content: odd stems, hidden or documentation names, random text; a suffix of that kind."""
    any_text = st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=30)
    stems = st.one_of(st.sampled_from(ODD_STEMS), any_text, st.just("."), st.just("article"))
    named = st.builds(lambda stem, suffix: stem + suffix, stems, st.sampled_from(SUFFIXES[kind]))
    return st.one_of(named, named, named, st.sampled_from(IGNORED_NAMES)).filter(lambda n: _name_ok(n, allow_hash))


def encode(text: str, encoding: str) -> bytes:
    """`text` in one encoding, or line by line in alternating UTF-8 and cp1252 ("mixed"); UTF-8 where cp1252 cannot say it."""
    if encoding == "mixed":
        return b"\n".join(encode(line, ("utf-8", "cp1252")[i % 2]) for i, line in enumerate(text.split("\n")))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


encodings = st.sampled_from(("utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252", "mixed"))
html_pages = st.one_of(
    st.builds(lambda title, body: f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article>{body}</article></body></html>",
              st.text(max_size=30), st.lists(sentences.map(lambda s: f"<p>{s}</p>"), max_size=8).map("".join)),
    st.sampled_from(DEPTHS[:6]).map(lambda d: "<html><body>" + "<div>" * d + "Rebels killed 5 people in Idlib." + "</div>" * d + "</body></html>"),
    st.sampled_from(("<p" * 1000, "<html>", "<script>alert(1)</script><p>x</p><p>y</p><p>z</p>", "<html><body></body></html>")),
)
field_text = st.one_of(sentences, hostile_articles, st.text(max_size=60), st.sampled_from(ODD_CHARACTERS), html_pages, st.just("word " * 2000))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=12,
)
ids = st.one_of(st.text(max_size=12), st.integers(), st.none(), st.just(""), json_values)


def record_objects(with_ids: bool) -> st.SearchStrategy[dict]:
    """JSON objects of the record fields, any of them missing, any of them of the wrong type."""
    optional = {"text": st.one_of(field_text, field_text, json_values), "title": st.one_of(st.text(max_size=40), json_values),
                "published": published_values, "url": st.text(max_size=40), "source": st.text(max_size=20), "extra": json_values}
    return st.fixed_dictionaries({}, optional={**optional, **({"id": ids} if with_ids else {})})


def _deep(depth: int) -> str:
    return '{"text": "Rebels killed 5 people in Idlib on Monday.", "extra": ' + "[" * depth + "]" * depth + "}"


RAW_LINES = (
    '{"text": "unterminated', "[1, 2]", '"a string"', "null", "3", '{"text": NaN}', '{"text": Infinity, "x": -Infinity}',
    '{"text": "a", "text": "b"}', '\ufeff{"text": "a byte-order mark before it"}', '{"text": "\\ud83d half an emoji"}', '{"text": "\\u0000 nul"}',
    '{"title": "\\udc00"}', '["\\ud800"]', "{}", '{"text": ""}', '{"text": null}', '{"text": 5}', '{"text": ["a"]}', '{"text": {"a": 1}}',
    '{"text": "x"} trailing', "\x00\x00\x00", "{'text': 'single quotes'}", '{"text": "\u2028 line separator \u2029 inside"}',
)
ID_LINES = ('{"text": "an id cut mid-emoji", "id": "\\ud83d"}', '{"text": "a numeric id", "id": 7}', '{"text": "a nested id", "id": {"a": [1]}}')


def raw_lines(with_ids: bool) -> st.SearchStrategy[str]:
    """One line of JSON-ish text that is not a clean record: nested past the limits, huge numbers, junk."""
    return st.one_of(
        st.sampled_from(DEPTHS).map(_deep), st.sampled_from(DEPTHS).map(lambda d: "[" * d + "]" * d),
        st.sampled_from(DEPTHS).map(lambda d: '{"a":' * d + "1" + "}" * d), st.integers(1, 6000).map(lambda n: '{"text": "a b c d e", "n": ' + "9" * n + "}"),
        st.sampled_from(RAW_LINES + (ID_LINES if with_ids else ())), st.text(st.characters(codec="utf-8", exclude_characters="\n"), min_size=1, max_size=40),
    ).filter(str.strip)


def record_lines(with_ids: bool) -> st.SearchStrategy[str]:
    """A record serialised as one JSON line, ASCII-escaped or not."""
    return st.builds(lambda obj, ascii_only: json.dumps(obj, ensure_ascii=ascii_only), record_objects(with_ids), st.booleans())


@st.composite
def jsonl_content(draw: st.DrawFn, with_ids: bool) -> tuple[str, int]:
    """JSON Lines text with blank lines among the records; the count of non-blank lines."""
    lines = draw(st.lists(st.one_of(record_lines(with_ids), record_lines(with_ids), raw_lines(with_ids), st.sampled_from(("", " ", "\t", "\r"))), max_size=25))
    text = draw(st.sampled_from(("\n", "\r\n"))).join(lines) + draw(st.sampled_from(("", "\n")))
    return text, sum(1 for line in lines if line.strip())


@st.composite
def json_content(draw: st.DrawFn, with_ids: bool) -> tuple[str, int]:
    """A JSON file: a list of records (pretty-printed or not), one object, or one hostile line; its record count."""
    kind = draw(st.sampled_from(("list", "object", "raw")))
    if kind == "list":
        items = draw(st.lists(st.one_of(record_objects(with_ids), json_values), max_size=12))
        return json.dumps(items, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from((None, 2)))), len(items)
    if kind == "object":
        return json.dumps(draw(record_objects(with_ids))), 1
    raw = draw(raw_lines(with_ids))
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return raw, 1  # one malformed_json row
    return raw, len(parsed) if isinstance(parsed, list) else 1  # "[1, 2]" is two records (two not_an_object rows)


@st.composite
def csv_content(draw: st.DrawFn, with_ids: bool) -> tuple[str, int]:
    """A CSV file: a header (duplicate, padded, BOM-marked, up to 100,000 columns), rows (some ragged), maybe an open quote."""
    names_ = ("text", "title", "published", "source", "url", "extra", "\ufefftext", " text ", "TEXT", "", *(("id",) if with_ids else ()))
    header = draw(st.lists(st.sampled_from(names_), min_size=1, max_size=7)) + [f"c{i}" for i in range(draw(st.sampled_from((0, 0, 0, 1000, 100_000))))]
    values = st.one_of(field_text, st.just(""), st.sampled_from(("\x00", '"', "a,b", "line\nbreak", "\r", " ")))
    rows = []
    for _ in range(draw(st.integers(0, 3 if len(header) > 100 else 12))):
        row = draw(st.lists(values, max_size=min(len(header), 8) + 2))
        if draw(st.booleans()):  # the header's width: most rows are well formed
            row = (row + [""] * len(header))[: len(header)]
        rows.append(row)
    out = io.StringIO()
    # csv.writer leaves a lone "\r" unquoted under a "\n" terminator (and its own reader then splits the row): quote all there.
    quoting, terminator = draw(st.sampled_from(((csv.QUOTE_MINIMAL, "\r\n"), (csv.QUOTE_ALL, "\r\n"), (csv.QUOTE_ALL, "\n"))))
    writer = csv.writer(out, quoting=quoting, lineterminator=terminator)
    writer.writerow(header)
    writer.writerows(rows)
    # A quote inside an unquoted field is one more row; a quote never closed swallows the rest of the file.
    trailer, more = draw(st.sampled_from((("", 0), ("", 0), ('"an open quote, never closed\n', 0), ('bad"quote,x\n', 1))))
    return out.getvalue() + trailer, sum(1 for row in rows if any(v.strip() for v in row)) + more


@st.composite
def fuzz_files(draw: st.DrawFn, with_ids: bool, allow_hash: bool) -> FuzzFile:
    """One file of any kind under zero to two folders, its content encoded one way or another."""
    kind = draw(st.sampled_from(("text", "html", "jsonl", "jsonl", "json", "csv", "other")))
    name = draw(names(kind, allow_hash))
    folders = tuple(draw(st.lists(st.sampled_from(FOLDERS), max_size=2)))
    if kind in ("jsonl", "json", "csv"):
        text, records = draw({"jsonl": jsonl_content, "json": json_content, "csv": csv_content}[kind](with_ids))
        return FuzzFile((*folders, name), encode(text, draw(encodings)), records)
    blobs = st.one_of(st.binary(max_size=300), st.just(b""), st.builds(lambda t: t.encode("utf-16-le"), hostile_articles), st.just(b"\x00" * 64 + b"text"))
    texts = st.one_of(hostile_articles, html_pages, st.text(max_size=200)).flatmap(lambda t: encodings.map(lambda e: encode(t, e)))
    return FuzzFile((*folders, name), draw(st.one_of(texts, texts, blobs)), 1)


@st.composite
def fuzz_trees(draw: st.DrawFn) -> FuzzTree:
    """One file that may carry its own ids, or up to six without (their rows are told apart by path), plus special entries."""
    single = draw(st.booleans())
    files = draw(st.lists(fuzz_files(with_ids=single, allow_hash=single), min_size=1, max_size=1 if single else 6, unique_by=lambda f: f.path))
    specials = () if single else tuple(draw(st.lists(st.sampled_from(("loop", "dangling", "fifo", "file_link", "sparse")), unique=True, max_size=4)))
    limit = draw(st.sampled_from((MAX_RECORD_BYTES, MAX_RECORD_BYTES, 4096, 64)))
    return FuzzTree(tuple(files), specials, limit, draw(st.sampled_from((MAX_RECORDS_PER_FILE, MAX_RECORDS_PER_FILE, 3))))


def _expected_for(path: tuple[str, ...], records: int) -> tuple[str, Expected]:
    """The ref a file's rows start with, and what reading it must give (hidden or documentation files: one row)."""
    rel = safe_path("/".join(path))
    name = path[-1]
    if name.startswith(".") or name in IGNORED_NAMES or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return rel, Expected(1, False)
    return rel, Expected(records if Path(name).suffix.lower() in STRUCTURED_SUFFIXES else 1, True)


def write_tree(tree: FuzzTree, root: Path) -> dict[str, Expected]:
    """Write the tree under `root`; what reading it must give, by the ref of each entry."""
    expected: dict[str, Expected] = {}
    for file in tree.files:
        target = root.joinpath(*file.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.data)
        hidden = next((i for i, folder in enumerate(file.path[:-1]) if folder.startswith(".")), None)
        if hidden is None:
            expected.update([_expected_for(file.path, file.records)])
        else:  # a hidden folder is one row, and nothing inside it is read
            expected[safe_path("/".join(file.path[: hidden + 1]))] = Expected(1, False)
    taken = {p.name for p in root.iterdir()}
    for special in tree.specials:
        if {"loop": "loop", "dangling": "gone.txt", "fifo": "pipe.jsonl", "sparse": "huge.txt"}.get(special) in taken:
            continue  # a generated file already has the name
        if special == "loop":
            (root / "loop").symlink_to(root, target_is_directory=True)  # read once, not again through the link: no rows
        elif special == "dangling":
            (root / "gone.txt").symlink_to(root / "nowhere.txt")
            expected["gone.txt"] = Expected(1, False)
        elif special == "sparse":  # 2 TiB that take no disk: over any size limit, and costly to read even once
            with open(root / "huge.txt", "wb") as handle:
                handle.truncate(2**41)
            expected["huge.txt"] = Expected(1, True)
        elif special == "fifo":
            os.mkfifo(root / "pipe.jsonl")
            expected["pipe.jsonl"] = Expected(1, False)
        elif special == "file_link" and not any(f.startswith(".") for f in tree.files[0].path[:-1]):
            first = tree.files[0]
            link = "alias" + Path(first.path[-1]).suffix
            if link not in taken:  # the link is read as a file of its own name, with the target's records
                (root / link).symlink_to(root.joinpath(*first.path))
                expected.update([_expected_for((link,), first.records)])
    return expected
