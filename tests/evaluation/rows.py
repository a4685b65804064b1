"""Rows the evaluation tests score: predicted events, gold rows, and what the real clean stage writes."""

from __future__ import annotations

from datetime import date

from conflict_events.models import QuarantineRow, RawRecord
from tasks.clean import clean_records

STRIKE = "Russian warplanes struck the town of Ariha in Idlib province on Tuesday, killing 12 civilians, monitors said."
BOMB = "A car bomb exploded in the town of Azaz in Aleppo province on Monday, killing five people, a monitoring group said."


def event(article_id: str = "x", **fields) -> dict:
    """A predicted event row with the columns the scorers read."""
    row = {
        "article_id": article_id, "event_date": date(2024, 3, 19), "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike", "actor1": "Military Forces of Russia", "assoc_actor_1": None,
        "inter1": "External/Other forces", "actor2": None, "country": "Syria", "admin1": "Idlib", "location": "Ariha",
        "latitude": 35.81, "longitude": 36.61, "geo_precision": 1, "fatalities": 12, "injuries": 0,
        "notes": "Russian warplanes struck Ariha.", "confidence": 0.9,
    }
    return {**row, **fields}


def fakes_gold(gold_id: str, **fields) -> dict:
    """A FA-KES gold row (one line of fakes_dev_gold.jsonl)."""
    row = {"id": gold_id, "event_date": "2024-03-19", "country": "Syria", "admin1": "Idlib", "admin1_also": [],
           "actor_class": "syrian_government_or_russia", "cause_of_death": "shelling", "fatalities": 12}
    return {**row, **fields}


def cleaned(records: list[tuple[str, str]]) -> tuple[list[dict], list[QuarantineRow]]:
    """Run the real clean stage so quarantine rows carry what clean really writes."""
    result = clean_records([RawRecord(source_ref=ref, text=text) for ref, text in records], date(2024, 3, 21), {})
    return result.articles, result.quarantined


AIRSTRIKE = {"required": True, "event_date": "2024-03-18", "tolerance_days": 1, "event_type": "Explosions/Remote violence",
             "sub_event_type": "Air/drone strike", "actor1": "Military Forces of Israel", "actor2_any_of": ["Military Forces of Syria", None],
             "assoc_actor_1_any_of": ["Military Forces of Russia", None], "country": "Syria", "admin1": None,
             "admin1_also": ["Daraa", "Quneitra"], "fatalities": 0}
