"""Event dates resolved against the publication date, with ACLED time precision."""

from __future__ import annotations

from datetime import date

import pytest

from tasks.extract.dates import DAY, MONTH, WEEK, resolve_event_date

PUBLISHED = date(2017, 4, 5)  # a Wednesday


@pytest.mark.parametrize(
    "sentence, expected, precision",
    [
        ("The attack on Wednesday killed 70.", date(2017, 4, 5), DAY),
        ("Jets struck the town on Tuesday.", date(2017, 4, 4), DAY),
        ("Jets struck the town last Wednesday.", date(2017, 3, 29), DAY),
        ("The convoy was hit on Sunday.", date(2017, 4, 2), DAY),
        ("Gunmen attacked the village yesterday.", date(2017, 4, 4), DAY),
        ("Shelling continued overnight.", date(2017, 4, 4), DAY),
        ("The raid came hours after the meeting.", date(2017, 4, 5), DAY),
        ("Fighting broke out last week.", date(2017, 4, 1), WEEK),
        ("The town was seized on 3 March.", date(2017, 3, 3), DAY),
        ("The town was seized on April 10.", date(2016, 4, 10), DAY),  # no year, after publication: last year
        ("A bomb exploded on 12 March 2016.", date(2016, 3, 12), DAY),
        ("Hundreds died in a sarin attack in August 2013.", date(2013, 8, 15), MONTH),
        ("Airstrikes hit the market.", date(2017, 4, 5), WEEK),
        ("Rebels stormed the town on Saturday.", date(2017, 4, 1), DAY),
        ("Rebels stormed the town last Saturday.", date(2017, 4, 1), DAY),
        ("The town was seized on March 3.", date(2017, 3, 3), DAY),  # month before day, no year
        ("Gunmen attacked the village overnight, killing five.", date(2017, 4, 4), DAY),
        ("The blast came hours after the ceasefire took effect.", date(2017, 4, 5), DAY),
        ("Protests spread to Kisumu earlier this week.", date(2017, 4, 1), WEEK),
        ("The town was seized in March.", date(2017, 3, 15), MONTH),  # month only: mid-month at precision 3
        ("Fighting continued in Omdurman last month.", date(2017, 3, 21), MONTH),
        ("The town was seized in December.", date(2016, 12, 15), MONTH),  # a month after publication is last year's
    ],
)
def test_resolution(sentence, expected, precision):
    found = resolve_event_date(sentence, PUBLISHED)
    assert (found.day, found.precision) == (expected, precision)


def test_may_the_verb_is_not_may_the_month():
    found = resolve_event_date("Officials said 5 may have died in the blast.", PUBLISHED)
    assert found.day == PUBLISHED and not found.explicit


def test_without_a_publication_date_only_full_dates_resolve():
    assert resolve_event_date("Jets struck the town on Tuesday.", None).day is None
    assert resolve_event_date("A bomb exploded on 12 March 2016.", None).day == date(2016, 3, 12)


@pytest.mark.parametrize("sentence", ["Gunmen attacked the village yesterday.", "Fighting broke out last week.", "Shelling continued overnight.", "The town was seized in March."])
def test_without_a_publication_date_relative_expressions_stay_unresolved(sentence):
    found = resolve_event_date(sentence, None)
    assert found.day is None and not found.explicit


def test_without_a_publication_date_a_month_and_year_resolves_at_month_precision():
    found = resolve_event_date("The town was seized in March 2017.", None)
    assert (found.day, found.precision) == (date(2017, 3, 15), MONTH)


def test_a_written_out_publication_date_is_the_report_not_the_event():
    found = resolve_event_date("Sat 12 Oct 2024 Russian forces shelled Kharkiv on Friday evening.", date(2024, 10, 12))
    assert found.day == date(2024, 10, 11)


def test_a_wire_dateline_without_a_year_is_the_report_not_the_event():
    found = resolve_event_date("BEIRUT, April 5 (Reuters) - Syrian jets struck the town of Ariha on Tuesday.", PUBLISHED)
    assert (found.day, found.precision) == (date(2017, 4, 4), DAY)


def test_the_day_a_source_spoke_is_not_the_event_date():
    found = resolve_event_date("Rebels shelled a hospital overnight, killing four patients, medics said on Wednesday.", PUBLISHED)
    assert (found.day, found.precision) == (date(2017, 4, 4), DAY)


def test_days_ago():
    found = resolve_event_date("Jets struck the town two days ago, residents said.", PUBLISHED)
    assert (found.day, found.precision) == (date(2017, 4, 3), DAY)
