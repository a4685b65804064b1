"""HTML: telling markup from text, and reading a page's main text with trafilatura."""

from __future__ import annotations

import re
from collections.abc import Iterator

from conflict_events.models import QuarantineRow, RawRecord

_HTML_TAG_RE = re.compile(
    r"<\s*(?:!doctype|html|head|body|div|p|br|span|a|article|section|script|style|table|ul|ol|li|h[1-6]|meta|title|b|i|em|strong)\b[^<>]*>",
    re.IGNORECASE,
)


def looks_like_html(text: str) -> bool:
    """Markup passed as text: a document start, or several common tags in the opening characters."""
    head = text[:20_000]
    if re.match(r"\s*<(?:!doctype\s+html|html)\b", head, re.IGNORECASE):
        return True
    return len(_HTML_TAG_RE.findall(head)) >= 3


def _main_text(markup: str) -> str | None:
    """trafilatura's main text of a page (boilerplate, menus and comments removed); None when it finds none."""
    import trafilatura  # imported here: only HTML inputs pay its import time

    return trafilatura.extract(markup, include_comments=False, include_tables=False, favor_precision=True)


def html_to_text(markup: str) -> str:
    """The readable text of markup: trafilatura's main text, else every text node (scripts and styles dropped)."""
    from lxml import html as lxml_html

    body = _main_text(markup)
    if body and body.strip():
        return body
    # A fragment too short for trafilatura's main-text heuristics ("<p>..</p><p>..</p>"): keep all its text.
    try:
        tree = lxml_html.fromstring(markup)
    except Exception:  # lxml raises several types on hopeless markup; no text is the honest result
        return ""
    for node in tree.xpath("//script|//style|//noscript"):
        node.drop_tree()
    blocks = [t.strip() for t in tree.itertext() if t.strip()]
    return "\n\n".join(blocks)


def parse_html(text: str, rel: str, origin: str) -> Iterator[RawRecord | QuarantineRow]:
    """A web page: main text and metadata via trafilatura (boilerplate, menus and comments removed)."""
    import trafilatura

    body = _main_text(text)
    if not body or not body.strip():
        yield QuarantineRow.of(rel, "ingest", "no_text_in_html", "no article text found in the HTML page", text)
        return
    meta = trafilatura.extract_metadata(text)
    yield RawRecord(
        source_ref=rel,
        text=body,
        title=getattr(meta, "title", None),
        source=getattr(meta, "sitename", None) or getattr(meta, "hostname", None),
        url=getattr(meta, "url", None),
        published=getattr(meta, "date", None),
        origin=origin,
    )
