"""Reading gold codings (FA-KES JSONL, seeds JSON) and mapping their ids onto published articles and quarantine rows."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from conflict_events.article_text import article_id_of_record_text
from conflict_events.models import QuarantineRow
from conflict_events.summary import is_record_level

NOT_IN_LAKE = "not in the lake's articles or quarantine"


class GoldError(ValueError):
    """A gold file that is neither FA-KES JSONL nor a seeds-style JSON object."""


def load_gold(path: Path) -> tuple[str, Any]:
    """("fakes", rows) for JSONL with an `id` per line, ("seeds", {name: coding}) for a JSON object with "articles"."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"cannot read it: {exc}") from exc
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None  # several lines: JSONL
    if isinstance(whole, dict) and "articles" in whole:
        articles = whole["articles"]
        if not isinstance(articles, dict) or not all(isinstance(a, dict) and isinstance(a.get("events"), list) for a in articles.values()):
            raise GoldError('"articles" must map each article name to an object with an "events" list')
        return "seeds", articles
    rows = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise GoldError(f"line {lineno} is not JSON ({exc}); expected FA-KES JSONL or a JSON object with \"articles\"") from exc
        if not isinstance(row, dict) or "id" not in row:
            raise GoldError(f"line {lineno} is not an object with an \"id\"; expected FA-KES JSONL or a JSON object with \"articles\"")
        rows.append(row)
    if not rows:
        raise GoldError("it holds no gold rows")
    return "fakes", rows


def gold_ids(kind: str, gold: Any) -> list[str]:
    """The article ids of a gold set, in file order."""
    return [row["id"] for row in gold] if kind == "fakes" else list(gold)


def duplicate_article_id(payload: str) -> str | None:
    """The article_id clean computed for a quarantined duplicate's text (that of the copy it kept)."""
    try:
        text = json.loads(payload).get("text")
    except (ValueError, AttributeError):
        return None
    if not isinstance(text, str):
        return None
    return article_id_of_record_text(text)


def payload_object(payload: str | None) -> dict[str, Any]:
    """A quarantine row's payload as a dict ({} when it is not a JSON object)."""
    if payload is None:
        return {}
    try:
        loaded = json.loads(payload)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def map_gold_to_articles(
    ids: Iterable[str], articles: Iterable[dict[str, Any]], quarantine: Iterable[QuarantineRow]
) -> tuple[dict[str, str], dict[str, str]]:
    """(gold id -> article_id, gold id -> why it has no event) through articles.source_ref and quarantine.

    A record quarantined as a duplicate maps to the article kept for its text, so it is scored against the
    same events. A gold id matches a source_ref exactly, or else the file name of exactly one source_ref
    (seed gold is keyed by file name; source_ref is the path relative to the input root). The reasons say
    which quarantine row explains a missing article, or events of a published article that failed validation.
    """
    articles = list(articles)
    run_of_article = {a["article_id"]: a.get("run_id", "") for a in articles}
    article_of_ref: dict[str, str] = {}
    why_missing: dict[str, str] = {}
    events_rejected: dict[str, str] = {}
    for row in quarantine:
        if row.code == "clean:duplicate":
            article_id = duplicate_article_id(row.payload)
            if article_id:
                article_of_ref[row.record_ref] = article_id
                continue
        if row.stage == "validate":
            payload = payload_object(row.payload)
            if is_record_level(row.stage, row.detail):  # validate keys article rows by article_id; the payload has the record's ref
                why_missing[str(payload.get("source_ref") or row.record_ref)] = f"quarantined {row.code}"
            elif run_of_article.get(payload.get("article_id"), None) == row.run_id:
                # Only this article version's own events: an older run's rejects say nothing about today's rows.
                events_rejected[payload["article_id"]] = f"events quarantined {row.code} ({row.detail})"
        elif is_record_level(row.stage, row.detail, row.reason):
            why_missing[row.record_ref] = f"quarantined {row.code}"
    # Published articles win over quarantine rows an earlier run may have left for the same record.
    article_of_ref.update({a["source_ref"]: a["article_id"] for a in articles})
    known = {*article_of_ref, *why_missing}
    by_name: dict[str, list[str]] = defaultdict(list)
    for ref in known:
        by_name[ref.rsplit("/", 1)[-1]].append(ref)
    article_of_gold: dict[str, str] = {}
    missing: dict[str, str] = {}
    for gold_id in ids:
        same_name = by_name.get(gold_id, [])
        ref = gold_id if gold_id in known else (same_name[0] if len(same_name) == 1 else None)
        if ref in article_of_ref:
            article_of_gold[gold_id] = article_of_ref[ref]
            if article_of_ref[ref] in events_rejected:
                missing[gold_id] = events_rejected[article_of_ref[ref]]
        else:
            missing[gold_id] = why_missing.get(ref, NOT_IN_LAKE) if ref else NOT_IN_LAKE
    return article_of_gold, missing


def group_events(events: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Events by article_id, in published order."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        grouped[event["article_id"]].append(event)
    return grouped
