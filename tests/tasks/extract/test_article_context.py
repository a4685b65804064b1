"""Article-level rules of the coder: what is news and what is context, where the story is, who acted."""

from __future__ import annotations

from datetime import date

from conflict_events.evaluation.scoring import primary_event
from tasks.extract.gazetteer import skeleton

from conftest import code_text

PUBLISHED = date(2017, 4, 9)  # a Sunday


def code(resources, text, published=PUBLISHED):
    return code_text(resources, text, published)


def test_an_earlier_attack_named_in_a_clause_is_context_not_news(resources):
    events = code(
        resources,
        "One woman was killed in an air strike on Saturday on the Syrian town of Khan Sheikhun, site of a suspected "
        "chemical attack earlier this week that killed 87 people, a monitor said.",
    )
    event = primary_event(events)
    assert (event["sub_event_type"], event["fatalities"], event["event_date"]) == ("Air/drone strike", 1, date(2017, 4, 8))
    assert all(e["sub_event_type"] != "Chemical weapon" for e in events)


def test_a_toll_of_several_days_later_in_the_article_does_not_replace_the_news(resources):
    events = code(
        resources,
        "Air strikes on a school complex in the village of Hass in Idlib province killed 35 people on Saturday, rescuers said. "
        "The strikes hit the school as children gathered outside. Residents said warplanes circled for an hour. "
        "Seven days of airstrikes across the province had left more than 75 civilians dead and 150 wounded.",
    )
    assert primary_event(events)["fatalities"] == 35


def test_the_holder_of_a_town_is_not_who_attacked_it(resources):
    event = primary_event(
        code(resources, "Syrian government air strikes on the Islamic State-held town of al-Bab in Syria killed 12 civilians on Saturday.")
    )
    assert event["actor1"] == "Military Forces of Syria"
    assert "Islamic State" not in (event["actor2"] or "")
    held_by = primary_event(
        code(
            resources,
            "At least 11 civilians were killed in regime barrel bomb attacks in the town of al-Bab in Syria held by the "
            "extremist Islamic State (IS) group on Saturday.",
        )
    )
    assert held_by["actor1"] == "Military Forces of Syria" and "Islamic State" not in (held_by["assoc_actor_1"] or "")


def test_the_story_is_where_its_places_are_not_whose_names_recur(resources):
    event = primary_event(
        code(
            resources,
            "Intense bombardment by the Assad regime and its ally Russia killed 80 civilians in the city of Aleppo on Saturday. "
            "Russia denied the charge. Russia said its aircraft struck only militants, and Moscow called for talks. "
            "Diplomats in Washington and Geneva condemned the bombardment.",
        )
    )
    assert (event["country"], event["admin1"]) == ("Syria", "Aleppo")


def test_names_spelled_another_way_or_without_an_apostrophe_are_still_found(resources):
    ezour = primary_event(code(resources, "The Syrian army killed over 60 ISIL militants in Deir Ezour on Saturday."))
    assert ezour["admin1"] == "Deir ez-Zor"
    possessive = primary_event(code(resources, "A bomb exploded in Aleppos Salaheddin district in Syria on Saturday, killing six people."))
    assert possessive["admin1"] == "Aleppo"
    assert skeleton("deir ez zor") == skeleton("deir ezour") and skeleton("idleb") == skeleton("idlib")


def test_a_claim_of_responsibility_names_the_perpetrator(resources):
    event = primary_event(
        code(
            resources,
            "A suicide bomber killed 22 people at a wedding party in Hasakeh province in Syria on Saturday. "
            "The Islamic State group claimed responsibility for the attack.",
        )
    )
    assert (event["sub_event_type"], event["actor1"]) == ("Suicide bomb", "Islamic State (Syria)")


def test_without_a_claim_the_perpetrator_stays_unknown(resources):
    event = primary_event(
        code(
            resources,
            "A car bomb exploded near a checkpoint in Azaz in Aleppo province in Syria on Saturday, killing 20 people. "
            "It was not immediately clear who carried out the attack.",
        )
    )
    assert event["actor1"] == "Unidentified Armed Group (Syria)"


def test_notes_keep_the_whole_sentence_even_when_part_of_it_is_context(resources):
    text = (
        "Rebel shelling killed four civilians in Damascus on Saturday, days after a car bomb killed 12 people in the same "
        "district, a monitor said."
    )
    event = primary_event(code(resources, text))
    assert event["fatalities"] == 4
    assert text in event["notes"]


def test_a_stated_figure_replaces_a_vague_word_for_the_same_event(resources):
    event = primary_event(
        code(
            resources,
            "US coalition warplanes kill dozens of civilians in Syria's Aleppo. "
            "Coalition jets killed at least 60 civilians in the village of Salsana in Aleppo province on Saturday, a monitor said.",
        )
    )
    assert event["fatalities"] == 60


def test_after_the_lead_only_todays_and_yesterdays_incidents_are_news(resources):
    events = code(
        resources,
        "Russian missiles struck an apartment block in Dnipro in Ukraine on Sunday, killing six people, officials said. "
        "Rescuers searched the rubble through the night. The city's mayor declared a day of mourning. "
        "On Saturday a drone attack on a power plant in Kharkiv killed two workers, the regional governor said. "
        "On Thursday shelling in Kherson killed four civilians.",
    )
    assert sorted(e["fatalities"] for e in events) == [2, 6]  # Sunday's strike and Saturday's; not Thursday's


def test_reported_speech_in_the_past_perfect_is_news(resources):
    event = primary_event(
        code(resources, "Police said at least 10 people had been killed in a suicide bombing at a market in Maiduguri in Nigeria on Saturday.")
    )
    assert (event["sub_event_type"], event["fatalities"], event["admin1"]) == ("Suicide bomb", 10, "Borno")


def test_a_sentence_recalling_an_earlier_attack_is_no_new_event(resources):
    events = code(
        resources,
        "Gunmen killed 12 villagers in Zurmi in Zamfara State in Nigeria on Saturday, police said. "
        "Residents fled to the nearby town. Troops were deployed to the area. "
        "The attack came two days after bandits abducted 20 people in the town of Gusau.",
    )
    assert [e["sub_event_type"] for e in events] == ["Attack"]


def test_the_place_of_the_recalled_attack_is_not_the_events(resources):
    event = primary_event(
        code(resources, "Jihadists killed 7 soldiers in Burkina Faso on Saturday, days after 20 civilians were killed in the town of Djibo.")
    )
    assert event["fatalities"] == 7 and event["location"] != "Djibo"


def test_a_demonym_before_the_means_is_the_states_forces(resources):
    event = primary_event(code(resources, "An Israeli strike on a house in Deir al-Balah in Gaza killed 8 people on Saturday."))
    assert (event["actor1"], event["inter1"]) == ("Military Forces of Israel", "External/Other forces")


def test_coalition_airstrikes_are_the_anti_is_coalition_only_in_syria_and_iraq(resources):
    syria = primary_event(code(resources, "Coalition airstrikes killed 12 people in Raqqa in Syria on Saturday."))
    yemen = primary_event(code(resources, "Coalition airstrikes killed 12 people in Saada province in Yemen on Saturday."))
    assert syria["actor1"] == "Global Coalition Against Daesh"
    assert yemen["actor1"] != "Global Coalition Against Daesh"


def test_a_claim_of_another_incident_does_not_name_this_ones_perpetrator(resources):
    event = primary_event(
        code(
            resources,
            "An explosion killed 6 people at a market in Kidal in Mali on Saturday. "
            "JNIM claimed responsibility for an ambush that killed 20 soldiers near Gao in January.",
        )
    )
    assert event["actor1"] == "Unidentified Armed Group (Mali)"


def test_a_roundups_separate_undated_incident_is_news(resources):
    events = code(
        resources,
        "Gunmen killed 9 worshippers at a mosque in Katsina State in Nigeria on Saturday, police said. "
        "The attackers fled on motorbikes. Security forces launched a search. "
        "Separately, bandits killed 4 farmers in Zamfara State.",
    )
    assert sorted(e["fatalities"] for e in events) == [4, 9]
