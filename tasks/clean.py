"""clean: normalise text, find title, source and publication date, drop duplicates, flag unusable texts."""

from __future__ import annotations

import re
import unicodedata
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlparse

from conflict_events.article_text import article_id_of, normalise_text, split_boilerplate
from conflict_events.calendar import MONTHS
from conflict_events.models import RawRecord, QuarantineRow, utc_now
from conflict_events.settings import Settings

MAX_TEXT_CHARS: int = Settings.model_fields["max_text_chars"].default  # the setting's default, for callers without settings

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?,?\s+)?"
# Datelines seen in wire copy: "Wed 05 Apr 2017", "6 July 2015", "Published October 5 2017",
# "Oct 042017" (day and year run together), "05.10.2017", "16-02-2015".
_DATELINE_RES = (
    re.compile(_WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d{2})\b", re.I),
    re.compile(_WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s*(?P<year>(?:19|20)\d{2})\b", re.I),
    re.compile(r"(?<!\d)(?P<day>\d{1,2})[./-](?P<month>\d{1,2})[./-](?P<year>(?:19|20)\d{2})(?!\d)"),
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
)
DATELINE_WINDOW = 200  # a dateline sits in the first characters of an article

ENGLISH_FUNCTION_WORDS = frozenset(
    "the of and to in a is that for on was with as by at from it his her their were has have had "
    "are be been said after who which this an not but they or he she its".split()
)


@dataclass
class CleanResult:
    """The articles that survived cleaning, the rows quarantined on the way, and what the batch saw first."""

    articles: list[dict[str, Any]]
    quarantined: list[QuarantineRow]
    unchanged: list[str] = field(default_factory=list)  # source_refs already published with this very text
    # Texts and own ids first met in this batch; the caller adds them to what later batches are checked against.
    new_ids: dict[str, str] = field(default_factory=dict)  # article_id -> source_ref
    new_refs: dict[str, str] = field(default_factory=dict)  # own id -> article_id
    # The record's own country (a source's `country` in sources.toml, or a record's `country` field), by article_id:
    # the coder gives it to an event whose text names none. Not an articles column, so it travels beside them.
    country_hints: dict[str, str] = field(default_factory=dict)


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dateline(text: str) -> date | None:
    """The first full date in the opening characters of an article, if any."""
    head = text[:DATELINE_WINDOW]
    best: tuple[int, date] | None = None
    for pattern in _DATELINE_RES:
        match = pattern.search(head)
        if not match:
            continue
        month = match.group("month")
        month_num = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."))
        found = month_num and _valid_date(int(match.group("year")), month_num, int(match.group("day")))
        if found and (best is None or match.start() < best[0]):
            best = (match.start(), found)
    return best[1] if best else None


# What feeds write in a date field that has no date; treated as absent, not as a wrong date.
NO_DATE_VALUES = frozenset({"", "-", "n/a", "na", "none", "null", "nil", "unknown", "undated"})
EARLIEST_PUBLICATION = date(1900, 1, 1)
# A date stamped in a time zone ahead of UTC may be one day past the run's UTC date.
FUTURE_TOLERANCE = timedelta(days=1)


def parse_published(value: str | None) -> date | None:
    """A record's `published` field (ISO date or datetime, RFC 822, or a written date) as a date; None when absent or impossible."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if match:
        return _valid_date(*(int(g) for g in match.groups()))
    try:
        return parsedate_to_datetime(value).date()  # RSS: "Tue, 05 Apr 2017 10:00:00 GMT"
    except (TypeError, ValueError, IndexError):
        pass
    return find_dateline(value)


def plausible_publication(day: date | None, run_date: date) -> bool:
    """Dates before 1900 or after the day after the run date cannot be a news article's publication date."""
    return day is not None and EARLIEST_PUBLICATION <= day <= run_date + FUTURE_TOLERANCE


def claimed_date_problem(raw: str | None, parsed: date | None, run_date: date, where: str) -> tuple[str, str] | None:
    """(reason, detail) when a record states a publication date that cannot be true; None when it is fine or absent.

    A record that claims an impossible date is quarantined rather than published undated: its event
    dates are read relative to that date, so a guess would put events on the wrong day.
    """
    if raw is None or raw.strip().lower() in NO_DATE_VALUES:
        return None
    shown = raw.strip()[:80]
    if parsed is None:
        return "invalid_published_date", f"the {where} {shown!r} is not a calendar date"
    if parsed < EARLIEST_PUBLICATION:
        return "published_before_1900", f"the {where} {shown!r} is before 1900"
    if parsed > run_date + FUTURE_TOLERANCE:
        return "published_in_future", f"the {where} {shown!r} is after the run date {run_date.isoformat()}"
    return None


def english_score(text: str) -> float:
    """Share of words that are common English function words (English prose scores 0.25-0.45)."""
    # A function-word profile is enough for the one decision we need (English or not) and is
    # deterministic, unlike langdetect; it needs no model download, unlike fastText.
    words = re.findall(r"[^\W\d_]+", text[:5000].lower())
    if not words:
        return 0.0
    return sum(1 for w in words if w in ENGLISH_FUNCTION_WORDS) / len(words)


def dominant_script(text: str) -> str:
    """The Unicode script most letters belong to (e.g. LATIN, ARABIC, CYRILLIC)."""
    counts: dict[str, int] = {}
    for ch in text[:5000]:
        if ch.isalpha():
            script = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else "NONE"


def url_host(url: str | None) -> str | None:
    """The host of a URL, or None when there is none or the URL is malformed ("http://[broken")."""
    try:
        return urlparse(url).hostname if url else None
    except ValueError:
        return None


def first_sentence(text: str, limit: int = 200) -> str:
    """The opening sentence, cut at `limit` characters (a title when the record has none)."""
    match = re.match(r"(.+?[.!?])(?:\s|$)", text, re.S)
    sentence = (match.group(1) if match else text).strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def as_hint(value: object) -> str | None:
    """A record's country hint as stripped text, or None."""
    return (value.strip() or None) if isinstance(value, str) else None


def clean_record(record: RawRecord, run_date: date, min_words: int, max_chars: int) -> tuple[dict | None, QuarantineRow | None]:
    """One raw record -> (article row, None) or (None, quarantine row)."""
    text = normalise_text(record.text)
    if not text:
        return None, QuarantineRow.of(record.source_ref, "clean", "empty_text", "the text is empty or only whitespace", record.payload())
    if len(text) > max_chars:
        return None, QuarantineRow.of(
            record.source_ref, "clean", "too_long", f"{len(text)} characters is over the {max_chars}-character limit for one article (CONFLICT_EVENTS_MAX_TEXT_CHARS)",
            record.payload(),
        )
    body, heading_title, footer_host, header_text = split_boilerplate(text)
    # Script first: Chinese or Thai text has no spaces, and "too short" would misname it.
    script = dominant_script(body)
    if script not in ("LATIN", "NONE"):
        return None, QuarantineRow.of(
            record.source_ref, "clean", "not_english", f"mostly {script.title()} script, not English", record.payload()
        )
    if len(body.split()) < min_words:
        return None, QuarantineRow.of(
            record.source_ref, "clean", "too_short",
            f"{len(body.split())} words of text; at least {min_words} are needed to code an event", record.payload(),
        )
    score = english_score(body)
    if score < 0.12:  # script is LATIN or NONE here, and a text with no letters scores 0
        return None, QuarantineRow.of(
            record.source_ref, "clean", "not_english",
            f"mostly {script.title()} script, English function-word share {score:.2f} (needs 0.12)", record.payload(),
        )
    header_date, published = parse_published(header_text), parse_published(record.published)
    problem = claimed_date_problem(header_text, header_date, run_date, "header date")
    problem = problem or claimed_date_problem(record.published, published, run_date, "`published` value")
    if problem:
        reason, detail = problem
        return None, QuarantineRow.of(record.source_ref, "clean", reason, detail + "; fix or remove it and feed the record again", record.payload())
    if plausible_publication(header_date, run_date):
        published_date, date_source = header_date, "header"
    elif plausible_publication(published, run_date):
        published_date, date_source = published, "metadata"
    elif plausible_publication(dateline := find_dateline(body), run_date):
        published_date, date_source = dateline, "text"
    else:
        published_date, date_source = None, "none"
    title = normalise_text(record.title) if record.title and record.title.strip() else None
    source_name = (record.source or "").strip() or footer_host or url_host(record.url)
    return {
        "article_id": article_id_of(body),
        "source_ref": record.source_ref,
        "source_name": source_name,
        "url": record.url,
        "title": (title or heading_title or first_sentence(body)).replace("\n", " "),
        "published_date": published_date,
        "date_source": date_source,
        "language": "en",
        "text": body,
        "n_chars": len(body),
        "ingested_at": utc_now(),
        "run_id": "",
    }, None


def clean_records(
    records: list[RawRecord], run_date: date, seen_ids: Mapping[str, str], min_words: int = 5, max_chars: int = MAX_TEXT_CHARS,
    published: Mapping[str, str] | None = None, seen_refs: Mapping[str, str] | None = None,
) -> CleanResult:
    """Clean a batch against what earlier batches saw; `seen_ids` (article_id -> source_ref) finds duplicate texts.

    `published` (article_id -> source_ref of the current articles version) makes the run incremental:
    a record already published under its own ref is unchanged and skipped; the same text under
    another ref is a duplicate. `seen_refs` (own id -> article_id) catches one id given to two
    different texts in a run: the first is kept, the second quarantined as `duplicate_id`.
    Nothing passed in is changed: what this batch saw first comes back as `new_ids` and `new_refs`,
    so a retried or remote batch cannot lose or double the run's state.
    """
    published = published or {}
    result = CleanResult([], [])
    # Reads see earlier batches and this one; writes land in this batch's own maps.
    ids = ChainMap(result.new_ids, seen_ids)
    refs = ChainMap(result.new_refs, seen_refs or {})
    for record in records:
        article, rejected = clean_record(record, run_date, min_words, max_chars)
        if rejected is not None:
            result.quarantined.append(rejected)
            continue
        article_id = article["article_id"]
        if published.get(article_id) == record.source_ref and article_id not in ids:
            ids[article_id] = record.source_ref
            if record.has_own_id:
                refs.setdefault(record.source_ref, article_id)  # its id stays taken for the rest of the run
            result.unchanged.append(record.source_ref)
            continue
        first_ref = ids.get(article_id) or published.get(article_id)
        if first_ref is not None:
            where = "" if article_id in ids else ", already published"
            result.quarantined.append(
                QuarantineRow.of(
                    record.source_ref, "clean", "duplicate",
                    f"same normalised text as {first_ref}{where} (article {article_id[:12]})", record.payload(),
                )
            )
            continue
        if record.has_own_id and refs.setdefault(record.source_ref, article_id) != article_id:
            result.quarantined.append(
                QuarantineRow.of(
                    record.source_ref, "clean", "duplicate_id",
                    f"the id {record.source_ref!r} was already given to a different text in this run "
                    f"(article {refs[record.source_ref][:12]}); ids must be unique, the first record was kept",
                    record.payload(),
                )
            )
            continue
        ids[article_id] = record.source_ref
        result.articles.append(article)
        if hint := as_hint(record.extra.get("country")):
            result.country_hints[article["article_id"]] = hint
    return result
