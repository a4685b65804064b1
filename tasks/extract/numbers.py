"""Fatalities and injuries from a sentence, by ACLED's conservative counting rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

# ACLED's codes for vague counts: "dozens" is 12, "tens" 10, "hundreds" 100; "several"/"many" 10.
VAGUE_COUNTS = (
    (r"\bdozens\s+(?:and\s+dozens\s+)?of\b", "12"),
    (r"\bdozens\b", "12"),
    (r"\ba\s+dozen\b", "12"),
    (r"\btens\s+of\b", "10"),
    (r"\bscores\s+of\b", "20"),
    (r"\bhundreds\s+of\b", "100"),
    (r"\bhundreds\b", "100"),
    (r"\bthousands\s+of\b", "1000"),
    (r"\b(?:several|many|multiple|a\s+number\s+of)\b", "10"),
    (r"\ba\s+few\b", "3"),
    (r"\b(?:a|one)\s+(?:person|man|woman|child|civilian|soldier|fighter|boy|girl)\b", "1 person"),
)
_QUALIFIER = (
    r"(?:(?:at\s+least|more\s+than|over|some|about|around|nearly|almost|up\s+to|as\s+many\s+as|approximately|"
    r"an\s+estimated|roughly|a\s+total\s+of|no\s+(?:fewer|less)\s+than|upwards\s+of|another|an\s+additional|"
    r"at\s+least\s+another)\s+)*"
)
# "4-6" or "4 to 6": ACLED takes the lowest reported figure.
_NUMBER = r"(?<![\d.:])(?P<n>\d{1,6})(?:\s*(?:-|–|to|or)\s*\d{1,6})?(?!\d|[.:]\d|%| ?percent)"
# "killed 57, injured 150" headlines: a number directly followed by "injured" is not a death count.
_NOT_INJURY = r"(?!\s+(?:people\s+|civilians\s+|others\s+)?(?:injured|wounded|hurt)\b)"
_FILLER = r"(?:\s+(?!(?:and|while|but|as|with|after|when)\b)[a-z'’\-]+){0,6}?"
_BE = r"(?:\s+(?:were|was|have\s+been|had\s+been|has\s+been|are|is|being|got|been))?(?:\s+(?:reportedly|also|confirmed|all|later|allegedly))?"

_KILLED_WORDS = r"(?:killed|dead|died|slain|executed|massacred|murdered|shot\s+dead|lost\s+their\s+lives|perished|fatalities|deaths|bodies|beheaded)"
_INJURED_WORDS = r"(?:injured|wounded|hurt|injuries|maimed)"

KILLED_PATTERNS = (
    re.compile(
        r"\b(?:kill(?:s|ed|ing)?|claim(?:s|ed|ing)?\s+the\s+lives\s+of|claim(?:s|ed|ing)?|massacr(?:es|ed|ing)|"
        r"execut(?:es|ed|ing)|slaughter(?:s|ed|ing)|murder(?:s|ed|ing)|behead(?:s|ed|ing))\s+" + _QUALIFIER + _NUMBER + _NOT_INJURY
    ),
    re.compile(r"\b(?:left|leaving|leaves)\s+" + _QUALIFIER + _NUMBER + r"(?:\s+[a-z'’\-]+){0,3}?\s+dead\b"),
    re.compile(_QUALIFIER + _NUMBER + _FILLER + _BE + r"\s+" + _KILLED_WORDS + r"\b"),
    re.compile(r"\bdeath\s+toll\b(?:\s+[a-z'’\-]+){0,6}?\s+(?:at|to|of|reached|hit)\s+" + _QUALIFIER + _NUMBER),
)
INJURED_PATTERNS = (
    re.compile(r"\b(?:injur(?:es|ed|ing)|wound(?:s|ed|ing)|hurt(?:ing)?|maim(?:s|ed|ing))\s+" + _QUALIFIER + _NUMBER),
    re.compile(_QUALIFIER + _NUMBER + _FILLER + _BE + r"\s+" + _INJURED_WORDS + r"\b"),
    re.compile(r"\b(?:left|leaving|leaves)\s+" + _QUALIFIER + _NUMBER + r"(?:\s+[a-z'’\-]+){0,3}?\s+(?:injured|wounded)\b"),
)
NONE_KILLED = re.compile(
    r"\bno\s+(?:one|body|casualties|fatalities|deaths|injuries)\s+(?:was|were|have\s+been|has\s+been)?\s*(?:killed|reported|hurt|injured)|"
    r"\bwithout\s+(?:causing\s+)?casualties|\bcaused\s+no\s+casualties|\bno\s+(?:casualties|deaths|fatalities)\b"
)
# A war's running total is not an event's fatalities.
CUMULATIVE = re.compile(
    r"\bsince\s+(?:the\s+|its\s+|their\s+|a\s+|an\s+|[a-z]+s?'?s\s+)?(?:(?:19|20)\d{2}|start|beginning|outbreak|war|conflict|uprising|"
    r"revolution|crisis|january|february|march|april|may|june|july|august|september|october|november|december|last\s+year|"
    r"[a-z\-]+\s+(?:ceasefire|truce|offensive|campaign|intervention|operation))\b|"
    r"\b(?:war|conflict|uprising|civil\s+war|fighting|crisis|violence)\s+(?:which\s+|that\s+)?(?:has|had|have)\s+(?:so\s+far\s+|now\s+|already\s+)?(?:killed|claimed|left)\b|"
    r"\b(?:war|conflict|uprising|insurgency)\b(?:\s+(?:in|of)\s+\d{4})?\s+(?:killed|claimed)\b|"
    r"\b(?:so\s+far\s+this\s+year|this\s+year\s+alone|in\s+total|overall\s+death\s+toll|cumulative|hundreds\s+of\s+thousands|tens\s+of\s+thousands)\b|"
    r"\bsince\b.*\b(?:have|has)\s+(?:been\s+)?(?:killed|died)\b|\b(?:have|has)\s+(?:been\s+)?(?:killed|died)\b.*\bsince\b"
)
# "since Saturday": a few days' toll of one offensive is still news, not a war's running total.
RECENT_SINCE = re.compile(r"\bsince\s+(?:last\s+|early\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|dawn|morning|the\s+morning|the\s+weekend|midnight)\b")


def is_running_total(normalised: str) -> bool:
    """True for sentences that report a war's or period's accumulated toll (on text from normalise_numbers)."""
    return CUMULATIVE.search(normalised) is not None and RECENT_SINCE.search(normalised) is None


# No single event in news kills this many; such figures are a war's or a year's totals.
MAX_EVENT_COUNT = 10_000
# "a conjunct list: 120 militants and 60 mercenaries were killed" -> the earlier conjunct's number.
_CONJUNCT_BEFORE = re.compile(r"(?P<n>\d{1,6})(?:\s+[a-z'’\-]+){0,5}?\s*(?:,\s*and|,|and)\s+" + _QUALIFIER + r"$")


@dataclass(frozen=True)
class Casualties:
    """Counts read from one sentence; None means the sentence does not say."""

    fatalities: int | None
    injuries: int | None


def normalise_numbers(sentence: str) -> str:
    """Lower-case, spelled-out and vague numbers as digits, thousands separators removed."""
    text = sentence.replace("’", "'").replace("\u00a0", " ")
    text = re.sub(r"\b([Nn])o one\b", r"\1obody", text)  # "no one was killed" is no count of one
    text = alpha2digit(text, "en", threshold=0).lower()
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    for pattern, digits in VAGUE_COUNTS:
        text = re.sub(pattern, digits, text)
    # "between 10 and 15": ACLED takes the lowest figure (and it is not a list of two groups).
    return re.sub(r"\bbetween\s+(\d+)\s+and\s+\d+", r"\1", text)


def _counts(text: str, patterns: tuple[re.Pattern, ...]) -> list[int]:
    found = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = int(match.group("n"))
            if value >= MAX_EVENT_COUNT:
                continue
            if 1900 <= value <= 2100 and re.search(r"\b(?:in|since|of|year)\s+$", text[: match.start("n")]):
                continue  # a year, not a count
            conjunct = _CONJUNCT_BEFORE.search(text[: match.start("n")])
            if conjunct and pattern is patterns[-2 if patterns is KILLED_PATTERNS else 1]:
                value += int(conjunct.group("n"))
            found.append(value)
    return found


def count_casualties(sentence: str) -> Casualties:
    """Fatalities and injuries a sentence reports (the largest figure it gives for each; None if silent)."""
    text = normalise_numbers(sentence)
    if is_running_total(text):
        return Casualties(None, None)
    killed = _counts(text, KILLED_PATTERNS)
    injured = _counts(text, INJURED_PATTERNS)
    none_reported = NONE_KILLED.search(text) is not None
    fatalities = max(killed) if killed else (0 if none_reported else None)
    injuries = max(injured) if injured else (0 if none_reported and "injur" in text else None)
    return Casualties(fatalities, injuries)
