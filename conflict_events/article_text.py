"""An article's normalised text and its id (DESIGN.md: `article_id` is the sha256 of the normalised text).

Clean computes article ids with these functions, and evaluation recomputes the id of a quarantined
duplicate's text with the same ones, so the two can never disagree.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_HEADER_RE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_FOOTER_RE = re.compile(r"(?:^|\n)[ \t]*Original Source:\s*(\S+)[ \t]*\s*$", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")


def normalise_text(text: str) -> str:
    """NFC, no control characters, single spaces, paragraphs separated by one blank line."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub(" ", text)
    text = _SPACES_RE.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def is_heading(line: str) -> bool:
    """A title or section heading: short, no closing punctuation, no figures, mostly Capitalised words.

    ("At least 12 people were killed in Aleppo on Monday" is prose that lost its full stop, not a heading.)
    """
    words = line.split()
    if not 0 < len(words) <= 16 or line.rstrip().endswith((".", "!", "?", ":", ";", ",", '"', "”")) or re.search(r"\d", line):
        return False
    content = [w for w in words if len(w) > 3]
    return not content or sum(w[0].isupper() for w in content) / len(content) >= 0.6


def split_boilerplate(text: str) -> tuple[str, str | None, str | None, str | None]:
    """Remove the seed header, `Original Source:` footer and headings; return (body, title, footer host, header date text)."""
    header_date = None
    match = _HEADER_RE.match(text)
    if match:
        header_date = match.group(1)
        text = text[match.end():]
    footer_host = None
    footer = _FOOTER_RE.search(text)
    if footer:
        footer_host = footer.group(1)
        text = text[: footer.start()]
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    title = None
    body: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        lines = paragraph.split("\n")
        if index == 0 and match is None and len(lines) > 1 and is_heading(lines[0]):
            title, lines = lines[0], lines[1:]  # "Title line\nFirst paragraph" (seed format without header)
        elif len(lines) == 1 and is_heading(lines[0]) and len(paragraphs) > 1:
            if index == 0 and match is None and title is None:
                title = lines[0]
            continue  # a section heading between paragraphs
        body.append("\n".join(lines))
    return "\n\n".join(body).strip(), title, footer_host, header_date


def article_id_of(text: str) -> str:
    """sha256 hex of the normalised text: the same text under any id is the same article."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_id_of_record_text(raw: str) -> str:
    """The article_id clean_record gives a record's raw text (its normalised body without boilerplate)."""
    return article_id_of(split_boilerplate(normalise_text(raw))[0])
