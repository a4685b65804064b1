"""Scoring coded events against gold codings (FA-KES dev set, the seeds), with the metric definitions of the issues.

Everything here is pure: gold rows and published rows (dicts, as pyarrow's `to_pylist` gives them) in,
metrics and error rows out. `conflict-events evaluate` and `scripts.evaluate_fakes` only wire it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from tasks.clean import article_id_of_record_text
from conflict_events.summary import is_record_level

SHELLING_CAUSES = {"Shelling/artillery/missile attack", "Air/drone strike"}
CAUSE_FITS = {
    "shelling": SHELLING_CAUSES,
    "explosion": {"Remote explosive/landmine/IED", "Suicide bomb", "Grenade"},
    "chemical and toxic gases": {"Chemical weapon"},
    "shooting": {"Armed clash", "Attack"},
    "execution": {"Attack"},
}


NOT_IN_LAKE = "not in the lake's articles or quarantine"


class GoldError(ValueError):
    """A gold file that is neither FA-KES JSONL nor a seeds-style JSON object."""


# --- reading gold and mapping it onto published rows ----------------------------------------


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


def _payload(row: dict[str, Any]) -> dict[str, Any]:
    try:
        payload = json.loads(row["payload"])
    except (TypeError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def map_gold_to_articles(
    ids: Iterable[str], articles: Iterable[dict[str, Any]], quarantine: Iterable[dict[str, Any]]
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
        if row["stage"] == "clean" and row["reason"] == "duplicate":
            article_id = duplicate_article_id(row["payload"])
            if article_id:
                article_of_ref[row["record_ref"]] = article_id
                continue
        if row["stage"] == "validate":
            payload = _payload(row)
            if is_record_level(row):  # validate keys article rows by article_id; the payload has the record's ref
                why_missing[str(payload.get("source_ref") or row["record_ref"])] = f"quarantined {row['stage']}:{row['reason']}"
            elif run_of_article.get(payload.get("article_id"), None) == row.get("run_id", ""):
                # Only this article version's own events: an older run's rejects say nothing about today's rows.
                events_rejected[payload["article_id"]] = f"events quarantined {row['stage']}:{row['reason']} ({row['detail']})"
        elif is_record_level(row):
            why_missing[row["record_ref"]] = f"quarantined {row['stage']}:{row['reason']}"
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


# --- shared field comparisons ---------------------------------------------------------------


def normalise_admin1(name: str | None) -> str:
    """Compare admin1 names without case, accents, al-/ar-/as- prefixes, hyphens or the word Governorate."""
    if not name:
        return ""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    text = re.sub(r"\b(?:governorate|province|muhafazat)\b", " ", text)
    text = re.sub(r"[\-'’‘`]", " ", text)
    text = re.sub(r"^\s*(?:al|ar|as|ad|an|ash|at|az|el)\s+", "", text)
    return " ".join(text.split())


def primary_event(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The event with the most fatalities (ties: the higher confidence, then the first coded)."""
    if not events:
        return None
    return max(enumerate(events), key=lambda ie: (ie[1]["fatalities"] or 0, ie[1]["confidence"] or 0, -ie[0]))[1]


def _parse_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def admin1_matches(predicted: str | None, gold: str | None, also: list[str | None]) -> bool:
    """The predicted admin1 is the gold one or an accepted alternative (a None among them accepts a None)."""
    accepted = [gold, *also]
    return any(
        (a is None and predicted is None) or (a is not None and normalise_admin1(predicted) == normalise_admin1(a))
        for a in accepted
    )


def _notes(event: dict[str, Any]) -> str:
    return (event.get("notes") or "")[:300]


# --- FA-KES ---------------------------------------------------------------------------------


def score_fakes(
    events_by_article: dict[str, list[dict]], article_of_gold: dict[str, str], gold_rows: list[dict],
    why_missing: dict[str, str] | None = None,
) -> dict[str, Any]:
    """FA-KES metrics over gold rows; `article_of_gold` maps a gold id to the article_id coded for its text."""
    why_missing = why_missing or {}
    totals = {k: 0 for k in ("articles", "with_event", "admin1", "date_exact", "date_1day", "fatalities_exact", "fatalities_20pct", "cause_known", "cause", "actor_known", "actor")}
    errors = []
    for gold in gold_rows:
        totals["articles"] += 1
        events = events_by_article.get(article_of_gold.get(gold["id"], ""), [])
        event = primary_event(events)
        if event is None:
            errors.append({"id": gold["id"], "field": "event", "expected": "an event", "got": why_missing.get(gold["id"]), "notes": ""})
            continue
        totals["with_event"] += 1
        notes = _notes(event)
        if admin1_matches(event["admin1"], gold["admin1"], gold.get("admin1_also", [])):
            totals["admin1"] += 1
        else:
            errors.append({"id": gold["id"], "field": "admin1", "expected": gold["admin1"], "got": event["admin1"], "notes": notes})
        got_date, want_date = _parse_date(event["event_date"]), _parse_date(gold["event_date"])
        if got_date and want_date:
            diff = abs((got_date - want_date).days)
            totals["date_exact"] += diff == 0
            totals["date_1day"] += diff <= 1
            if diff > 1:
                errors.append({"id": gold["id"], "field": "event_date", "expected": str(want_date), "got": str(got_date), "notes": notes, "off": diff})
        elif want_date:
            errors.append({"id": gold["id"], "field": "event_date", "expected": str(want_date), "got": None, "notes": notes, "off": math.inf})
        got_f, want_f = event["fatalities"] or 0, gold["fatalities"]
        totals["fatalities_exact"] += got_f == want_f
        totals["fatalities_20pct"] += abs(got_f - want_f) <= 0.2 * max(want_f, 1)
        if got_f != want_f:
            errors.append({"id": gold["id"], "field": "fatalities", "expected": want_f, "got": got_f, "notes": notes, "off": abs(got_f - want_f) / max(want_f, 1)})
        cause = gold.get("cause_of_death")
        if cause in CAUSE_FITS:
            totals["cause_known"] += 1
            if event["sub_event_type"] in CAUSE_FITS[cause]:
                totals["cause"] += 1
            else:
                errors.append({"id": gold["id"], "field": "cause", "expected": cause, "got": event["sub_event_type"], "notes": notes})
        actor_class = gold.get("actor_class")
        if actor_class and actor_class != "unknown":
            totals["actor_known"] += 1
            got_class = fakes_actor_class(event["actor1"])
            if got_class == actor_class:
                totals["actor"] += 1
            else:
                errors.append({"id": gold["id"], "field": "actor_class", "expected": actor_class, "got": f"{event['actor1']} ({got_class})", "notes": notes})
    n = max(totals["articles"], 1)
    metrics = {
        "articles": totals["articles"],
        "with_event": totals["with_event"] / n,
        "admin1": totals["admin1"] / n,
        "date_exact": totals["date_exact"] / n,
        "date_within_1_day": totals["date_1day"] / n,
        "fatalities_exact": totals["fatalities_exact"] / n,
        "fatalities_within_20pct": totals["fatalities_20pct"] / n,
        "cause": totals["cause"] / max(totals["cause_known"], 1),
        "actor_class": totals["actor"] / max(totals["actor_known"], 1),
    }
    return {"metrics": metrics, "errors": errors}


FAKES_ACTOR_CLASSES = (
    # First: "Global Coalition Against Daesh" names its enemy, not itself.
    ("international_coalition", re.compile(r"Global Coalition|International Coalition|US-led Coalition", re.I)),
    ("isis", re.compile(r"Islamic State|ISIS|ISIL|Daesh", re.I)),
    ("nusra_hts", re.compile(r"Hayat Tahrir|Nusra|Fateh al-Sham", re.I)),
    ("kurdish_self_administration", re.compile(r"Syrian Democratic Forces|YPG|Kurdish|Asayish|SDF", re.I)),
    ("international_coalition", re.compile(r"United States|Coalition|United Kingdom|France|Australia|Jordan|Canada|Netherlands|Belgium|Denmark|Turkey", re.I)),
    ("syrian_government_or_russia", re.compile(r"(?:Forces|Government) of (?:Syria|Russia)|Wagner|Hezbollah|Iran", re.I)),
    ("armed_opposition", re.compile(r"Rebel|Free Syrian Army|Opposition|Jaysh|Ahrar|Faylaq|National Front|Army of Islam|Jaish", re.I)),
)


def fakes_actor_class(actor1: str | None) -> str:
    """FA-KES's actor classes for an ACLED-style actor1 name."""
    if not actor1:
        return "unknown"
    for name, pattern in FAKES_ACTOR_CLASSES:
        if pattern.search(actor1):
            return name
    return "unknown"


# --- seeds ----------------------------------------------------------------------------------

# A gold event is found when a predicted event agrees on all of these (those the gold event states).
FOUND_FIELDS = ("sub_event_type", "country", "admin1", "fatalities", "event_date")
# Reported for every matched required event, in this order.
AGREEMENT_FIELDS = (
    "sub_event_type", "country", "admin1", "fatalities", "event_date", "actor1",
    "event_type", "actor2", "assoc_actor_1", "inter1", "geo_precision", "location", "coordinates", "injuries",
)
COORDINATE_TOLERANCE = 0.1  # degrees, about 10 km: two gazetteer entries for the same town differ by less


def _split_actors(value: str | None) -> list[str | None]:
    """ACLED joins several associated actors with "; "."""
    return [part.strip() for part in value.split(";")] if value else [None]


def seed_field_checks(event: dict[str, Any], gold: dict[str, Any]) -> dict[str, bool]:
    """Which fields of a predicted event agree with one gold seed event (only the fields the gold states).

    Gold null means the text does not say, so the prediction must be null too, except event_date
    (null accepts any date) and admin1 (null or any of admin1_also).
    """
    checks: dict[str, bool] = {}
    for name in ("sub_event_type", "event_type", "country", "actor1", "inter1", "geo_precision", "fatalities", "injuries"):
        if name in gold:
            checks[name] = event.get(name) == gold[name]
    if "location" in gold:
        checks["location"] = (event.get("location") or "").casefold() == (gold["location"] or "").casefold()
    if "admin1" in gold:
        checks["admin1"] = admin1_matches(event.get("admin1"), gold["admin1"], gold.get("admin1_also", []))
    if "event_date" in gold:
        want = _parse_date(gold["event_date"])
        got = _parse_date(event.get("event_date"))
        checks["event_date"] = want is None or (got is not None and abs((got - want).days) <= gold.get("tolerance_days", 0))
    if "actor2_any_of" in gold:
        checks["actor2"] = event.get("actor2") in gold["actor2_any_of"]
    if "assoc_actor_1_any_of" in gold:
        checks["assoc_actor_1"] = any(a in gold["assoc_actor_1_any_of"] for a in _split_actors(event.get("assoc_actor_1")))
    if "latitude" in gold and "longitude" in gold:
        lat, lon = event.get("latitude"), event.get("longitude")
        checks["coordinates"] = (
            lat is not None and lon is not None
            and abs(lat - gold["latitude"]) <= COORDINATE_TOLERANCE and abs(lon - gold["longitude"]) <= COORDINATE_TOLERANCE
        )
    return checks


def seed_found(checks: dict[str, bool]) -> bool:
    """A predicted event counts as the gold event when every stated FOUND_FIELDS field agrees."""
    return all(ok for name, ok in checks.items() if name in FOUND_FIELDS)


def _closeness(event: dict[str, Any], index: int, gold: dict[str, Any]) -> tuple:
    checks = seed_field_checks(event, gold)
    return (seed_found(checks), sum(checks.values()), event.get("confidence") or 0, -index)


def match_seed_article(events: list[dict[str, Any]], gold_events: list[dict[str, Any]]) -> dict[str, Any]:
    """Match one article's predicted events to its gold events.

    Required gold events pick first, then optional ones; each predicted event is found as at most one gold
    event. `closest` is the best predicted event for every gold event (found or not), for field agreement;
    `extra` are the predicted events found as no gold event.
    """
    order = sorted(range(len(gold_events)), key=lambda i: not gold_events[i].get("required", False))
    used: set[int] = set()
    found: dict[int, int] = {}
    closest: dict[int, int] = {}
    for g in order:
        ranked = sorted(range(len(events)), key=lambda i: _closeness(events[i], i, gold_events[g]), reverse=True)
        if ranked:
            closest[g] = ranked[0]
        for i in ranked:
            if i not in used and seed_found(seed_field_checks(events[i], gold_events[g])):
                found[g], closest[g] = i, i
                used.add(i)
                break
    return {"found": found, "closest": closest, "extra": [i for i in range(len(events)) if i not in used]}


def describe_event(event: dict[str, Any]) -> str:
    """One line for a person: what, who, where, how many, when."""
    where = event.get("admin1") or event.get("country") or "?"
    return f"{event.get('sub_event_type')} by {event.get('actor1')} in {where}, {event.get('fatalities')} killed, {event.get('event_date')}"


def _seed_expected(gold: dict[str, Any], name: str) -> Any:
    if name == "admin1":
        return [gold["admin1"], *gold.get("admin1_also", [])] if gold.get("admin1_also") else gold["admin1"]
    if name == "event_date":
        return f"{gold['event_date']} ±{gold.get('tolerance_days', 0)}d"
    if name in ("actor2", "assoc_actor_1"):
        return gold[f"{name}_any_of"]
    if name == "coordinates":
        return (gold["latitude"], gold["longitude"])
    return gold[name]


def _seed_got(event: dict[str, Any], name: str) -> Any:
    return (event.get("latitude"), event.get("longitude")) if name == "coordinates" else event.get(name)


def _seed_off(event: dict[str, Any], gold: dict[str, Any], name: str) -> float | None:
    """How far off a fatalities or date disagreement is (relative error, days), for ordering errors."""
    if name == "fatalities":
        return abs((event.get("fatalities") or 0) - gold["fatalities"]) / max(gold["fatalities"], 1)
    if name == "event_date":
        got = _parse_date(event.get("event_date"))
        return abs((got - _parse_date(gold["event_date"])).days) if got else math.inf
    return None


def score_seeds(
    events_by_article: dict[str, list[dict]], article_of_gold: dict[str, str], gold_articles: dict[str, dict],
    why_missing: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Seed metrics: required/optional gold events found, field agreement of matched required events, extra events."""
    why_missing = why_missing or {}
    counts = dict.fromkeys(
        ("with_event", "required_total", "required_found", "required_matched", "optional_total", "optional_found", "predicted", "extra"), 0
    )
    agreed: dict[str, list[bool]] = defaultdict(list)
    errors: list[dict[str, Any]] = []
    per_article: dict[str, dict[str, Any]] = {}
    for name, coding in gold_articles.items():
        events = events_by_article.get(article_of_gold.get(name, ""), [])
        gold_events = coding["events"]
        match = match_seed_article(events, gold_events)
        counts["with_event"] += bool(events)
        counts["predicted"] += len(events)
        counts["extra"] += len(match["extra"])
        per_article[name] = {
            "found": {g: events[i] for g, i in match["found"].items()},
            "extra": [events[i] for i in match["extra"]],
            "events": events,
        }
        for g, gold in enumerate(gold_events):
            kind = "required" if gold.get("required") else "optional"
            counts[f"{kind}_total"] += 1
            counts[f"{kind}_found"] += g in match["found"]
            if kind == "optional":
                continue
            ref = {"id": name, "gold_event": g + 1}
            if g not in match["closest"]:
                errors.append({**ref, "field": "event", "expected": describe_event(gold), "got": why_missing.get(name), "notes": ""})
                continue
            counts["required_matched"] += 1
            event = events[match["closest"][g]]
            checks = seed_field_checks(event, gold)
            for field_name in AGREEMENT_FIELDS:
                if field_name in checks:
                    agreed[field_name].append(checks[field_name])
            if g not in match["found"]:
                errors.append(
                    {**ref, "field": "event", "expected": describe_event(gold), "got": describe_event(event), "notes": _notes(event)}
                )
            for field_name, ok in checks.items():
                if not ok:
                    error = {
                        **ref, "field": field_name, "expected": _seed_expected(gold, field_name),
                        "got": _seed_got(event, field_name), "notes": _notes(event),
                    }
                    off = _seed_off(event, gold, field_name)
                    errors.append(error if off is None else {**error, "off": off})
        for i in match["extra"]:
            errors.append(
                {"id": name, "field": "extra_event", "expected": None, "got": describe_event(events[i]), "notes": _notes(events[i])}
            )
    n = max(len(gold_articles), 1)
    metrics: dict[str, Any] = {
        "articles": len(gold_articles),
        "with_event": counts["with_event"] / n,
        "required_found": counts["required_found"],
        "required_total": counts["required_total"],
        "required_recall": counts["required_found"] / max(counts["required_total"], 1),
        "optional_found": counts["optional_found"],
        "optional_total": counts["optional_total"],
        "predicted_events": counts["predicted"],
        "extra_events": counts["extra"],
        "required_matched": counts["required_matched"],
    }
    # Agreement over the required events that have a closest predicted event (and a gold value for the field).
    metrics.update({f"agree_{f}": sum(agreed[f]) / len(agreed[f]) for f in AGREEMENT_FIELDS if agreed[f]})
    return {"metrics": metrics, "errors": errors, "articles": per_article}


# --- both -----------------------------------------------------------------------------------

# Errors a person should see first: a missing event, then fatalities and dates by how far off, then the rest.
_ERROR_RANK = {"event": 0, "fatalities": 1, "event_date": 2}


def error_severity(error: dict[str, Any]) -> tuple[int, float]:
    """Sort key: rank of the field, then the larger relative fatality error or the more days off first."""
    return (_ERROR_RANK.get(error["field"], 3), -(error.get("off") or 0))


def order_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors worst first; equal ones keep gold order."""
    return sorted(errors, key=error_severity)


def evaluate(
    kind: str, gold: Any, articles: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]], quarantine: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """Score published rows (articles, events, quarantine) against a gold set loaded by `load_gold`.

    Returns metrics, errors worst first, and the gold ids found neither as an article nor in quarantine.
    """
    ids = gold_ids(kind, gold)
    article_of_gold, why_missing = map_gold_to_articles(ids, articles, quarantine)
    by_article = group_events(events)
    scorer = score_fakes if kind == "fakes" else score_seeds
    result = scorer(by_article, article_of_gold, gold, why_missing)
    result["errors"] = order_errors(result["errors"])
    result["not_in_lake"] = [i for i in ids if why_missing.get(i) == NOT_IN_LAKE]
    return result
