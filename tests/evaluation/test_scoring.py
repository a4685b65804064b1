"""Scoring against gold: primary event, admin1 names, gold-to-article mapping, seed matching, error order."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tasks.clean import clean_records
from conflict_events.evaluation.scoring import (
    NOT_IN_LAKE,
    GoldError,
    admin1_matches,
    evaluate,
    fakes_actor_class,
    load_gold,
    map_gold_to_articles,
    match_seed_article,
    normalise_admin1,
    order_errors,
    primary_event,
    score_seeds,
    seed_field_checks,
)
from conflict_events.models import RawRecord, QuarantineRow

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
    row = {"id": gold_id, "event_date": "2024-03-19", "country": "Syria", "admin1": "Idlib", "admin1_also": [],
           "actor_class": "syrian_government_or_russia", "cause_of_death": "shelling", "fatalities": 12}
    return {**row, **fields}


def cleaned(records: list[tuple[str, str]]) -> tuple[list[dict], list[dict]]:
    """Run the real clean stage so quarantine rows carry what clean really writes."""
    result = clean_records([RawRecord(source_ref=ref, text=text) for ref, text in records], date(2024, 3, 21), {})
    return result.articles, result.quarantined


# --- primary event and admin1 -----------------------------------------------------------------


def test_primary_event_is_the_deadliest_then_the_most_confident_then_the_first():
    a, b, c = event(fatalities=3, confidence=0.99), event(fatalities=7, confidence=0.5), event(fatalities=7, confidence=0.8)
    assert primary_event([a, b, c]) is c
    d, e = event(fatalities=7, confidence=0.8), event(fatalities=7, confidence=0.8)
    assert primary_event([d, e]) is d
    assert primary_event([event(fatalities=None, confidence=0.9), event(fatalities=0, confidence=0.2)])["confidence"] == 0.9
    assert primary_event([]) is None


@pytest.mark.parametrize(
    "predicted, gold",
    [("Ar-Raqqah", "Raqqah"), ("Idlib Governorate", "idlib"), ("Ḩamāh", "Hamah"), ("Al-Hasakah", "Hasakah"), ("Deir ez-Zor", "Deir Ez Zor")],
)
def test_admin1_names_compare_without_case_accents_prefixes_or_governorate(predicted, gold):
    assert normalise_admin1(predicted) == normalise_admin1(gold)


def test_admin1_alternatives_and_null():
    assert admin1_matches("Rif Dimashq", "Damascus", ["Rif Dimashq"])
    assert not admin1_matches("Aleppo", "Idlib", [])
    assert admin1_matches(None, None, ["Daraa"]) and admin1_matches("Daraa", None, ["Daraa"])
    assert not admin1_matches(None, "Idlib", []) and not admin1_matches("Homs", None, ["Daraa"])


# --- gold to articles ---------------------------------------------------------------------------


def test_a_duplicate_maps_to_the_kept_copy_and_other_quarantine_reasons_to_no_article():
    articles, quarantine = cleaned([("g1", STRIKE), ("g2", "  " + STRIKE.replace(" ", "  ") + "\n"), ("g3", "Shelling in Idlib.")])
    assert [q["reason"] for q in quarantine] == ["duplicate", "too_short"]
    article_of_gold, missing = map_gold_to_articles(["g1", "g2", "g3", "g4"], articles, quarantine)
    assert article_of_gold == {"g1": articles[0]["article_id"], "g2": articles[0]["article_id"]}
    assert missing == {"g3": "quarantined clean:too_short", "g4": NOT_IN_LAKE}


def test_seed_gold_keys_match_the_file_name_of_a_relative_path_and_validate_rows_their_source_ref():
    articles = [{"source_ref": "batch/000_a.txt", "article_id": "A"}, {"source_ref": "other/000_a.txt.bak", "article_id": "B"}]
    rejected = QuarantineRow.of("C" * 64, "validate", "failed_expectations", "articles row failed: n_chars", {"source_ref": "batch/001_b.txt"})
    article_of_gold, missing = map_gold_to_articles(["000_a.txt", "001_b.txt"], articles, [rejected])
    assert article_of_gold == {"000_a.txt": "A"}
    assert missing == {"001_b.txt": "quarantined validate:failed_expectations"}


def test_an_article_published_by_a_later_run_wins_over_an_old_QuarantineRow.of():
    articles, _ = cleaned([("g1", STRIKE)])
    old = QuarantineRow.of("g1", "extract", "extract_error", "ValueError: boom", {"text": STRIKE})
    assert map_gold_to_articles(["g1"], articles, [old]) == ({"g1": articles[0]["article_id"]}, {})


def test_events_rejected_by_validation_explain_why_a_published_article_has_no_event():
    articles, _ = cleaned([("g1", STRIKE), ("g2", BOMB)])
    for article in articles:
        article["run_id"] = "run-2"
    bad = event(articles[0]["article_id"], country=None)
    rejected = QuarantineRow.of("e1", "validate", "failed_expectations", "events row failed: not_null(country)", bad, "run-2")
    older = QuarantineRow.of("e0", "validate", "failed_expectations", "events row failed: range(fatalities)", event(articles[1]["article_id"]), "run-1")
    article_of_gold, missing = map_gold_to_articles(["g1", "g2"], articles, [rejected, older])
    assert article_of_gold == {"g1": articles[0]["article_id"], "g2": articles[1]["article_id"]}
    assert missing == {"g1": "events quarantined validate:failed_expectations (events row failed: not_null(country))"}


def test_fakes_duplicate_text_is_scored_against_the_kept_copys_events():
    articles, quarantine = cleaned([("g1", STRIKE), ("g2", STRIKE), ("g3", "Shelling in Idlib."), ("g4", BOMB)])
    kept = {a["source_ref"]: a["article_id"] for a in articles}
    events = [event(kept["g1"]), event(kept["g1"], fatalities=2, confidence=0.99),
              event(kept["g4"], sub_event_type="Remote explosive/landmine/IED", admin1="Aleppo", fatalities=5,
                    actor1="Unidentified Armed Group (Syria)", event_date=date(2024, 3, 15))]
    gold = [fakes_gold("g1"), fakes_gold("g2", fatalities=10, admin1="Hama", actor_class="unknown"), fakes_gold("g3"),
            fakes_gold("g4", admin1="Aleppo", fatalities=6, event_date="2024-03-18", cause_of_death="explosion", actor_class="isis")]
    result = evaluate("fakes", gold, articles, events, quarantine)
    assert result["metrics"] == {
        "articles": 4, "with_event": 0.75, "admin1": 0.5, "date_exact": 0.5, "date_within_1_day": 0.5,
        "fatalities_exact": 0.25, "fatalities_within_20pct": 0.75, "cause": 1.0, "actor_class": 0.5,
    }
    assert [(e["id"], e["field"], e["got"]) for e in result["errors"]] == [
        ("g3", "event", "quarantined clean:too_short"),
        ("g2", "fatalities", 12),  # 20% off before g4's 17%
        ("g4", "fatalities", 5),
        ("g4", "event_date", "2024-03-15"),
        ("g2", "admin1", "Idlib"),
        ("g4", "actor_class", "Unidentified Armed Group (Syria) (unknown)"),
    ]
    assert result["not_in_lake"] == []


# --- seeds --------------------------------------------------------------------------------------

AIRSTRIKE = {"required": True, "event_date": "2024-03-18", "tolerance_days": 1, "event_type": "Explosions/Remote violence",
             "sub_event_type": "Air/drone strike", "actor1": "Military Forces of Israel", "actor2_any_of": ["Military Forces of Syria", None],
             "assoc_actor_1_any_of": ["Military Forces of Russia", None], "country": "Syria", "admin1": None,
             "admin1_also": ["Daraa", "Quneitra"], "fatalities": 0}


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


# --- error order and gold files -----------------------------------------------------------------


def test_errors_are_ordered_no_event_then_fatalities_by_relative_error_then_days_then_the_rest():
    errors = [
        {"id": "1", "field": "admin1"},
        {"id": "2", "field": "event_date", "off": 3},
        {"id": "3", "field": "fatalities", "off": 0.5},
        {"id": "4", "field": "event"},
        {"id": "5", "field": "fatalities", "off": 20.0},
        {"id": "6", "field": "event_date", "off": float("inf")},
        {"id": "7", "field": "cause"},
    ]
    assert [e["id"] for e in order_errors(errors)] == ["4", "5", "3", "6", "2", "1", "7"]


def test_load_gold_detects_the_format(tmp_path):
    jsonl = tmp_path / "g.jsonl"
    jsonl.write_text(json.dumps(fakes_gold("a")) + "\n\n" + json.dumps(fakes_gold("b")) + "\n")
    assert load_gold(jsonl) == ("fakes", [fakes_gold("a"), fakes_gold("b")])
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(fakes_gold("a")))
    assert load_gold(one) == ("fakes", [fakes_gold("a")])
    seeds = tmp_path / "s.json"
    seeds.write_text(json.dumps({"about": "x", "articles": {"a.txt": {"events": [AIRSTRIKE]}}}))
    assert load_gold(seeds) == ("seeds", {"a.txt": {"events": [AIRSTRIKE]}})


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"id": "a"}\n{not json\n', "line 2 is not JSON"),
        ('{"event_date": "2024-01-01"}\n', 'line 1 is not an object with an "id"'),
        ('{"articles": {"a.txt": {"coding": []}}}', '"events" list'),
        ("\n\n", "no gold rows"),
        ("[1, 2]", 'line 1 is not an object with an "id"'),
    ],
)
def test_unusable_gold_files_raise_a_clear_error(tmp_path, content, message):
    path = tmp_path / "gold.json"
    path.write_text(content)
    with pytest.raises(GoldError, match=message):
        load_gold(path)


def test_the_shared_gold_files_are_recognised(shared_dir):
    kind, rows = load_gold(shared_dir / "eval" / "fakes_dev_gold.jsonl")
    assert kind == "fakes" and len(rows) == 319
    kind, articles = load_gold(shared_dir / "eval" / "seeds_gold.json")
    assert kind == "seeds" and "000_2ed2d417069db657.txt" in articles


@pytest.mark.parametrize(
    "actor1, fakes_class",
    [
        ("Global Coalition Against Daesh", "international_coalition"),
        ("Military Forces of the United States", "international_coalition"),
        ("Government of Syria", "syrian_government_or_russia"),
        ("Military Forces of Russia", "syrian_government_or_russia"),
        ("Islamic State (Syria)", "isis"),
        ("Hayat Tahrir al-Sham", "nusra_hts"),
        ("Syrian Democratic Forces", "kurdish_self_administration"),
        ("Rebel Forces (Syria)", "armed_opposition"),
        ("Unidentified Armed Group (Syria)", "unknown"),
    ],
)
def test_acled_actor_names_map_to_fakes_classes(actor1, fakes_class):
    assert fakes_actor_class(actor1) == fakes_class
