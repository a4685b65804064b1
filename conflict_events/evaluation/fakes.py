"""FA-KES scoring: one primary event per gold article, compared on admin1, date, fatalities, cause and actor class."""

from __future__ import annotations

import math
import re
from typing import Any

from conflict_events.evaluation.scoring import admin1_matches, event_notes, parse_date, primary_event

SHELLING_CAUSES = {"Shelling/artillery/missile attack", "Air/drone strike"}
CAUSE_FITS = {
    "shelling": SHELLING_CAUSES,
    "explosion": {"Remote explosive/landmine/IED", "Suicide bomb", "Grenade"},
    "chemical and toxic gases": {"Chemical weapon"},
    "shooting": {"Armed clash", "Attack"},
    "execution": {"Attack"},
}
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
        notes = event_notes(event)
        if admin1_matches(event["admin1"], gold["admin1"], gold.get("admin1_also", [])):
            totals["admin1"] += 1
        else:
            errors.append({"id": gold["id"], "field": "admin1", "expected": gold["admin1"], "got": event["admin1"], "notes": notes})
        got_date, want_date = parse_date(event["event_date"]), parse_date(gold["event_date"])
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
