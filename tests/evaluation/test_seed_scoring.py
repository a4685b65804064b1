"""Seeds scoring: date tolerance, any-of fields, matching gold events once, closest events of those not found."""

from __future__ import annotations

from datetime import date

from conflict_events.evaluation.report import order_errors
from conflict_events.evaluation.seeds import match_seed_article, score_seeds, seed_field_checks
from tests.evaluation.rows import AIRSTRIKE, event


def test_seed_date_tolerance_and_null_date():
    inside = event(event_date=date(2024, 3, 19), actor1="Military Forces of Israel", admin1=None, fatalities=0)
    assert seed_field_checks(inside, AIRSTRIKE)["event_date"]
    assert not seed_field_checks({**inside, "event_date": date(2024, 3, 20)}, AIRSTRIKE)["event_date"]
    assert not seed_field_checks({**inside, "event_date": None}, AIRSTRIKE)["event_date"]
    assert not seed_field_checks(inside, {**AIRSTRIKE, "tolerance_days": 0})["event_date"]
    assert not seed_field_checks(inside, {k: v for k, v in AIRSTRIKE.items() if k != "tolerance_days"})["event_date"]
    assert seed_field_checks({**inside, "event_date": date(2020, 1, 1)}, {**AIRSTRIKE, "event_date": None})["event_date"]


def test_seed_any_of_fields_and_null_admin1():
    base = event(actor1="Military Forces of Israel", admin1=None, fatalities=0, event_date=date(2024, 3, 18))
    checks = seed_field_checks(base, AIRSTRIKE)
    assert checks["actor2"] and checks["assoc_actor_1"] and checks["admin1"] and all(checks.values())
    assert seed_field_checks({**base, "actor2": "Military Forces of Syria", "admin1": "Quneitra"}, AIRSTRIKE)["actor2"]
    assert not seed_field_checks({**base, "actor2": "Civilians (Syria)"}, AIRSTRIKE)["actor2"]
    assert seed_field_checks({**base, "assoc_actor_1": "Hezbollah; Military Forces of Russia"}, AIRSTRIKE)["assoc_actor_1"]
    assert not seed_field_checks({**base, "assoc_actor_1": "Hezbollah"}, AIRSTRIKE)["assoc_actor_1"]
    assert not seed_field_checks({**base, "admin1": "Homs"}, AIRSTRIKE)["admin1"]
    assert "coordinates" not in checks and "location" not in checks  # only what the gold states is checked


def test_seed_matching_finds_each_gold_event_once_and_counts_extra_events():
    capture = {"required": True, "event_date": None, "sub_event_type": "Non-state actor overtakes territory",
               "actor1": "Hayat Tahrir al-Sham", "country": "Syria", "admin1": "Aleppo", "fatalities": 0,
               "latitude": 36.2021, "longitude": 37.1343}
    iraq = {**AIRSTRIKE, "required": False, "country": "Iraq", "admin1": None, "admin1_also": []}
    again = {**AIRSTRIKE, "required": False}  # an optional second strike like the required one
    strike = event(actor1="Military Forces of Israel", admin1="Daraa", fatalities=0, event_date=date(2024, 3, 18), confidence=0.5)
    twin = {**strike, "confidence": 0.9}  # the better copy goes to the required gold event, the other to the optional one
    taken = event(sub_event_type="Non-state actor overtakes territory", actor1="Hayat Tahrir al-Sham", admin1="Aleppo",
                  fatalities=0, event_date=None, latitude=36.20, longitude=37.16)
    clash = event(sub_event_type="Armed clash", fatalities=2)
    predicted = [strike, twin, taken, clash]
    match = match_seed_article(predicted, [iraq, AIRSTRIKE, capture, again])
    assert match["found"] == {1: 1, 2: 2, 3: 0} and match["extra"] == [3]
    gold = {"A": {"events": [iraq, AIRSTRIKE, capture, again]}, "B": {"events": [AIRSTRIKE]}}
    result = score_seeds({"A": predicted}, {"A": "A"}, gold, {"B": "quarantined clean:not_english"})
    metrics = result["metrics"]
    assert (metrics["required_found"], metrics["required_total"], metrics["optional_found"], metrics["optional_total"]) == (2, 3, 1, 2)
    assert (metrics["extra_events"], metrics["predicted_events"], metrics["with_event"], metrics["required_matched"]) == (1, 4, 0.5, 2)
    assert metrics["agree_coordinates"] == 1.0 and metrics["agree_admin1"] == 1.0
    fields = [(e["id"], e["field"]) for e in order_errors(result["errors"])]
    assert fields == [("B", "event"), ("A", "extra_event")]
    assert order_errors(result["errors"])[0]["got"] == "quarantined clean:not_english"


def test_a_required_event_not_found_lists_its_closest_event_and_the_fields_that_differ():
    wrong = event(actor1="Military Forces of Israel", admin1="Daraa", fatalities=4, event_date=date(2024, 3, 25))
    result = score_seeds({"A": [wrong]}, {"a.txt": "A"}, {"a.txt": {"events": [AIRSTRIKE]}})
    assert result["metrics"]["required_found"] == 0 and result["metrics"]["extra_events"] == 1
    assert result["metrics"]["agree_fatalities"] == 0.0 and result["metrics"]["agree_actor1"] == 1.0
    errors = order_errors(result["errors"])
    assert [e["field"] for e in errors] == ["event", "fatalities", "event_date", "extra_event"]
    assert errors[1]["expected"] == 0 and errors[1]["got"] == 4 and errors[2]["expected"] == "2024-03-18 ±1d"
    assert errors[0]["gold_event"] == 1 and "Ariha" in errors[0]["notes"]
