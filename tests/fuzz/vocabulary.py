"""The words the coder's rules look for, as fuzzing material: random text rarely reaches a rule, its own words do.

Places and actors come from the project's reference tables and the benchmark corpus (every one of them is a
name the gazetteer or the actor dictionary knows); the casualty, trigger and date phrases are the forms the
count, taxonomy and date rules in tasks/extract are written for, and their near misses.
"""

from __future__ import annotations

import csv

from bench.corpus_text import COUNTRIES
from conflict_events.settings import REFERENCE_DIR


def _column(table: str, name: str, split: str | None = None) -> list[str]:
    """Every distinct non-empty value of one column of a reference table (split on `split` if given)."""
    with (REFERENCE_DIR / table).open(encoding="utf-8", newline="") as handle:
        values = (row[name] for row in csv.DictReader(handle))
        parts = (part.strip() for value in values for part in (value.split(split) if split else [value]))
        return sorted({part for part in parts if part})


def _from_corpus(*keys: str) -> list[str]:
    """Values of the corpus countries' fields (towns as "Town" and "Province"), flattened."""
    found: set[str] = set()
    for country in COUNTRIES.values():
        for key in keys:
            value = country[key]
            if key == "towns":
                found.update(part for pair in value for part in pair)
            elif isinstance(value, str):
                found.add(value)
            else:
                found.update(value)
    return sorted(found)


PLACES = sorted(
    {*_column("place_aliases.csv", "alias"), *_column("admin1_names.csv", "name"), *_column("countries.csv", "name"),
     *_from_corpus("towns", "name", "bureaus", "venue")}
)
ACTORS = sorted({*_column("actors.csv", "aliases", "|"), *_column("actors.csv", "actor"), *_column("countries.csv", "demonyms", "|"),
                 *_from_corpus("air", "drone", "shell", "state", "rebel", "killers", "police")})
SOURCES = _from_corpus("src")

# The count rules' qualifiers ("at least another" is both one qualifier and two: the shape of issue 18's hang).
QUALIFIERS = (
    "at least", "more than", "over", "well over", "just over", "close to", "some", "about", "around", "nearly", "almost", "up to",
    "as many as", "approximately", "an estimated", "roughly", "a total of", "no fewer than", "no less than", "upwards of", "another",
    "an additional", "at least another", "additional",
)
NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fifteen",
    "twenty", "twenty-five", "thirty", "forty", "fifty", "ninety-nine", "hundred", "a hundred", "thousand", "million", "and",
    "first", "second", "third", "half", "a dozen", "dozens", "dozens of", "tens of", "scores of", "hundreds", "hundreds of",
    "thousands of", "tens of thousands", "hundreds of thousands", "several", "many", "multiple", "a number of", "a few", "no one",
    "nobody", "a man", "one person", "a child",
)
PEOPLE = (
    "people", "civilians", "soldiers", "troops", "fighters", "militants", "rebels", "gunmen", "insurgents", "jihadists", "terrorists",
    "policemen", "police officers", "children", "women", "members", "others", "more", "mercenaries", "operatives", "protesters",
    "demonstrators", "students", "worshippers", "villagers", "passengers",
)
CASUALTY_WORDS = (
    "killed", "dead", "died", "slain", "executed", "massacred", "murdered", "shot dead", "lost their lives", "perished", "fatalities",
    "deaths", "bodies", "beheaded", "martyred", "injured", "wounded", "hurt", "injuries", "maimed", "kills", "killing", "claimed the lives of",
    "left", "leaving", "eliminated", "neutralised", "death toll", "bringing the death toll to", "raising the toll to", "rose to",
    "were", "was", "have been", "had been", "reportedly", "also", "confirmed", "all", "later", "casualties", "no casualties",
    "without casualties", "including", "among them", "of whom", "among whom", "mostly", "between", "or", "to", "-", "–",
)
TRIGGERS = (
    "airstrike", "air strikes", "air raid", "warplanes struck", "shelled", "shelling", "artillery", "mortar", "rockets", "missile",
    "barrel bombs", "drone strike", "suicide bomber", "blew himself up", "car bomb", "IED", "roadside bomb", "landmine", "grenade",
    "clashes", "fought", "battle", "firefight", "ambushed", "attacked", "stormed", "raided", "captured", "recaptured", "seized",
    "took control of", "backed by airstrikes", "with the support of jets", "fell to", "kidnapped", "abducted", "arrested",
    "detained", "looted", "torched", "burned", "defused", "intercepted", "shot down", "chemical attack", "sarin", "chlorine gas",
    "protest", "protesters", "demonstrators", "rally", "riot", "rioters", "mob", "tear gas", "dispersed", "ceasefire", "peace deal",
    "agreement", "truce", "sexual violence", "raped", "opened fire", "gunfire", "sniper", "bombing", "blast", "explosion",
)
DATES = (
    "on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday", "on Sunday", "last night", "overnight",
    "yesterday", "today", "this morning", "the day before yesterday", "two days ago", "last week", "this week", "earlier this week",
    "last month", "earlier this month", "in 2013", "since 2011", "since the start of the war", "so far this year", "in the past 48 hours",
    "over the past few days", "on Friday and Saturday", "between Monday and", "seven days of airstrikes", "3 March 2017",
    "March 3, 2017", "March 3", "3rd of March", "Tue Oct 3 2017", "05.10.2017", "16-02-2015", "2017-10-05", "Oct 042017",
    "31 February 2017", "30/02/2019", "1899-12-31", "2099-01-01", "in early March", "in mid-June", "Thursday's", "since Saturday",
    "the same day", "hours later", "date 2017-04-05",
)
FUNCTION_WORDS = (
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "was", "with", "as", "by", "at", "from", "it", "his", "their",
    "were", "has", "had", "said", "after", "who", "which", "near", "outside", "town", "village", "province", "district", "city of",
    "north of", "km from", "outskirts of", "held by", "-held", "-based", "governor", "ministry", "officials", "forces", "army",
    "government", "according to", "told reporters", "separately", "in another attack", "Separately,", "In another attack,",
)
PUNCTUATION = (",", ";", ":", "(", ")", '"', "'", "'s", "’", "-", "—", "...", ".", "?", "!", "\n", "\n\n", "Original Source:")
# Characters that change how text is split, matched or measured: NUL and controls, zero-width and direction marks,
# a BOM, line and paragraph separators, combining marks, ligatures, non-ASCII digits (\d matches them), a non-Latin script.
ODD_CHARACTERS = (
    "\x00", "\x01", "\x0b", "\x0c", "\x1c", "\x7f", "\x85", "\x9f", "\u00a0", "\u200b", "\u200d", "\u200e", "\u202e", "\ufeff",
    "\u2028", "\u2029", "\u0301", "\u0308", "\ufb01", "\u0130", "\u00df", "\u0663", "\u0665\u0660", "\uff11\uff12", "\U0001d7d3",
    "\u00bd", "\u2460", "\u00b2", "\u0645\u0642\u062a\u0644", "\u4e2d\u6587", "\U0001f4a3", "\ufffd", "&amp;", "<b>", "<p>", "\\",
)
