"""Fatality and injury counts by ACLED's conservative rules."""

from __future__ import annotations

import pytest

from tasks.extract.numbers import Casualties, count_casualties


@pytest.mark.parametrize(
    "sentence, fatalities, injuries",
    [
        ("A suicide bomb blast killed at least 16 people in the city.", 16, None),
        ("Airstrikes that have killed at least 25.", 25, None),
        ("Three US troops were killed in the drone attack.", 3, None),
        ("An explosion inside a bus killed six people and injured another ten.", 6, 10),
        ("Dozens of people were wounded in the blast.", None, 12),
        ("Dozens were killed when the market was shelled.", 12, None),
        ("Tens of civilians were killed in the raids.", 10, None),
        ("Hundreds of people died in the attack.", 100, None),
        ("Ten children were among at least 48 people killed in the village.", 48, None),
        ("WHO said in a statement putting the death toll at at least 70.", 70, None),
        ("Some 120 militants and 60 foreign mercenaries were killed in a series of strikes.", 180, None),
        ("Jets hit the cities killing more than 40 people and wounding 90 others.", 40, 90),
        ("57 Civilians killed 150 Injured in Continued Attacks on Aleppo", 57, 150),
        ("Between 10 and 15 people were killed, the group said.", 10, None),
        ("The strikes reportedly injured one soldier and caused material damage.", None, 1),
        ("No casualties were reported.", 0, None),
        ("The attack took place at 10:30, killing 4 people.", 4, None),
        ("The army said 1,200 fighters were killed.", 1200, None),
        ("The strike killed 4 to 6 people, according to local officials.", 4, None),  # a range: its lowest figure
        ("Four to six people were killed in the raid, police said.", 4, None),
        ("The raid killed 4-6 people, police said.", 4, None),
        ("At least 25 people were killed when jets struck the market.", 25, None),
        ("Hundreds of people were wounded in the blast.", None, 100),
        ("Scores of people were injured.", None, 20),
        ("Two policemen were wounded when the convoy was attacked.", None, 2),
        ("The blast caused no casualties.", 0, None),
        # Digits that are no counts: dates, spans of time, distances.
        ("Tue Oct 3 2017 At least 45 killed in US airstrike on Raqqa.", 45, None),
        ("06-06-2016 3 Civilians Killed 38 Injured in Rocket Attacks on Deir Ezzor.", 3, 38),
        ("Similar attacks in the past 24 hours killed 10 people in the city.", 10, None),
        ("The village lies 60 kilometres from the city where 3 people were killed.", 3, None),
        ("Two car bombs killed at least 25 people in the city.", 25, None),  # the number of weapons is no toll
        ("The opposition accused government forces of killing well over 1000 civilians with poison gas.", 1000, None),
        # A toll update is the new toll; more dead later add to the first figure.
        ("Four people died in hospital, bringing the death toll to 14.", 14, None),
        ("The death toll rose to 25 after 5 more bodies were found.", 25, None),
        ("At least 10 were killed and another 5 later died of their wounds.", 15, None),
        ("An attack killed 5 soldiers; 3 others died later in hospital.", 8, None),
        # A day-month date is no count; a comma-closed subset is no toll either.
        ("The strike on 7 October killed 12.", 12, None),
        ("Seven people, including two children, were killed.", 7, None),
        ("Ten civilians, among them 4 women, were killed.", 10, None),
        ("The attack on Tuesday killed 20 people, the deadliest this week.", 20, None),
        ("The Syrian army's units eliminated over 75 Nusra Front militants.", 75, None),
        ("A monitor raised the death toll from airstrikes on a market in a northern opposition-held town the previous day to 61.", 61, None),
        # A subset named inside the whole is not the toll.
        ("At least 53 civilians including 21 children died on Sunday.", 53, None),
        ("On Tuesday 25 people including seven women and a child were killed.", 25, None),
        ("Nearly 58 people including women and children were killed in the shelling.", 58, None),
        # How some sources say killed.
        ("Three citizens were martyred and others were injured in the bombing.", 3, None),
        ("Army units eliminated over 75 militants near the town.", 75, None),
        ("The raids led to the death of five civilians.", 5, None),
        ("The video shows the killing of two activists.", 2, None),
    ],
)
def test_counts(sentence, fatalities, injuries):
    counts = count_casualties(sentence)
    assert (counts.fatalities, counts.injuries) == (fatalities, injuries)


@pytest.mark.parametrize(
    "sentence",
    [
        "The war has killed more than 300,000 people since 2011.",
        "Over 150 attacks on US forces since October have left 3 dead.",
        "So far this year 1,500 civilians have been killed.",
        "Nobody knows how it works, the minister said.",
        "A 3.5 percent rise was killed off by the budget.",
        "The conflict has killed at least 500,000 people.",
        "Since the war began in April last year, more than 15,000 people have been killed.",
        "Tens of thousands of people have been killed in the war.",
    ],
)
def test_running_totals_and_non_counts_are_not_fatalities(sentence):
    assert count_casualties(sentence).fatalities is None


@pytest.mark.parametrize(
    "sentence, fatalities, injuries",
    [
        ("Three US troops were killed and more than 30 were injured in a drone attack on a base in Jordan.", 3, 30),
        ("The attack left 7 dead and 12 wounded.", 7, 12),
        ("A soldier was killed and two others were wounded.", 1, 2),
        ("Two soldiers were wounded and a civilian was killed.", 1, 2),
        ("Two soldiers and a civilian were killed in the ambush.", 3, None),  # one verb for a list of groups: their sum
    ],
)
def test_deaths_and_injuries_in_one_sentence_are_counted_apart(sentence, fatalities, injuries):
    counts = count_casualties(sentence)
    assert (counts.fatalities, counts.injuries) == (fatalities, injuries)


def test_conflicting_reports_take_the_lowest_figure():
    assert count_casualties("Officials put the death toll at 30, while medics said 42 people had died.").fatalities == 30


def test_shot_dead_with_a_count():
    assert count_casualties("Soldiers shot dead 14 civilians in the village.").fatalities == 14


def test_no_one_killed_is_zero():
    assert count_casualties("No one was killed in the attack, police said.").fatalities == 0


@pytest.mark.parametrize(
    "sentence",
    [
        "Seven days of airstrikes across the province had left more than 75 civilians dead.",
        "At least 79 civilians were killed in the city over the last 48 hours by air strikes.",
        "Hundreds were killed in a week of intense bombing.",
        "On Friday and Saturday at least 13 civilians died in suspected air strikes.",
        "In recent weeks 40 people have been killed in the province.",
        "Houthi rebels said US strikes killed 4 in Hodeidah last week.",
    ],
)
def test_a_toll_summed_over_several_days_is_no_events_fatalities(sentence):
    assert count_casualties(sentence) == Casualties(None, None)


@pytest.mark.parametrize("sentence", ["The army said it eliminated several terrorist hideouts.", "The reform eliminated 500 jobs."])
def test_eliminated_counts_only_people(sentence):
    assert count_casualties(sentence).fatalities is None
