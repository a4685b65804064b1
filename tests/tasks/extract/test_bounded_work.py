"""Bounded work per article: texts built to make the coder's patterns backtrack are coded in seconds, and an
article that takes longer than its budget becomes an extract:timeout quarantine row while its batch goes on.

Each hostile text runs under a SIGALRM budget (the regex engine checks for signals while it backtracks), so a
regression fails the test instead of hanging the suite. Times on the code before issue 18 are in the comments.
"""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from conflict_events.models import RawRecord
from tasks.clean import clean_records
from tasks.extract import assembly, numbers
from tasks.extract.coder import code_articles
from tasks.extract.dates import resolve_event_date
from tasks.extract.numbers import count_casualties
from tests.fuzz.invariants import within

# Issue 18's article (803 characters): each two more "at least another" made the casualty pattern 4x slower.
ATTACK = (
    "Russian warplanes struck the town of Ariha in Idlib on Tuesday, killing fifteen civilians. "
    "Rebels killed " + "at least another " * 40 + "soldiers in Idlib."
)
SENTENCE_CHARS = 104_000  # issue 18's longest sentence


def cleaned(*texts: tuple[str, str]) -> list[dict]:
    """Articles from (ref, text) pairs, cleaned as a run cleans them."""
    records = [RawRecord(ref, text, published="2024-03-19") for ref, text in texts]
    result = clean_records(records, date(2026, 11, 21), {})
    assert not result.quarantined, result.quarantined
    return result.articles


def repeated(unit: str, length: int = SENTENCE_CHARS) -> str:
    """`unit` over and over, `length` characters in all."""
    return (unit * (length // len(unit) + 1))[:length]


def test_the_backtracking_attack_article_is_coded_in_seconds(resources):
    assert len(ATTACK) == 803
    with within(30, "the attack article"):  # before: for ever (18 repetitions alone took 1 s, each two more 4x that)
        events, failures = code_articles(cleaned(("attack", ATTACK)), resources)
    assert failures == []
    assert [(e["sub_event_type"], e["fatalities"]) for e in events] == [("Air/drone strike", 15)]


# Sentences of SENTENCE_CHARS characters the count rules read: before, each took the time noted.
LONG_SENTENCES = {
    "figures": repeated("Gunmen killed 5 people and wounded 3 others in the town, "),  # 18 s
    "conjunct lists": repeated("120 militants and 60 mercenaries were killed, "),  # 38 s
    "years": repeated("in 2015 killed 1990 "),  # over 100 s
    "qualifiers": repeated("at least another ") + " 5 soldiers were killed",  # for ever
    "a run of blanks": "Rebels killed 5 people including" + "\n" * SENTENCE_CHARS + "children",  # over 100 s
    "a run of line separators": "the toll rose" + "\u2028" * SENTENCE_CHARS + " to 5",  # over 100 s
}


@pytest.mark.parametrize("kind", LONG_SENTENCES)
def test_count_rules_read_a_104k_character_sentence_in_seconds(kind, monkeypatch):
    monkeypatch.setattr(numbers, "MAX_COUNT_CHARS", 10 * SENTENCE_CHARS)  # the patterns themselves, read to the end
    with within(5, f"count rules on {kind}"):  # now: 0.1-0.4 s each
        count_casualties(LONG_SENTENCES[kind])


def test_count_rules_read_a_bounded_head_of_a_longer_sentence():
    later = "and 3 more died later"
    assert count_casualties("Gunmen killed 5 people in the town, " + later).fatalities > 5
    head = "Gunmen killed 5 people in the town, " * (numbers.MAX_COUNT_CHARS // 36 + 1)  # just over the limit
    assert count_casualties(head + later).fatalities == 5  # what follows the limit is not read
    # The head ends at a blank, not inside a figure.
    assert numbers.within_count_limit("x" * (numbers.MAX_COUNT_CHARS - 3) + " 12345 killed").endswith("x")


def test_a_104k_sentence_of_datelines_is_dated_in_seconds():
    with within(5, "dating a sentence of datelines"):  # before: 14 s (each dateline searched the sentence up to it for a weekday)
        when = resolve_event_date(repeated("Tuesday, 19 March 2024 "), date(2024, 3, 19))
    assert when.day == date(2024, 3, 19)


def test_a_long_list_of_owners_is_read_in_seconds(resources):
    actors = resources.actors
    with within(10, "actors in a list of owners"):  # before: 7 s for 20,000 characters, 4x that for each doubling
        actors.find(repeated("Syrian, Russian and Iranian, ", 50_000), "SY")
    # A list of owners before a force noun still makes each owner's state forces an actor.
    found = {m.actor.name for m in actors.find("Syrian, Russian and Iranian forces shelled Ariha.", "SY")}
    assert {"Military Forces of Syria", "Military Forces of Russia", "Military Forces of Iran"} <= found


def test_an_article_past_its_budget_is_quarantined_as_timeout_and_the_batch_goes_on(resources, monkeypatch):
    count = assembly.count_casualties

    def slow_on_marked_sentences(text: str):
        if "Slowly" in text:
            time.sleep(0.6)  # stands for a sentence the rules take long over
        return count(text)

    monkeypatch.setattr(assembly, "count_casualties", slow_on_marked_sentences)
    slow = " ".join(f"Slowly, gunmen killed {n} villagers in Konduga in Borno State on Monday." for n in range(2, 7))
    articles = cleaned(
        ("first", "Gunmen killed five villagers in Konduga in Borno State on Monday."),
        ("slow", slow),
        ("last", "Boko Haram fighters attacked an army base in Monguno in Borno State on Monday, killing seven soldiers."),
    )
    with within(30, "the batch"):
        events, failures = code_articles(articles, resources, run_id="r1", seconds_per_article=1.0)
    assert [(f.code, f.record_ref, f.run_id) for f in failures] == [("extract:timeout", "slow", "r1")]
    assert failures[0].detail.startswith("coding took longer than the 1 s budget for one article; stopped at sentence ")
    assert "(the article has 5 sentences" in failures[0].detail
    assert json.loads(failures[0].payload)["text"] == slow  # the article is kept whole
    ref_of = {a["article_id"]: a["source_ref"] for a in articles}
    assert sorted(ref_of[e["article_id"]] for e in events) == ["first", "last"]
