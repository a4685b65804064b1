"""The event coder on short sentences (one rule each) and on the bundled sample articles."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tasks.clean import clean_records
from tasks.evaluate import primary_event
from tasks.extract.coder import code_articles
from tasks.ingest import FileSource, read_sources
from tasks.records import RawRecord

from conftest import PROJECT_ROOT, SAMPLES

PUBLISHED = date(2024, 3, 20)  # a Wednesday


def code(resources, text, published=PUBLISHED):
    cleaned = clean_records([RawRecord("t", text, published=published.isoformat() if published else None)], date(2026, 11, 21), {})
    assert cleaned.articles, cleaned.quarantined
    events, failures = code_articles(cleaned.articles, resources)
    assert failures == []
    return events


def only(events):
    assert len(events) == 1, [(e["sub_event_type"], e["notes"]) for e in events]
    return events[0]


@pytest.mark.parametrize(
    "text, sub_event_type",
    [
        ("Russian warplanes struck the town of Ariha in Idlib province on Tuesday, killing 12 civilians.", "Air/drone strike"),
        ("Government forces shelled the outskirts of Sarmin on Tuesday, wounding three people.", "Shelling/artillery/missile attack"),
        ("A suicide bomber blew himself up at a checkpoint in Mogadishu on Tuesday, killing nine people.", "Suicide bomb"),
        ("A roadside bomb exploded near a patrol in Tuz Khurmatu on Tuesday, killing three soldiers.", "Remote explosive/landmine/IED"),
        ("Victims of a suspected chemical attack in Khan Sheikhun showed symptoms of sarin exposure, killing 70 people on Tuesday.", "Chemical weapon"),
        ("The Rapid Support Forces clashed with the army in El Fasher on Tuesday, killing 25 people.", "Armed clash"),
        ("M23 rebels seized the town of Kirumba in North Kivu on Tuesday.", "Non-state actor overtakes territory"),
        ("Congolese troops recaptured the town of Sake from M23 rebels on Tuesday.", "Government regains territory"),
        ("Gunmen killed eleven villagers in Konduga in Borno State on Tuesday.", "Attack"),
        ("Armed men abducted 40 students from a school in Kaura Namoda in Zamfara State on Tuesday.", "Abduction/forced disappearance"),
        ("Hundreds of doctors marched peacefully through central Nairobi on Tuesday to demand unpaid salaries.", "Peaceful protest"),
        ("Police fired tear gas to disperse protesters in Kisumu on Tuesday.", "Protest with intervention"),
        ("Police in Lahore arrested more than 200 opposition supporters on Tuesday.", "Arrests"),
    ],
)
def test_each_sub_event_type_from_one_sentence(resources, text, sub_event_type):
    assert only(code(resources, text))["sub_event_type"] == sub_event_type


def test_actor_roles_in_active_and_passive_voice(resources):
    active = only(code(resources, "Israeli jets struck Hezbollah positions near Nabatieh in Lebanon on Tuesday, killing two fighters."))
    assert (active["actor1"], active["inter1"]) == ("Military Forces of Israel", "External/Other forces")
    passive = only(code(resources, "At least 10 people were killed on Sunday when barrel bombs were dropped by regime forces on a town in Daraa, Syria."))
    assert passive["actor1"] == "Military Forces of Syria" and passive["inter1"] == "State forces"
    assert passive["fatalities"] == 10 and passive["admin1"] == "Daraa"


def test_associated_actors(resources):
    event = only(code(resources, "Airstrikes conducted by Syrian and Russian forces killed at least 25 people in northwestern Syria on Tuesday."))
    assert (event["actor1"], event["assoc_actor_1"]) == ("Military Forces of Syria", "Military Forces of Russia")
    assert (event["admin1"], event["geo_precision"]) == ("Idlib", 3)


def test_both_sides_of_a_battle(resources):
    event = only(code(resources, "Fighting between the Syrian Democratic Forces and Islamic State militants in Raqqa killed 30 fighters on Tuesday."))
    assert {event["actor1"], event["actor2"]} == {"Syrian Democratic Forces", "Islamic State (Syria)"}


def test_unknown_perpetrators_stay_unknown(resources):
    event = only(code(resources, "A car bomb exploded at a market in Azaz in Aleppo province on Tuesday, killing eight civilians."))
    assert event["actor1"] == "Unidentified Armed Group (Syria)"
    assert event["actor2"] == "Civilians (Syria)" and event["civilian_targeting"] == "Civilian targeting"


def test_a_capital_standing_for_its_government_is_not_the_place(resources):
    event = only(code(resources, "Damascus denied that government jets struck the town of Saraqeb in Idlib province on Tuesday, killing five people."))
    assert event["location"] != "Damascus" and event["admin1"] == "Idlib"


def test_speaker_homes_and_compound_adjectives_are_not_places(resources):
    event = only(code(resources, "Iran-backed militias shelled the village of Tal Rifaat in Aleppo province on Tuesday, killing four civilians, the London-based monitor said."))
    assert event["country"] == "Syria" and event["admin1"] == "Aleppo"


def test_meetings_threats_and_running_totals_are_not_events(resources):
    assert code(resources, "The defence ministers of Iran and Syria met in Tehran on Tuesday to discuss military cooperation against Israel.") == []
    assert code(resources, "Iran vowed to retaliate and threatened to launch missile strikes on Israeli cities.") == []
    assert code(resources, "The war in Syria has killed more than 300,000 people since 2011, according to the monitor.") == []


def test_background_events_long_before_publication_are_not_coded_again(resources):
    events = code(resources, "Jets struck Ariha in Idlib on Tuesday, killing 3 people. Hundreds died in a sarin attack in Ghouta in August 2013.")
    assert [e["fatalities"] for e in events] == [3]


def test_one_article_several_events(resources):
    events = code(
        resources,
        "Russian forces shelled Kharkiv on Tuesday, killing three people. "
        "In the southern city of Kherson, a Russian drone dropped an explosive on a bus stop on Monday, injuring two women.",
    )
    by_place = {e["admin1"]: e for e in events}
    assert set(by_place) == {"Kharkiv", "Kherson"}
    assert by_place["Kharkiv"]["event_date"] == date(2024, 3, 19) and by_place["Kharkiv"]["fatalities"] == 3
    assert by_place["Kherson"]["sub_event_type"] == "Air/drone strike" and by_place["Kherson"]["injuries"] == 2


def test_notes_hold_the_source_sentences_and_ids_are_stable(resources):
    text = "Russian warplanes struck the town of Ariha in Idlib province on Tuesday, killing 12 civilians."
    first, second = only(code(resources, text)), only(code(resources, text))
    assert first["notes"] == text
    assert first["event_id"] == second["event_id"] and first["event_id"].startswith(first["article_id"][:16])
    assert 0 < first["confidence"] <= 1


def test_samples_are_coded_as_their_expected_coding(resources):
    """Every event in tests/fixtures/samples_expected.json, matched by place and type, has the right fields."""
    expected = json.loads((PROJECT_ROOT / "tests" / "fixtures" / "samples_expected.json").read_text())
    records, _ = read_sources([FileSource(SAMPLES)])
    articles = clean_records(records, date(2026, 11, 21), {}).articles
    events, _ = code_articles(articles, resources)
    problems = []
    for article in articles:
        ref = article["source_ref"]
        key = ref if ref in expected else next(k for k in expected if k.endswith("#" + ref))
        got = [e for e in events if e["article_id"] == article["article_id"]]
        if not expected[key]:
            problems += [f"{ref}: coded a non-event"] if got else []
            continue
        for want in expected[key]:
            match = next((g for g in got if g["location"] == want["geonames_name"] and g["sub_event_type"] == want["sub_event_type"]), None)
            if match is None:
                problems.append(f"{ref}: no {want['sub_event_type']} at {want['geonames_name']}: {[(g['sub_event_type'], g['location']) for g in got]}")
                continue
            for field in ("country", "fatalities", "event_date"):
                value = str(match[field]) if field == "event_date" and match[field] else match[field]
                if value != want[field]:
                    problems.append(f"{ref}: {field} {value!r} != {want[field]!r}")
        assert primary_event(got) is not None
    assert problems == []


def test_an_article_the_parser_refuses_is_quarantined_and_the_batch_goes_on(resources):
    cleaned = clean_records(
        [RawRecord("short", "Gunmen killed five villagers in Konduga in Borno State on Tuesday."),
         RawRecord("long", "Jets struck Ariha in Idlib on Tuesday. " + "Residents fled the town. " * 30)],
        date(2026, 11, 21), {},
    )
    limit = resources.nlp.max_length
    resources.nlp.max_length = 300  # spaCy refuses longer texts with E088, as it does real ones over 1,000,000
    try:
        events, failures = code_articles(cleaned.articles, resources)
    finally:
        resources.nlp.max_length = limit
    assert [f["record_ref"] for f in failures] == ["long"] and failures[0]["reason"] == "extract_error"
    assert "E088" in failures[0]["detail"]
    assert [e["location"] for e in events] == ["Konduga"]
