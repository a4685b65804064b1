"""Seeds scoring: each article's gold events matched to its predicted events, required ones first, with field agreement."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from conflict_events.evaluation.scoring import admin1_matches, event_notes, parse_date

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
        want = parse_date(gold["event_date"])
        got = parse_date(event.get("event_date"))
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
        got = parse_date(event.get("event_date"))
        return abs((got - parse_date(gold["event_date"])).days) if got else math.inf
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
                    {**ref, "field": "event", "expected": describe_event(gold), "got": describe_event(event), "notes": event_notes(event)}
                )
            for field_name, ok in checks.items():
                if not ok:
                    error = {
                        **ref, "field": field_name, "expected": _seed_expected(gold, field_name),
                        "got": _seed_got(event, field_name), "notes": event_notes(event),
                    }
                    off = _seed_off(event, gold, field_name)
                    errors.append(error if off is None else {**error, "off": off})
        for i in match["extra"]:
            errors.append(
                {"id": name, "field": "extra_event", "expected": None, "got": describe_event(events[i]), "notes": event_notes(events[i])}
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
