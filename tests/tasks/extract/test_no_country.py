"""Issue 14: an event whose text names no country takes the record's own country, or is quarantined as `no_country`."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conflict_events.models import RawRecord
from conflict_events.schemas import SCHEMAS
from tasks.clean import clean_records
from tasks.extract.coder import code_articles

NO_COUNTRY = "Gunmen shot dead five villagers and torched their homes on Tuesday night, a local official said on Wednesday."


def coded(resources, text: str, **extra):
    cleaned = clean_records([RawRecord("r1", text, published="2024-03-20", extra=extra)], date(2026, 11, 21), {})
    assert cleaned.articles, cleaned.quarantined
    assert all(set(a) == set(SCHEMAS["articles"].names) for a in cleaned.articles)  # the hint travels beside the row
    return code_articles(cleaned.articles, resources, run_id="run-1", country_hints=cleaned.country_hints)


@pytest.mark.parametrize("hint", ["Nigeria", "NG", "nga", " Nigeria "])
def test_the_records_own_country_places_an_event_whose_text_names_none(resources, hint):
    events, failures = coded(resources, NO_COUNTRY, country=hint)
    assert failures == []
    assert [(e["country"], e["iso3"], e["admin1"]) for e in events] == [("Nigeria", "NGA", None)]
    assert events[0]["sub_event_type"] == "Attack" and events[0]["fatalities"] == 5


def test_a_country_the_text_names_wins_over_the_records_hint(resources):
    events, failures = coded(resources, "Gunmen shot dead five villagers in Konduga in Borno State on Tuesday.", country="Kenya")
    assert failures == []
    assert [(e["country"], e["admin1"]) for e in events] == [("Nigeria", "Borno")]


def test_an_event_without_any_country_is_a_quarantine_row_with_the_reason(resources):
    events, failures = coded(resources, NO_COUNTRY)
    assert events == []
    assert [(f.stage, f.reason, f.record_ref, f.run_id) for f in failures] == [("extract", "no_country", "r1", "run-1")]
    assert "gives no `country`" in failures[0].detail and "sources.toml" in failures[0].detail and "run --full" in failures[0].detail
    kept = json.loads(failures[0].payload)  # the whole event row, so nothing coded is lost
    assert kept["sub_event_type"] == "Attack" and kept["fatalities"] == 5 and kept["country"] is None


def test_a_hint_that_names_no_known_country_is_said_in_the_reason(resources):
    events, failures = coded(resources, NO_COUNTRY, country="Narnia")
    assert events == [] and [f.reason for f in failures] == ["no_country"]
    assert "'Narnia' is no country the gazetteer knows" in failures[0].detail
