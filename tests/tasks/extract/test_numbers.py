"""Fatality and injury counts by ACLED's conservative rules."""

from __future__ import annotations

import pytest

from tasks.extract.numbers import count_casualties


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
    ],
)
def test_running_totals_and_non_counts_are_not_fatalities(sentence):
    assert count_casualties(sentence).fatalities is None
