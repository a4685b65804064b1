"""A generated corpus of bad input: every kind of messy file a news pipeline meets, with the outcome each must have.

`write_corpus(folder, tag)` writes one sub-folder per kind and returns, for every input record, the
ref it must end under and its outcome: "article" (published) or "<stage>:<reason>" (quarantined).
The tests and the crash benchmark check a run against this list: input records = articles +
quarantine rows (declared duplicates among them) + records already published.

Files are generated, not stored: binary blobs, broken encodings and a 50 MB text stay out of git.
`tag` makes every id and text unique, so corpora written with different tags are new records.

    python -m bench.bad_input --out /tmp/bad [--tag t1]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tasks.ingest import safe_path

# Over the default limits (Settings.max_record_bytes 5 MB, max_records_per_file 100000) unless a
# run lowers them; the test and benchmark pass the limits they run with.
HUGE_TEXT_BYTES = 50_000_000


@dataclass(frozen=True)
class Expected:
    """One input record: the ref it ends under, and its outcome ("article" or "stage:reason")."""

    kind: str
    ref: str
    outcome: str


def article(tag: str, n: int, place: str = "Konduga") -> str:
    """A short English conflict report, unique per (tag, n)."""
    return (
        f"Gunmen attacked the town of {place} in Borno State on Sunday, killing {n + 3} villagers and burning "
        f"dozens of homes, residents and a local official said. Report {tag}-{n}."
    )


@dataclass
class _Writer:
    folder: Path
    tag: str
    max_record_bytes: int
    max_records_per_file: int
    expected: list[Expected]
    counter: int = 0

    def text(self, place: str = "Konduga") -> str:
        self.counter += 1
        return article(self.tag, self.counter, place)

    def file(self, kind: str, name: str, data: bytes | str, outcome: str, encoding: str = "utf-8") -> None:
        path = self.folder / kind / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
        self.expected.append(Expected(kind, safe_path(f"{kind}/{name}"), outcome))

    def jsonl(self, kind: str, rows: list[tuple[dict | str, str, str]], name: str = "feed.jsonl") -> None:
        """rows: (record or raw line, ref it ends under, outcome)."""
        path = self.folder / kind / name
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row, _, _ in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.expected += [Expected(kind, ref, outcome) for _, ref, outcome in rows]

    def id(self, kind: str, n: int = 0) -> str:
        return f"{self.tag}-{kind}-{n}"


def _kinds(w: _Writer) -> list[Callable[[], None]]:
    t = w.tag
    return [
        lambda: w.file("empty_file", "empty.txt", b"", "ingest:empty_file"),
        lambda: w.file("whitespace_only", "blank.txt", " \n\t  \r\n   \n", "clean:empty_text"),
        lambda: w.file("binary", "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8 + t.encode(), "ingest:binary"),
        lambda: w.file("unsupported_type", "scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + t.encode(), "ingest:unsupported_file_type"),
        lambda: w.file("invalid_utf8", "garbled.txt", b"\x81\x8d\x90\x9d\xff\xfe\x8f" * 40 + t.encode(), "ingest:undecodable"),
        lambda: w.file("utf8_stray_byte", "stray.txt", w.text("Gwoza").encode() + b" \xe9 " + "Café owners fled.".encode(), "article"),
        lambda: w.file("utf16_bom", "utf16.txt", w.text("Bama"), "article", encoding="utf-16"),
        lambda: w.file("utf16_no_bom", "utf16le.txt", w.text("Dikwa"), "article", encoding="utf-16-le"),
        lambda: w.file("cp1252", "windows.txt", w.text("Monguno").replace("residents", "“residents”") + " Café", "article", encoding="cp1252"),
        lambda: w.file("huge_text", "huge.txt", b"Shelling continued. " * (HUGE_TEXT_BYTES // 20), "ingest:too_large"),
        lambda: w.file(
            "html_as_text", "saved-page.txt",
            "<!DOCTYPE html><html><head><title>Attack</title><script>track()</script></head><body><nav>Home | World</nav>"
            f"<article><p>{w.text('Damboa')}</p><p>Soldiers reached the town hours later and residents returned at dusk, "
            "the local official said.</p></article><footer>Copyright</footer></body></html>",
            "article",
        ),
        lambda: w.jsonl(
            "jsonl_malformed_lines",
            [
                ({"id": w.id("jsonl", 1), "text": w.text("Mafa")}, w.id("jsonl", 1), "article"),
                ('{"id": "broken", "text": "unterminated', "jsonl_malformed_lines/feed.jsonl#2", "ingest:malformed_json"),
                ({"id": w.id("jsonl", 3), "text": w.text("Kukawa")}, w.id("jsonl", 3), "article"),
                ("{not json at all}", "jsonl_malformed_lines/feed.jsonl#4", "ingest:malformed_json"),
                ("[" * 50_000, "jsonl_malformed_lines/feed.jsonl#5", "ingest:malformed_json"),  # nested past any parser
                ({"id": w.id("jsonl", 6), "text": 42}, w.id("jsonl", 6), "ingest:text_not_a_string"),
                ([1, 2, 3], "jsonl_malformed_lines/feed.jsonl#7", "ingest:not_an_object"),
                ({"id": w.id("jsonl", 8), "title": "no text field"}, w.id("jsonl", 8), "ingest:no_text_field"),
            ],
        ),
        lambda: w.file("truncated_json", "cut.json", json.dumps({"id": w.id("cut"), "text": w.text()})[:-25], "ingest:malformed_json"),
        lambda: _csv_without_text(w),
        lambda: _ragged_csv(w),
        lambda: _wide_csv_header(w),
        lambda: w.jsonl(
            "duplicate_ids",
            [
                ({"id": w.id("dupid"), "text": w.text("Ngala")}, w.id("dupid"), "article"),
                ({"id": w.id("dupid"), "text": w.text("Marte")}, w.id("dupid"), "clean:duplicate_id"),
            ],
        ),
        lambda: _same_text_two_ids(w),
        lambda: w.jsonl("future_date", [({"id": w.id("future"), "text": w.text(), "published": "2999-01-01"}, w.id("future"), "clean:published_in_future")]),
        lambda: w.jsonl("date_before_1900", [({"id": w.id("old"), "text": w.text(), "published": "1850-06-01"}, w.id("old"), "clean:published_before_1900")]),
        lambda: w.jsonl("impossible_date", [({"id": w.id("impossible"), "text": w.text(), "published": "2024-13-45"}, w.id("impossible"), "clean:invalid_published_date")]),
        lambda: w.file("impossible_header_date", "header.txt", f"date 2024-02-30 {w.text()}", "clean:invalid_published_date"),
        lambda: w.file(
            "control_characters", "controls.txt",
            # NUL bytes, a bell, a terminal colour code and a form feed inside otherwise good text (under 2% of it).
            (w.text("Gubio") + " " + w.text("Gubio")).replace(" ", " \x00", 2).replace("villagers", "vil\x07lagers\x1b[31m", 1) + "\x0c",
            "article",
        ),
        lambda: w.jsonl("path_traversal_id", [({"id": f"../../etc/passwd-{t}", "text": w.text("Magumeri")}, f"../../etc/passwd-{t}", "article")]),
        lambda: w.jsonl(
            "script_title",
            [({"id": w.id("xss"), "title": f"<script>alert('{t}')</script><img src=x onerror=alert(1)>", "text": w.text("Kaga")}, w.id("xss"), "article")],
        ),
        lambda: w.jsonl(
            "html_text_field",
            [({"id": w.id("markup"), "text": f"<p>{w.text('Askira')}</p><p>More <b>detail</b> followed.</p><script>alert(1)</script>"}, w.id("markup"), "article")],
        ),
        lambda: w.file("arabic", "arabic.txt", f"قتل خمسة مدنيين في غارة جوية على مدينة إدلب يوم الثلاثاء بحسب المرصد السوري {t}", "clean:not_english"),
        lambda: w.jsonl(
            "other_languages",
            [
                ({"id": w.id("ru"), "text": f"Пять мирных жителей погибли в результате обстрела города в понедельник {t}"}, w.id("ru"), "clean:not_english"),
                ({"id": w.id("zh"), "text": f"周二，叙利亚伊德利卜市遭到空袭，造成五名平民死亡。{t}"}, w.id("zh"), "clean:not_english"),
                ({"id": w.id("fr"), "text": f"Cinq civils ont été tués mardi dans une frappe aérienne sur la ville selon l'observatoire {t}"}, w.id("fr"), "clean:not_english"),
            ],
        ),
        lambda: w.file("one_word", "word.txt", f"Explosion-{t}", "clean:too_short"),
        lambda: w.jsonl("lone_surrogate", [('{"id": "' + w.id("surrogate") + '", "text": "' + w.text("Biu") + ' \\ud83d"}', w.id("surrogate"), "article")]),
        lambda: _record_too_large(w),
        lambda: _too_many_records(w),
        lambda: _vanished_and_special_files(w),
        lambda: w.file("hidden_file", ".DS_Store", b"\x00\x00\x00\x01Bud1" + t.encode(), "ingest:ignored_file"),
        lambda: w.file("non_utf8_file_name", os.fsdecode(b"caf\xe9-" + t.encode() + b".txt"), w.text("Gajiram"), "article"),
    ]


def _csv_without_text(w: _Writer) -> None:
    path = w.folder / "csv_without_text" / "table.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("id", "title", "body"), (w.id("csv", 1), "Clashes", w.text()), (w.id("csv", 2), "Raid", w.text())])
    w.expected += [Expected("csv_without_text", w.id("csv", n), "ingest:no_text_column") for n in (1, 2)]


def _ragged_csv(w: _Writer) -> None:
    path = w.folder / "ragged_csv" / "rows.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    good, extra = w.text("Bayo"), w.text("Hawul")
    path.write_text(f'id,text\n{w.id("ragged", 1)},"{good}"\n{w.id("ragged", 2)},{extra}\n')  # unquoted commas split row 2
    w.expected += [Expected("ragged_csv", w.id("ragged", 1), "article"), Expected("ragged_csv", w.id("ragged", 2), "ingest:ragged_row")]


def _wide_csv_header(w: _Writer) -> None:
    """200,000 column names, one of them twice: the header check must be linear (a quadratic one took hours)."""
    path = w.folder / "wide_csv_header" / "wide.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    names = ",".join(f"c{i}" for i in range(200_000))
    path.write_text(f'id,text,{names},c0\n{w.id("wide")},"{w.text("Gwoza")}"\n')
    w.expected.append(Expected("wide_csv_header", "wide_csv_header/wide.csv#2", "ingest:duplicate_columns"))


def _same_text_two_ids(w: _Writer) -> None:
    text = w.text("Gamboru")
    w.jsonl(
        "same_text_two_ids",
        [
            ({"id": w.id("twin", 1), "text": text}, w.id("twin", 1), "article"),
            ({"id": w.id("twin", 2), "text": "  " + text + "\n"}, w.id("twin", 2), "clean:duplicate"),  # same once normalised
        ],
    )


def _record_too_large(w: _Writer) -> None:
    big = {"id": w.id("big"), "text": w.text() + " Shelling continued." * (w.max_record_bytes // 19 + 1)}
    w.jsonl(
        "record_too_large",
        [(big, "record_too_large/feed.jsonl#1", "ingest:record_too_large"), ({"id": w.id("small"), "text": w.text("Chibok")}, w.id("small"), "article")],
    )


def _too_many_records(w: _Writer) -> None:
    path = w.folder / "too_many_records" / "dump.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = ({"id": w.id("many", i), "text": article(w.tag, 10_000 + i)} for i in range(w.max_records_per_file + 1))
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    w.expected.append(Expected("too_many_records", "too_many_records/dump.jsonl", "ingest:too_many_records"))


def _vanished_and_special_files(w: _Writer) -> None:
    """A file deleted after the folder was listed reads like a dangling link; a pipe is not a file."""
    folder = w.folder / "unreadable_entries"
    folder.mkdir(parents=True, exist_ok=True)
    os.symlink(folder / "deleted-meanwhile.txt", folder / "vanished.txt")
    os.mkfifo(folder / "pipe.txt")
    w.expected += [
        Expected("unreadable_entries", "unreadable_entries/pipe.txt", "ingest:not_a_regular_file"),
        Expected("unreadable_entries", "unreadable_entries/vanished.txt", "ingest:unreadable"),
    ]


def write_corpus(folder: Path, tag: str = "t0", max_record_bytes: int = 5_000_000, max_records_per_file: int = 100_000) -> list[Expected]:
    """Write every kind under `folder` (sized against the given limits); return every record's expected outcome."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = _Writer(folder, tag, max_record_bytes, max_records_per_file, [])
    for write in _kinds(writer):
        write()
    return writer.expected


def kinds(expected: list[Expected]) -> list[str]:
    """The kinds a corpus holds, in the order written."""
    return list(dict.fromkeys(e.kind for e in expected))


def expected_counts(expected: list[Expected]) -> Counter:
    """How many records end as each outcome."""
    return Counter(e.outcome for e in expected)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--tag", default="t0")
    args = parser.parse_args(argv)
    expected = write_corpus(args.out, args.tag)
    print(f"{len(kinds(expected))} kinds, {len(expected)} records in {args.out}")
    for outcome, count in sorted(expected_counts(expected).items()):
        print(f"  {count:3d}  {outcome}")


if __name__ == "__main__":
    main()
