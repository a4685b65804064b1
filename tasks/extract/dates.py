"""An event's own date from a sentence, resolved against the article's publication date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from conflict_events.calendar import MONTHS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY, WEEK, MONTH = 1, 2, 3  # ACLED time_precision

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(r"\b(?:on\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(" + _MONTH_ALT + r")\.?(?:,?\s+((?:19|20)\d{2}))?\b", re.I)
_MONTH_DAY = re.compile(r"\b(?:on\s+)?(" + _MONTH_ALT + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+((?:19|20)\d{2}))?", re.I)
_MONTH_YEAR = re.compile(r"\bin\s+(?:early\s+|late\s+|mid-?)?(" + _MONTH_ALT + r")\.?(?:\s+((?:19|20)\d{2}))?\b", re.I)
_YEAR = re.compile(r"\bin\s+((?:19|20)\d{2})\b")
_WEEKDAY = re.compile(r"\b(?:(last|early|late|on|this|since)\s+)?(" + "|".join(WEEKDAYS) + r")(?:'s)?\b", re.I)

# Hand-written, not dateparser (locked via htmldate): with RELATIVE_BASE and PREFER_DATES_FROM="past" it puts
# a weekday that is the publication day a week back ("on Wednesday" in Wednesday's paper), cannot read
# "overnight", "earlier this week" or "Thursday's", and takes "last week"/"last month" as exactly 7 days/a month
# back (ACLED codes them mid-period). Tried on the FA-KES dev set it changed 180 of 454 events and dropped 42,
# at ~1.3 ms a phrase against ~0.08 ms for this whole function on a sentence.
_RELATIVE = (
    (re.compile(r"\b(?:the\s+day\s+before\s+yesterday)\b", re.I), 2, DAY),
    (re.compile(r"\b(?:yesterday|last\s+night|overnight)\b", re.I), 1, DAY),
    (re.compile(r"\b(?:today|this\s+morning|this\s+afternoon|this\s+evening|tonight|earlier\s+today|hours\s+(?:after|before|ago))\b", re.I), 0, DAY),
    *((re.compile(rf"\b(?:{word}|{n})\s+days\s+ago\b", re.I), n, DAY) for n, word in enumerate(("", "one", "two", "three", "four", "five", "six"), 0) if n >= 2),
    (re.compile(r"\b(?:last\s+week|earlier\s+this\s+week|this\s+week|past\s+week|previous\s+week)\b", re.I), 4, WEEK),
    (re.compile(r"\b(?:last\s+month|earlier\s+this\s+month|this\s+month|past\s+month|previous\s+month)\b", re.I), 15, MONTH),
)


_SPOKE_BEFORE = re.compile(r"\b(?:said|says|reported|told\s+\S+|announced|added|stated|confirmed|claimed|reporting)\s+(?:late\s+|early\s+)?(?:on\s+)?$", re.I)


@dataclass(frozen=True)
class EventDate:
    """A resolved date, its ACLED precision, and whether the sentence said it (not just the publication date)."""

    day: date | None
    precision: int
    explicit: bool


def _month_number(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _not_after(candidate: date | None, published: date) -> date | None:
    """A date written without a year is the latest such date on or before publication."""
    if candidate is None:
        return None
    if candidate > published:
        try:
            return candidate.replace(year=candidate.year - 1)
        except ValueError:
            return None
    return candidate


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# A date the story gives its event ("on 16 March 2024"), unlike a dateline ("Posted on April 2 2017").
_EVENT_ON = re.compile(r"\bon\s+(?:\w+day,?\s+)?(?:the\s+)?$", re.I)
_POSTED = re.compile(r"\b(?:posted|published|updated)\s+(?:on\s+)?$", re.I)
# A wire dateline without a year: "BEIRUT, March 20 (Reuters) -" (matched at the dateline's end).
_WIRE_AFTER = re.compile(r"\s*(?:\(|-|–|—)")
# The weekday right before a dateline ("Tuesday, 5 March 2024"), looked for in the few characters before it:
# searched from the sentence's start, each dateline would cost the sentence's length.
_WEEKDAY_BEFORE = re.compile(r"(?:\b\w+day|\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?),?\s*$", re.I)
_WEEKDAY_WINDOW = 40


def _without_datelines(sentence: str, published: date | None) -> str:
    """Blank out the report's own dateline: it dates the report, not the event."""
    if published is None:
        return sentence
    chars = list(sentence)  # blanked in place: a new string per dateline would copy the sentence each time

    def blank(start: int, end: int) -> None:
        chars[start:end] = " " * (end - start)

    for pattern, order in ((_DAY_MONTH, "dm"), (_MONTH_DAY, "md")):
        text = "".join(chars)
        for match in pattern.finditer(text):
            day_s, month_s = (match.group(1), match.group(2)) if order == "dm" else (match.group(2), match.group(1))
            if not match.group(3):
                wire = _WIRE_AFTER.match(text, match.end()) and _safe_date(published.year, _month_number(month_s), int(day_s)) == published
                if wire:
                    blank(match.start(), match.end())
                continue
            before = "".join(chars[max(0, match.start() - 30) : match.start()])
            story_on = match.group(0)[:3].lower() == "on " or _EVENT_ON.search(before)
            if story_on and not _POSTED.search(before):
                continue  # "killed on 16 March 2024": the event's own date, even when the report has the same
            if _safe_date(int(match.group(3)), _month_number(month_s), int(day_s)) == published:
                start = match.start()
                low = max(0, start - _WEEKDAY_WINDOW - 1)  # one more character, for the word boundary
                weekday = _WEEKDAY_BEFORE.search("".join(chars[low:start]), 1 if low else 0)
                start = low + weekday.start() if weekday else start
                blank(start, match.end())
    return "".join(chars)


def _weekday_before(match: re.Match, published: date) -> date:
    """The latest such weekday on or before publication ("last Friday" on a Friday: a week back)."""
    back = (published.weekday() - WEEKDAYS.index(match.group(2).lower())) % 7
    if match.group(1) and match.group(1).lower() == "last" and back == 0:
        back = 7
    return published - timedelta(days=back)


def resolve_event_date(sentence: str, published: date | None) -> EventDate:
    """The date a sentence places its event on; falls back to the publication date at week precision."""
    sentence = _without_datelines(sentence, published)
    for pattern, order in ((_DAY_MONTH, "dm"), (_MONTH_DAY, "md")):
        match = pattern.search(sentence)
        if match:
            day_s, month_s = (match.group(1), match.group(2)) if order == "dm" else (match.group(2), match.group(1))
            if month_s == "may":
                continue  # the modal verb, not the month
            year = int(match.group(3)) if match.group(3) else (published.year if published else None)
            if year is not None:
                found = _safe_date(year, _month_number(month_s), int(day_s))
                if found and not match.group(3) and published:
                    found = _not_after(found, published)
                if found:
                    return EventDate(found, DAY, True)
    if published is not None:
        # "medics said on Wednesday": the day a source spoke dates the report, not the event.
        # Only when the sentence says nothing else does that day stand for the event's.
        weekdays = list(_WEEKDAY.finditer(sentence))
        spoke = [m for m in weekdays if _SPOKE_BEFORE.search(sentence[max(0, m.start() - 30) : m.start()])]
        match = next((m for m in weekdays if m not in spoke), None)
        if match:
            return EventDate(_weekday_before(match, published), DAY, True)
        for pattern, days_back, precision in _RELATIVE:
            if pattern.search(sentence):
                return EventDate(published - timedelta(days=days_back), precision, True)
        if spoke:
            return EventDate(_weekday_before(spoke[0], published), DAY, True)
    match = _MONTH_YEAR.search(sentence)
    if match and match.group(1) != "may":
        year = int(match.group(2)) if match.group(2) else (published.year if published else None)
        if year is not None:
            found = date(year, _month_number(match.group(1)), 15)
            if not match.group(2) and published:
                found = _not_after(found, published) or found
            return EventDate(found, MONTH, True)
    match = _YEAR.search(sentence)
    if match and published is not None and int(match.group(1)) < published.year:
        return EventDate(date(int(match.group(1)), 7, 1), MONTH, True)
    return EventDate(published, WEEK, False)
