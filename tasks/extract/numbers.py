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
# Words before a figure ("at least another 5"). No alternative may begin another's words ("at least another"
# is "at least" then "another"), and the run is possessive: a figure never starts inside it, so there is one way
# to read a run of qualifiers and no backtracking into it (the old overlap cost 4x per two more words).
_QUALIFIER = (
    r"(?:(?:at\s+least|more\s+than|over|well\s+over|just\s+over|close\s+to|some|about|around|nearly|almost|up\s+to|as\s+many\s+as|approximately|"
    r"an\s+estimated|roughly|a\s+total\s+of|no\s+(?:fewer|less)\s+than|upwards\s+of|another|an\s+additional)\s+)*+"
)
# "4-6" or "4 to 6": ACLED takes the lowest reported figure.
_NUMBER = (
    r"(?<![\d.:])(?P<n>\d{1,6})(?:\s*(?:-|–|to|or)\s*\d{1,6})?(?!\d|[.:]\d|%| ?percent)"
    # "in the past 48 hours killed 10": a span of time or a distance is no count of people.
    r"(?!\s*(?:-\s*)?(?:hours?|days?|weeks?|months?|years?|minutes?|km|kilometres?|kilometers?|miles?|metres?|meters?)\b)"
)
# "killed 57, injured 150" headlines: a number directly followed by "injured" is not a death count.
_NOT_INJURY = r"(?!\s+(?:people\s+|civilians\s+|others\s+)?(?:injured|wounded|hurt)\b)"
_FILLER = r"(?:\s+(?!(?:and|while|but|as|with|after|when)\b)[a-z'’\-]+){0,8}?"
# "58 people including women and children were killed": who they were, said without a number.
# Both start at a comma or at the first blank before the word, never inside a run of blanks (from every
# blank of a long run, ",?\s*" would rescan the rest of it): the same matches, in linear time.
_SUBSET_START = r"(?:,|(?<![\s,]))\s*\b"
_SUBSET_WORDS = re.compile(_SUBSET_START + r"(?:including|among\s+them|mostly|mainly)\s+(?:a\s+|an\s+)?[a-z\-]+(?:\s+and\s+[a-z\-]+)?,?(?=\s+(?:were|was|have|had|are|is|killed|died)\b)")
# "53 civilians including 21 children died": the part named inside the whole is not the count.
_SUBSET = re.compile(
    _SUBSET_START + r"(?:including|among\s+them|among\s+whom|of\s+whom)\s+(?:at\s+least\s+|some\s+|about\s+)?\d+(?:\s+[a-z'\-]+){1,3}?"
    r"(?:,?\s+and\s+\d+(?:\s+[a-z'\-]+){1,2}?)?(?:,(?=\s+(?:were|was|have|had|are|is|killed|died)\b))?(?=\s+(?:were|was|have|had|are|is|killed|died|dead|and\b)|,)"
)
_BE = r"(?:\s+(?:were|was|have\s+been|had\s+been|has\s+been|are|is|being|got|been))?(?:\s+(?:reportedly|also|confirmed|all|later|allegedly))?"

_COMBATANTS = r"(?:terrorists|militants|fighters|insurgents|jihadists|gunmen|rebels|soldiers|troops|members|operatives|mercenaries)\b"
# "martyred" (Syrian state media) is how some sources say killed.
_KILLED_WORDS = r"(?:killed|dead|died|slain|executed|massacred|murdered|shot\s+dead|lost\s+their\s+lives|perished|fatalities|deaths|bodies|beheaded|martyred)"
_INJURED_WORDS = r"(?:injured|wounded|hurt|injuries|maimed)"

# "120 militants and 60 mercenaries were killed": the subject figures, summed across a conjunct list.
# No leading qualifier: it can be empty, so it never changed which figure matched, and tried from every word of
# a long run of qualifiers it made the search quadratic.
_SUBJECT_KILLED = re.compile(_NUMBER + _FILLER + _BE + r"\s+" + _KILLED_WORDS + r"\b")
KILLED_PATTERNS = (
    re.compile(
        r"\b(?:kill(?:s|ed|ing)?|shot\s+dead|shooting\s+dead|claim(?:s|ed|ing)?\s+the\s+lives\s+of|claim(?:s|ed|ing)?|massacr(?:es|ed|ing)|"
        r"execut(?:es|ed|ing)|slaughter(?:s|ed|ing)|murder(?:s|ed|ing)|behead(?:s|ed|ing)|"
        r"(?:led\s+to|leading\s+to|causing|caused|resulting\s+in)\s+the\s+deaths?\s+of|the\s+killing\s+of)\s+" + _QUALIFIER + _NUMBER + _NOT_INJURY
    ),
    re.compile(r"\b(?:left|leaving|leaves)\s+" + _QUALIFIER + _NUMBER + r"(?:\s+[a-z'’\-]+){0,3}?\s+dead\b"),
    # Army communiqués: "eliminated 75 militants" (but not "eliminated 500 jobs").
    re.compile(r"\b(?:eliminat|neutrali[sz]|liquidat)(?:es|ed|ing)\s+" + _QUALIFIER + _NUMBER + r"(?=(?:\s+[a-z'’\-]+){0,3}?\s+" + _COMBATANTS + r")"),
    _SUBJECT_KILLED,
    re.compile(r"\bdeath\s+toll\b(?:\s+[a-z'’\-]+){0,16}?\s+(?:at|to|of|reached|hit)\s+" + _QUALIFIER + _NUMBER),
)
INJURED_PATTERNS = (
    re.compile(r"\b(?:injur(?:es|ed|ing)|wound(?:s|ed|ing)|hurt(?:ing)?|maim(?:s|ed|ing))\s+" + _QUALIFIER + _NUMBER),
    re.compile(_NUMBER + _FILLER + _BE + r"\s+" + _INJURED_WORDS + r"\b"),  # no leading qualifier: see _SUBJECT_KILLED
    re.compile(r"\b(?:left|leaving|leaves)\s+" + _QUALIFIER + _NUMBER + r"(?:\s+[a-z'’\-]+){0,3}?\s+(?:injured|wounded)\b"),
)
NONE_KILLED = re.compile(
    r"\b(?:nobody|no\s+(?:one|body|casualties|fatalities|deaths|injuries))\s+(?:(?:was|were|have\s+been|has\s+been)\s*)?(?:killed|reported|hurt|injured)|"
    r"\bwithout\s+(?:causing\s+)?casualties|\bcaused\s+no\s+casualties|\bno\s+(?:casualties|deaths|fatalities)\b"
)
_HAVE_DIED = r"\b(?:have|has)\s+(?:been\s+)?(?:killed|died)\b"
# A war's running total is not an event's fatalities.
CUMULATIVE = re.compile(
    r"\bsince\s+(?:the\s+|its\s+|their\s+|a\s+|an\s+|[a-z]+s?'?s\s+)?(?:(?:19|20)\d{2}|start|beginning|outbreak|war|conflict|uprising|"
    r"revolution|crisis|january|february|march|april|may|june|july|august|september|october|november|december|last\s+year|"
    r"[a-z\-]+\s+(?:ceasefire|truce|offensive|campaign|intervention|operation))\b|"
    r"\b(?:war|conflict|uprising|civil\s+war|fighting|crisis|violence)\s+(?:which\s+|that\s+)?(?:has|had|have)\s+(?:so\s+far\s+|now\s+|already\s+)?(?:killed|claimed|left)\b|"
    r"\b(?:war|conflict|uprising|insurgency)\b(?:\s+(?:in|of)\s+\d{4})?\s+(?:killed|claimed)\b|"
    r"\b(?:so\s+far\s+this\s+year|this\s+year\s+alone|in\s+total|overall\s+death\s+toll|cumulative|hundreds\s+of\s+thousands|tens\s+of\s+thousands)\b|"
    # "since 2011 ... have been killed", or the other way round, on one line. Not ".*" from every "since" (which
    # rescans the line from each): the first "since" of a line, and from each toll only up to the next toll.
    r"(?m:^)(?:(?!\bsince\b).)*\bsince\b.*" + _HAVE_DIED + "|" + _HAVE_DIED + r"(?:(?!" + _HAVE_DIED + r").)*\bsince\b"
)
# "since Saturday": a few days' toll of one offensive is still news, not a war's running total.
RECENT_SINCE = re.compile(r"\bsince\s+(?:last\s+|early\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|dawn|morning|the\s+morning|the\s+weekend|midnight)\b")


# A toll summed over several days ("seven days of airstrikes had left 75 dead", "in the past 48 hours",
# "on friday and saturday") belongs to no single event; ACLED codes each day's event on its own.
MULTI_DAY = re.compile(
    r"\b(?:in|over|during|within|for)\s+(?:the\s+)?(?:past|last|previous|recent)\s+(?:(?:[2-9]|\d{2,})\s+|few\s+|several\s+|couple\s+of\s+)?(?:days|weeks|months|week|month)\b|"
    r"\b(?:in|over|during|within)\s+(?:the\s+)?(?:past|last|previous)\s+(?:4[89]|[5-9]\d|\d{3})\s+hours\b|"
    r"\b(?:\d+|a|one|two|three|four|five|six|seven|several|a\s+few)\s+(?:days?|weeks?)\s+of\s+(?:\w+\s+){0,2}(?:air\s*strikes|raids|bombing|bombardment|shelling|fighting|clashes|violence|attacks)\b|"
    r"\bin\s+(?:a|one)\s+week\s+of\b|\bin\s+recent\s+(?:days|weeks|months)\b|"
    r"\bon\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+and\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\bbetween\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+and\b"
)


# "killed 4 last week" sums a week, unless the sentence names the day ("on Tuesday ... the deadliest this week").
_WEEK_TOLL = re.compile(r"\b(?:this|last)\s+week\b")
_NAMED_DAY = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|overnight)\b")


def _several_days(text: str) -> bool:
    return bool(MULTI_DAY.search(text) or (_WEEK_TOLL.search(text) and not _NAMED_DAY.search(text)))


def is_running_total(normalised: str) -> bool:
    """True for sentences that report a war's or period's accumulated toll (on text from normalise_numbers)."""
    return CUMULATIVE.search(normalised) is not None and RECENT_SINCE.search(normalised) is None


# No single event in news kills this many; such figures are a war's or a year's totals.
MAX_EVENT_COUNT = 10_000
# "a conjunct list: 120 militants and 60 mercenaries were killed" -> the earlier conjunct's number.
# Not across a clause that has its own casualty word ("3 were killed and 30 were injured": two counts).
_CONJUNCT_BEFORE = re.compile(
    r"(?P<n>\d{1,6})(?:\s+(?!(?:were|was|killed|dead|died|wounded|injured|hurt)\b)[a-z'’\-]+){0,5}?\s*(?:,\s*and|,|and)\s+" + _QUALIFIER + r"$"
)


@dataclass(frozen=True)
class Casualties:
    """Counts read from one sentence; None means the sentence does not say.

    `*_vague`: the figure is ACLED's stand-in for words ("dozens" is 12), which a stated number for the
    same event replaces.
    """

    fatalities: int | None
    injuries: int | None
    fatalities_vague: bool = False
    injuries_vague: bool = False


_MONTH_NAMES = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
# Written dates ("Tue Oct 3 2017", "15 July 2015", "06-06-2016", "Aug 012016"): their digits are no counts.
_DATES = re.compile(
    r"\b\d{1,2}[-./]\d{1,2}[-./](?:19|20)\d{2}\b|\b(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2}\b|"
    r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+)?" + _MONTH_NAMES + r",?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s*)?(?:19|20)\d{2}\b|"
    r"\b" + _MONTH_NAMES + r"\s+\d{1,2}(?:st|nd|rd|th)?\b(?!\s*(?:people|civilians|were|killed|dead))|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?!may\s+(?:be|have|not|also|never)\b)" + _MONTH_NAMES,
    re.I,
)


# The count rules read at most this much of a sentence (cut at a blank), so their cost has a bound whatever
# the text: news sentences are far shorter (the longest in FA-KES and the seeds is 622 characters); a longer
# "sentence" is a table or a text without full stops.
MAX_COUNT_CHARS = 5_000


def within_count_limit(sentence: str) -> str:
    """The sentence, or its first MAX_COUNT_CHARS characters up to the last blank among them."""
    if len(sentence) <= MAX_COUNT_CHARS:
        return sentence
    head = sentence[:MAX_COUNT_CHARS]
    blank = max(head.rfind(" "), head.rfind("\n"))
    return head[:blank] if blank > 0 else head


def normalise_numbers(sentence: str, vague: bool = True) -> str:
    """Lower-case, spelled-out (and, with `vague`, vague) numbers as digits, thousands separators removed, dates blanked
    (of at most MAX_COUNT_CHARS characters of the sentence)."""
    text = _DATES.sub(" ", within_count_limit(sentence).replace("’", "'").replace("\u00a0", " "))
    text = re.sub(r"\b([Nn])o one\b", r"\1obody", text)  # "no one was killed" is no count of one
    # A war's toll (above MAX_EVENT_COUNT, never an event's), before alpha2digit makes it "10 of 1000 of".
    text = re.sub(r"\b(?:tens|hundreds)\s+of\s+thousands\b", "100000", text, flags=re.I)
    text = alpha2digit(text, "en", threshold=0).lower()
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    for pattern, digits in VAGUE_COUNTS if vague else VAGUE_COUNTS[-1:]:  # "a man" is one, not vague
        text = re.sub(pattern, digits, text)
    text = _SUBSET.sub("", text)
    text = _SUBSET_WORDS.sub("", text)
    # "between 10 and 15": ACLED takes the lowest figure (and it is not a list of two groups).
    return re.sub(r"\bbetween\s+(\d+)\s+and\s+\d+", r"\1", text)


WEAPONS = re.compile(
    r"\s+(?:(?!(?:killed|injured|wounded|dead|died|hurt|were|was|in|on|by|and|of|people|civilians)\b)[a-z'\-]+\s+){0,2}?(?:car\s+)?(?:bombs?|air\s*strikes?|strikes|raids?|air\s+raids?|shells?|rockets?|missiles?|mortars?|"
    r"blasts?|explosions?|attacks?|barrel\s+bombs?|bombings?|drones?|sorties|projectiles?|grenades?)\b"
)


# Possessive blanks: with "the", "death" and "toll" absent, "\s+" and "\s*" would share out a run of blanks
# in every way (quadratic in its length), though only the end of the run matters.
TOLL_UPDATE = re.compile(
    r"\b(?:bringing|raising|brought|raised|rose|risen|rising|climbed|increased|reached)\s++(?:the\s++)?(?:death\s++)?(?:toll|number\s+(?:of\s+)?(?:dead|killed))?\s*+"
    r"(?:[a-z'\-]+\s+){0,3}?(?:to|at)\s+" + _QUALIFIER + _NUMBER
)
# "another 5 later died", "3 others died later in hospital": more dead on top of the first figure.
_MORE_BEFORE = re.compile(r"\b(?:another|an\s+additional|additional)\s+(?:\w+\s+)?$")
_MORE_AFTER = re.compile(r"^\s+(?:more|others|other\s+\w+)\b")


_YEAR_BEFORE = re.compile(r"\b(?:in|since|of|year)\s+$")
# How far back the checks before a figure look. Read from the figure back to the sentence's start, each
# figure would cost the length of the sentence (quadratic in a sentence of many figures); what they look for
# is a few words long (clean makes runs of spaces one space).
_YEAR_WINDOW = 40
_CONJUNCT_WINDOW = 400  # a figure, 5 words, "and", a few qualifiers


def _counts(text: str, patterns: tuple[re.Pattern, ...]) -> list[tuple[int, bool]]:
    """(figure, adds to the first figure) for every figure the patterns find."""
    found = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = int(match.group("n"))
            start, end = match.span("n")
            if value >= MAX_EVENT_COUNT:
                continue
            if 1900 <= value <= 2100 and _YEAR_BEFORE.search(text, max(0, start - _YEAR_WINDOW), start):
                continue  # a year, not a count
            if WEAPONS.match(text, end):  # at `end`, not on a copy of the rest: copies cost the sentence's length
                continue  # "two car bombs killed 25": the number counts the weapons, not the dead
            if pattern in (_SUBJECT_KILLED, INJURED_PATTERNS[1]):
                conjunct = _CONJUNCT_BEFORE.search(text, max(0, start - _CONJUNCT_WINDOW), start)
                value += int(conjunct.group("n")) if conjunct else 0
            before, after = text[max(0, start - 30) : start], text[end : end + 20]
            extra = bool(_MORE_BEFORE.search(before) or _MORE_AFTER.match(after))
            found.append((value, extra))
    return found


def count_casualties(sentence: str) -> Casualties:
    """Fatalities and injuries a sentence reports (ACLED: the lowest figure it gives for each; None if silent)."""
    text = normalise_numbers(sentence)
    if is_running_total(text) or _several_days(text):
        return Casualties(None, None)
    injured = [v for v, _ in _counts(text, INJURED_PATTERNS)]
    update = TOLL_UPDATE.search(text)
    if update:  # "bringing the death toll to 14": the new toll, not the increment
        return Casualties(int(update.group("n")), min(injured, default=None))
    killed = _counts(text, KILLED_PATTERNS)
    none_reported = NONE_KILLED.search(text) is not None
    # ACLED: the lowest of alternative figures; "another 5 died later" adds to it.
    base = [v for v, extra in killed if not extra]
    fatalities = (min(base) if base else 0) + sum(v for v, extra in killed if extra) if killed else (0 if none_reported else None)
    injuries = min(injured) if injured else (0 if none_reported and "injur" in text else None)
    stated = normalise_numbers(sentence, vague=False) if killed or injured else ""  # the same, without vague words' stand-ins
    return Casualties(
        fatalities, injuries,
        fatalities_vague=bool(killed) and not _counts(stated, KILLED_PATTERNS),
        injuries_vague=bool(injured) and not _counts(stated, INJURED_PATTERNS),
    )
