"""Incidents: the events of many articles that report one real incident, merged into one row (issue 15, part 4).

ACLED codes one event per incident, location and day. Twenty outlets reporting one airstrike give twenty
`events` rows (one per article); `incidents` has one row for it. Everything here is pure: event rows
(EVENTS_SCHEMA plus their article's `source_name`, `published_date` and `ingested_at`) in, incident rows out.

When two events are one incident
--------------------------------
Events of different articles are one incident when all of these hold (`compatible`):

* **same kind**: the same sub-event *family* (FAMILIES below): ACLED's event type, with
  "Explosions/Remote violence" and "Strategic developments" split where the sub-types name different
  weapons or acts that no two reports of one incident would disagree on;
* **same place**: different countries, different admin1s, or two town-precise places more than TOWN_KM
  apart (AREA_KM when one is only "near" a town) are never one incident. A place known only at region
  level (admin1, no town) matches any place of its admin1 (and a town within AREA_KM of the region's
  reference point: Damascus and the Rif Dimashq province around it) when both events have the same
  sub-event type or both reports name the same distinctive place (below). A place known only at country
  level, or not at all (the coder found no place: a local paper names no country), is *vague*: see below;
* **same time**: event dates within DATE_DAYS of each other (but two reports that each date the event to
  their own publication day, a day apart, tell of two days' incidents, unless the later one raises the
  toll as an update would); an undated event matches on its article's publication date (the event
  happened at most PUBLISHED_DAYS before it); an event with neither date matches nothing (in a news feed
  a same-kind incident in the same town recurs: an undated "air strike kills 10 in Idlib" is as likely
  2014's as 2017's);
* **compatible actors**: the same actor1 or the same actor category (inter1), or one side does not know who
  acted ("Unidentified Armed Group", or no actor); a state's army, police and government are one actor;
  for battles the named sides must overlap when both reports name both sides (in either order);
* **compatible tolls**: reports of one day within TOLL_RATIO of each other, a later report not far below
  an earlier one (below MASS_CASUALTY only);
* never two events of one article (the coder already merged what it thought was one event).

Vague places. The coder misses places: a local paper writes "BANNU:" and never names Pakistan, a
gazetteer lacks a village. Such an event may still be one of the incidents of the batch, on two kinds of
evidence: (1) the notes of both reports name the same *distinctive place-like name* (a capitalised word that
few articles of the batch use, not an actor's or country's name: "Zabarmari", "Lido", "Depayin"), or
(2) it has the same sub-event type, the same named actor or a toll on both sides, and is compatible with
exactly one incident of the batch (a vague event that could belong to two incidents belongs to neither).

Clustering is greedy, with complete linkage: an event joins the incident it is compatible with as a whole,
i.e. with *every* member (dates: with the incident's date), never a chain of pairwise look-alikes ("Ariha
airstrike" ~ "Idlib airstrike" ~ "Sarmin airstrike" does not make Ariha and Sarmin one); the evidence of a
fit is the best any member gives (a vague member that knows little does not veto it, but none may
contradict it). Events with a town-level place go first, then region-level and vague ones, each in
report order, so a vague event chooses among all the batch's incidents. Among several incidents it fits,
an event joins the most similar one (same sub-type, town, actor, a shared name, close tolls); an event
without a town that fits two about equally (within AMBIGUITY_MARGIN) joins neither. A near-duplicate text
(a wire copy, see near_duplicates) puts its events in the incidents of the original's events of the same
family, whatever the coder made of the copy's place or date; a copy is no evidence of its own, so complete
linkage ignores copies, and copies are placed after everything else.

Incremental merging (`merge_incidents`) rebuilds the published incidents from their member events, then
places the new events as above; only incidents that gain or lose members are returned (and listed as
replaced). Existing incidents never merge with each other, so an incident_id, once published, stays.

Merged fields
-------------
* `incident_id`: derived from the event_id of the first member (the earliest report), and kept for good:
  later reports joining, or a member article re-coded, never change it.
* `event_date`: the date most members give (ties: the best time precision, then the earliest);
  `sub_event_type`: the most frequent (ties: the first report's); `event_type`, `disorder_type` follow it.
* place columns: all taken from one member, the most precise one (lowest geo_precision; ties: the place
  most members give, then the first report's), so country, admin1, location and coordinates agree.
* actors: the most frequent named actor (an unidentified or missing one only when nobody names one; ties:
  the first report's), with its category; associated actors: every other name the members give.
* `fatalities` (ACLED's rule across sources): ACLED keeps the most conservative credible figure and
  updates it when a later report revises the toll. So: among the members that report a toll (> 0), take
  those of the most recent publication day (an updated toll replaces an earlier one, up or down), and
  of those the lowest figure (several outlets on one day: the conservative one). 0 when no member reports
  a death (a later report that does not repeat the toll does not erase it). `injuries`: the same rule.
* `notes`: the first report's notes. `event_ids`: the members' event ids, in report order.
* `source_count`: the number of distinct *sources* (outlets, by source_name; an article without one counts
  as a source of its own): ACLED's source count, so an outlet's three updates count once and are not
  mistaken for corroboration. `source_names`: the distinct names, sorted.
* `first_reported` / `last_reported`: the earliest and latest report time of the members, a report's time
  being its article's publication date (00:00 UTC) or, for an article without one, when it was ingested.

Report order (who is "first" and "most recent"): publication date (an article without one: its event's
date, the earliest it can have been written), then ingestion time, then ids, so results do not depend on
the order rows come in.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone
from functools import lru_cache
from importlib.resources import files
from typing import Any

import pyarrow as pa

from conflict_events.schemas import CIVILIAN_TARGETING, EVENT_TYPE_OF, INCIDENTS_SCHEMA, disorder_type_of

# --------------------------------------------------------------------------------------------------
# The rules' thresholds
# --------------------------------------------------------------------------------------------------

# Event dates of one incident reported by different outlets differ by at most a day: "on Tuesday night"
# is Tuesday for one and Wednesday for another, and a report's weekday is resolved against its own
# publication date (time zones, late editions).
DATE_DAYS = 1
# An undated event happened on its article's publication day or shortly before: news reports incidents
# of the last two days ("on Sunday" in a Tuesday paper). Wider windows let same-place incidents of a
# busy week run together.
PUBLISHED_DAYS = 2
# Two town-precise places are one place within 10 km: a town and its own quarters, outskirts or a
# spelling the gazetteer puts a few km apart. Neighbouring towns (Ariha and Sarmin, 15 km; Nikopol and
# Marhanets, 20 km) stay apart.
TOWN_KM = 10.0
# "near X" / an area (ACLED geo_precision 2) is the surroundings of a town, up to about 25 km.
AREA_KM = 25.0
# Outlets reporting one incident on the same day rarely differ more than 3-fold on the toll ("4 killed" vs
# "at least 12" happens; "2" vs "40" is another incident); the slack keeps small counts from deciding
# anything (1 vs 5 is ordinary early confusion). A later report may raise a toll without limit (the
# wounded die, bodies are found) but a revision down is rarely more than that.
TOLL_RATIO = 3.0
TOLL_SLACK = 3
# From 50 dead up, early figures diverge widely (one side's claim against a monitor's confirmed count:
# 100 and 1,300 for one chemical attack), and two distinct mass-casualty incidents of one kind in one
# province within a day are rare: tolls are not compared.
MASS_CASUALTY = 50
# A report without a town joins the best of several incidents only when it fits it clearly better: by
# more than the toll bonus (0.5), i.e. by a shared name, a same sub-type or a same actor.
AMBIGUITY_MARGIN = 0.5
# A place-like name is distinctive when at most this share of the batch's articles use it (and at least
# up to NAME_MIN_ARTICLES articles may, so a five-report incident in a small batch keeps its name):
# "Zabarmari" in 4 of 120 articles tells an incident apart, "Aleppo" in 60 of 300 does not.
NAME_SHARE = 0.02
NAME_MIN_ARTICLES = 5
# Words that are capitalised in news but name no place (institutions, titles, calendar); the share
# filter removes the rest of the batch's common words.
NAME_STOPWORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december army forces force police ministry minister president prime
    government council committee national united nations international human rights observatory state
    states islamic republic democratic people peoples front group brigade division battalion command
    general commander spokesman spokeswoman governor mayor official officials agency news radio television
    press media reuters statement hospital province region district county city town village capital
    north south east west northern southern eastern western central upper lower greater new old saint
    the this that these those there their they then when while after before during with from into since
    among according earlier later today yesterday tonight morning evening night township municipality
    governorate department prefecture territory kurdish arab arabs residents witnesses rescue
    rescuers security local several many some most more least both other another also however meanwhile
    elsewhere soldiers troops fighters gunmen militants attackers assailants rebels people civilians children
    women families funerals hundreds dozens thousands three four five seven eight nine eleven twelve
    twenty thirty forty fifty""".split()
)

# Sub-event families. ACLED's six event types, with two split:
#  * Explosions/Remote violence by how the blast was delivered, because reports of one incident agree on
#    that (an airstrike is never reported as a roadside bomb) while two different incidents the same day in
#    one province are very often one of each (an airstrike on one town, shelling of the next):
#      - "air":       Air/drone strike (aircraft, drones);
#      - "fired":     Shelling/artillery/missile attack (ground-launched fire; a missile attack is fired,
#                     not flown: ACLED codes a ballistic or cruise missile here);
#      - "bomb":      Remote explosive/landmine/IED and Suicide bomb together: the first reports of a blast
#                     often cannot tell a planted device from a suicide bomber, and later ones correct it;
#      - "grenade":   Grenade (a thrown device, a close-range attack on its own);
#      - "chemical":  Chemical weapon.
#  * Strategic developments: every sub-type its own family (an arrest is never an agreement).
# Battles (armed clash, territory taken or retaken: one fight is told either way), Violence against
# civilians (an attack in which people are also abducted is told as either), Protests (a march that police
# dispersed is "peaceful" in the first report) and Riots stay whole.
FAMILIES: dict[str, str] = {
    "Armed clash": "battle",
    "Government regains territory": "battle",
    "Non-state actor overtakes territory": "battle",
    "Air/drone strike": "air",
    "Shelling/artillery/missile attack": "fired",
    "Remote explosive/landmine/IED": "bomb",
    "Suicide bomb": "bomb",
    "Grenade": "grenade",
    "Chemical weapon": "chemical",
    "Sexual violence": "civilians",
    "Attack": "civilians",
    "Abduction/forced disappearance": "civilians",
    "Peaceful protest": "protest",
    "Protest with intervention": "protest",
    "Excessive force against protesters": "protest",
    "Violent demonstration": "riot",
    "Mob violence": "riot",
    **{s: f"strategic:{s}" for s in (
        "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use", "Headquarters or base established",
        "Looting/property destruction", "Non-violent transfer of territory", "Other",
    )},
}

TOWN, AREA, REGION = 1, 2, 3  # ACLED geo_precision

# How two events' places compare (`place_relation`).
SAME, DIFFERENT, COARSE, VAGUE = "same", "different", "coarse", "vague"

# --------------------------------------------------------------------------------------------------
# Columns read from the event rows
# --------------------------------------------------------------------------------------------------


PLACE_COLUMNS = ("country", "iso3", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision")
REPORT_COLUMNS = ("source_name", "published_date", "ingested_at")  # the article's columns each event row must carry


def family_of(sub_event_type: str | None) -> str | None:
    """The sub-event family (see FAMILIES); None for an unknown sub-event type."""
    return FAMILIES.get(sub_event_type or "")


def incident_id_of(first_event_id: str) -> str:
    """The incident id for an incident first reported by `first_event_id`: stable, opaque, 20 hex digits."""
    return "inc-" + hashlib.sha256(b"incident\0" + first_event_id.encode()).hexdigest()[:20]


# --------------------------------------------------------------------------------------------------
# Normalised views of an event
# --------------------------------------------------------------------------------------------------

_UNKNOWN_ACTOR_RE = re.compile(r"^unidentified\b|^unknown\b", re.I)
_STATE_RE = re.compile(r"^(?:Military|Police|Government|Naval|Air|Security|Armed)\b.*?\bof\s+(?:the\s+)?(.+?)(?:\s*\(.*\))?$", re.I)
_CAPITALISED_RE = re.compile(r"^[A-Z][A-Za-z\u00C0-\u024F'’\-]{3,}$")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fold(name: str | None) -> str:
    """Case, accents, punctuation, a leading al-/el- and 'governorate/province' do not tell places apart."""
    if not name:
        return ""
    text = _strip_accents(name).casefold()
    text = re.sub(r"\b(?:governorate|province|region|state|oblast|district|city)\b", " ", text)
    text = re.sub(r"[^\w]+", " ", text)
    text = re.sub(r"^\s*(?:al|ar|as|ad|an|ash|at|az|el)\s+", "", text)
    return " ".join(text.split())


def actor_key(name: str | None) -> str:
    """Who an actor is, for comparing reports: a state's military, police and government are one actor
    ("Military Forces of Syria", "Government of Syria": the Syrian state), other names are themselves."""
    if not name:
        return ""
    match = _STATE_RE.match(name.strip())
    return f"state:{_fold(match.group(1))}" if match else _fold(name)


def known_actor(name: str | None) -> bool:
    """A named perpetrator, not "Unidentified Armed Group (X)" or nothing."""
    return bool(name) and not _UNKNOWN_ACTOR_RE.match(name)


@lru_cache(maxsize=1)
def _country_words() -> frozenset[str]:
    """Every word of the reference countries' names, demonyms and aliases ("Turkish", "Syria's", "Burma"):
    they name no place within a country, and one country's stories all share them."""
    words: set[str] = set()
    with (files("conflict_events") / "reference" / "countries.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column in ("name", "demonyms", "aliases"):
                for value in (row.get(column) or "").split("|"):
                    words.update(_strip_accents(re.sub(r"['’]s\b", "", value)).casefold().replace("-", " ").split())
    return frozenset(words)


def place_names(notes: str | None, exclude: Iterable[str | None] = ()) -> frozenset[str]:
    """Capitalised words of the notes, folded: the candidates for distinctive place names.

    Left out: words of `exclude` (the event's actor and country names), country names and demonyms,
    NAME_STOPWORDS, and words in capitals (datelines such as "BANGKOK, March 25 (GWS)" and acronyms: a
    bureau's dateline is shared by all its stories). "Nairobi's" is "nairobi".
    """
    excluded = set(NAME_STOPWORDS) | _country_words()
    for name in exclude:
        excluded.update(_fold(name).split())
    found = set()
    for word in (notes or "").split():
        word = re.sub(r"['’]s$", "", word.strip(".,;:!?\"'()[]“”‘’"))
        for part in re.split(r"[-’']", word):  # "Maarat al-Numan": "Maarat", "Numan"
            if _CAPITALISED_RE.match(part) and not part.isupper():
                folded = _strip_accents(part).casefold()
                if len(folded) >= 4 and folded not in excluded:
                    found.add(folded)
    return frozenset(found)


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(), timezone.utc)
    return _as_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


_FAR = datetime.max.replace(tzinfo=timezone.utc)


@dataclass
class Report:
    """One event row and what the merge needs to know of it, computed once."""

    row: dict[str, Any]
    event_id: str
    article_id: str
    family: str | None
    published: date | None
    event_date: date | None
    reported_at: datetime | None  # publication day (00:00 UTC), else ingestion time
    order: tuple  # report order
    source: str  # source_name, or the article's own id for an article without one
    country: str
    admin1: str
    location: str  # "" when the place is region-level or unknown
    coords: tuple[float, float] | None  # of a town or area
    region_point: tuple[float, float] | None  # the reference point of a region-level place
    precision: int
    actor1: str  # actor_key of a named actor1, "" when unknown
    actor2: str
    names: frozenset[str]  # candidate place names of the notes (see place_names)
    copy: bool = False  # joined as a near-duplicate copy: no evidence of its own

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> "Report":
        row = dict(row)
        published = _as_date(row.get("published_date"))
        event_date = _as_date(row.get("event_date"))
        ingested = _as_utc(row.get("ingested_at"))
        lat, lon = row.get("latitude"), row.get("longitude")
        precision = row.get("geo_precision") or REGION
        actors = [row.get(c) for c in ("actor1", "actor2")] + [
            a for c in ("assoc_actor_1", "assoc_actor_2") for a in (row.get(c) or "").split(";")
        ]
        return cls(
            row=row,
            event_id=row["event_id"],
            article_id=row.get("article_id") or row["event_id"],
            family=family_of(row.get("sub_event_type")),
            published=published,
            event_date=event_date,
            reported_at=_as_utc(published) if published else ingested,
            order=(published or event_date or date.max, ingested or _FAR, row.get("article_id") or "", row["event_id"]),
            source=(row.get("source_name") or "").strip() or f"article:{row.get('article_id') or row['event_id']}",
            country=_fold(row.get("country")),
            admin1=_fold(row.get("admin1")),
            # A region-level place names no town (its "location" is the admin1 or the country).
            location=_fold(row.get("location")) if precision < REGION and row.get("admin1") else "",
            coords=(float(lat), float(lon)) if lat is not None and lon is not None and precision < REGION else None,
            region_point=(float(lat), float(lon)) if lat is not None and lon is not None and precision >= REGION else None,
            precision=int(precision),
            actor1=actor_key(row.get("actor1")) if known_actor(row.get("actor1")) else "",
            actor2=actor_key(row.get("actor2")) if known_actor(row.get("actor2")) else "",
            names=place_names(row.get("notes"), actors + [row.get("country"), row.get("iso3")]),
        )

    @property
    def vague(self) -> bool:
        """No admin1 (country-level or no place at all)."""
        return not self.admin1 or not self.country

    @property
    def placed(self) -> bool:
        """A town or its surroundings: these events are clustered first."""
        return not self.vague and bool(self.location)


# --------------------------------------------------------------------------------------------------
# Pairwise rules
# --------------------------------------------------------------------------------------------------


def _date_gap(a: Report, b: Report) -> int | None:
    """Days between the two events as far as the dates tell; None when they cannot be one day's events."""
    if a.event_date and b.event_date:
        gap = abs((a.event_date - b.event_date).days)
        if gap and a.event_date == a.published and b.event_date == b.published and not _toll_update(a, b):
            # Each report tells of its own day ("today", "on Tuesday" in a Tuesday paper): two days' incidents,
            # unless the later one raises the earlier's toll (a follow-up the coder dated to its own day).
            return None
        return gap if gap <= DATE_DAYS else None
    if a.event_date or b.event_date:
        dated, undated = (a, b) if a.event_date else (b, a)
        if undated.published is None:
            return None
        lag = (undated.published - dated.event_date).days  # the undated event happened within PUBLISHED_DAYS before its report
        return abs(lag) if -DATE_DAYS <= lag <= PUBLISHED_DAYS else None
    if a.published and b.published:
        gap = abs((a.published - b.published).days)
        return gap if gap <= PUBLISHED_DAYS else None
    return None


def _toll_update(a: Report, b: Report) -> bool:
    """The later-published report gives a higher toll than the earlier one (as an update of it would)."""
    earlier, later = (a, b) if (a.published or date.min) <= (b.published or date.min) else (b, a)
    return (later.row.get("fatalities") or 0) > (earlier.row.get("fatalities") or 0)


def place_relation(a: Report, b: Report) -> str:
    """SAME place, DIFFERENT places, COARSE (one is region-level in the same admin1) or VAGUE (one has no admin1)."""
    if a.country and b.country and a.country != b.country:
        return DIFFERENT
    if a.vague or b.vague:
        return VAGUE
    if a.admin1 != b.admin1:
        # A province that surrounds a city (Rif Dimashq around Damascus) has its reference point next to the
        # city: a report of "the Damascus countryside" and one placed in Damascus may tell one incident.
        for region, town in ((a, b), (b, a)):
            if not region.location and region.region_point and town.coords and _km(region.region_point, town.coords) <= AREA_KM:
                return COARSE
        return DIFFERENT
    if not a.location or not b.location:
        return COARSE
    if a.location == b.location:
        return SAME
    if a.coords and b.coords:
        limit = TOWN_KM if a.precision == TOWN and b.precision == TOWN else AREA_KM
        return SAME if _km(a.coords, b.coords) <= limit else DIFFERENT
    return DIFFERENT  # two different town names without coordinates


def _actors_agree(a: Report, b: Report) -> bool:
    """Same actor, same kind of actor, or one side does not know who acted."""
    if a.family == "battle":
        # Who attacked whom is told either way round. Two reports that each name both sides must share one;
        # a report that names one side ("troops clashed with gunmen") fits any fight it could be part of.
        names_a = {x for x in (a.actor1, a.actor2) if x}
        names_b = {x for x in (b.actor1, b.actor2) if x}
        if len(names_a) < 2 or len(names_b) < 2 or names_a & names_b:
            return True
        sides_a = {a.row.get(c) for c, n in (("inter1", a.actor1), ("inter2", a.actor2)) if n}
        sides_b = {b.row.get(c) for c, n in (("inter1", b.actor1), ("inter2", b.actor2)) if n}
        return bool(sides_a & sides_b)
    if not a.actor1 or not b.actor1:
        return True
    return a.actor1 == b.actor1 or (a.row.get("inter1") or "") == (b.row.get("inter1") or "")


def _tolls_agree(a: Report, b: Report) -> bool:
    """Tolls two reports of one incident can give (only checked when both give one, and below MASS_CASUALTY).

    Reports of one day are within TOLL_RATIO (plus TOLL_SLACK) of each other; a later report may raise
    the toll as far as it likes but not cut it below an earlier one's by more than that.
    """
    fa, fb = a.row.get("fatalities") or 0, b.row.get("fatalities") or 0
    if not fa or not fb or max(fa, fb) >= MASS_CASUALTY:
        return True
    if a.published is None or b.published is None or a.published == b.published:
        return max(fa, fb) <= TOLL_RATIO * min(fa, fb) + TOLL_SLACK
    earlier, later = (fa, fb) if a.published < b.published else (fb, fa)
    return earlier <= TOLL_RATIO * later + TOLL_SLACK


STRONG, WEAK, BARE = 2, 1, 0  # the evidence a compatible pair rests on (see `compatible`)


def compatible(a: Report, b: Report, distinctive: frozenset[str] | set[str] | None = None) -> tuple[float, int] | None:
    """None when the two events cannot be one incident, else (how alike they are, evidence).

    `distinctive`: the names distinctive in the batch (None: every name counts). Evidence is STRONG when the
    places agree (same town, or region and town of one admin1) or both notes name the same distinctive
    place; with a vague place and no shared name it is WEAK when the sub-types are the same and the named
    actor is the same or both give a toll, BARE when only the sub-types agree (no contradiction, no support).
    """
    if a.article_id == b.article_id or a.family is None or a.family != b.family:
        return None
    place = place_relation(a, b)
    if place == DIFFERENT or not _actors_agree(a, b) or not _tolls_agree(a, b):
        return None
    gap = _date_gap(a, b)
    if gap is None:
        return None  # not within the reporting window, or no date at all to go by (ACLED codes no undated event)
    same_kind = a.row.get("sub_event_type") == b.row.get("sub_event_type")
    same_actor = bool(a.actor1) and a.actor1 == b.actor1
    shared = a.names & b.names
    if distinctive is not None:
        shared &= distinctive
    if place == COARSE and not (same_kind or shared):
        return None
    evidence = STRONG
    if place == VAGUE and not shared:
        if not same_kind:
            return None
        both_tolls = bool(a.row.get("fatalities")) and bool(b.row.get("fatalities"))
        evidence = WEAK if same_actor or both_tolls else BARE
    score = 1.0 - gap / (PUBLISHED_DAYS + 1)
    score += 1.0 if same_kind else 0.0
    score += {SAME: 1.0, COARSE: 0.5, VAGUE: 0.0}[place]
    score += 1.0 if shared else 0.0
    score += 1.0 if same_actor else 0.0
    fa, fb = a.row.get("fatalities") or 0, b.row.get("fatalities") or 0
    score += 0.5 * (min(fa, fb) / max(fa, fb) if fa and fb else 1.0 if fa == fb else 0.0)
    return score, evidence


# --------------------------------------------------------------------------------------------------
# Clusters
# --------------------------------------------------------------------------------------------------


@dataclass
class Incident:
    """An incident being built: its id (None until the merge names it) and member reports (in report order)."""

    incident_id: str | None
    members: list[Report] = field(default_factory=list)
    published: bool = False  # already in a published version
    changed: bool = False

    def date(self) -> date | None:
        return _modal_date([m for m in self.members if not m.copy] or self.members)

    def fit(self, report: Report, distinctive: frozenset[str] | set[str] | None) -> tuple[float, int] | None:
        """How well `report` fits the whole incident, or None.

        Complete linkage over the non-copy members: compatible with every one of them, the score averaged, the
        evidence the best any member gives (a vague member that knows little does not veto a good match, but
        no member may contradict it). A fit resting on BARE evidence only is no fit.
        """
        if any(m.article_id == report.article_id for m in self.members):
            return None
        evidence_members = [m for m in self.members if not m.copy] or self.members
        day = self.date()
        scores, evidence = [], BARE
        for member in evidence_members:
            if day is not None and report.event_date is not None and member.event_date not in (None, day):
                # Dates are compared with the incident's date, not each member's: reports on d-1, d and d+1 are one day.
                member = replace(member, event_date=day)
            found = compatible(report, member, distinctive)
            if found is None:
                return None
            scores.append(found[0])
            evidence = max(evidence, found[1])
        if evidence == BARE:
            return None
        return sum(scores) / len(scores), evidence


def _modal_date(members: list[Report]) -> date | None:
    dates = [m.event_date for m in members if m.event_date]
    if not dates:
        return None
    counts = Counter(dates)
    precision = {d: min((m.row.get("time_precision") or 3) for m in members if m.event_date == d) for d in counts}
    return min(counts, key=lambda d: (-counts[d], precision[d], d))


@dataclass
class MergeResult:
    """What a merge changed: rows to write (new incidents and replaced ones), ids replaced, ids removed.

    `rows` holds one row per incident that is new or changed. A changed incident keeps its incident_id,
    listed in `replaced`: a lake replaces those rows and appends the new ones. `removed` lists published
    incidents left with no member (every member article was re-coded into other incidents).
    `assignments` maps each event_id merged in this call to its incident_id.
    """

    rows: list[dict[str, Any]]
    replaced: set[str]
    removed: set[str]
    assignments: dict[str, str]


def distinctive_names(reports: Iterable[Report]) -> frozenset[str]:
    """The place names few articles of the batch use (NAME_SHARE, NAME_MIN_ARTICLES)."""
    by_article: dict[str, set[str]] = {}
    for report in reports:
        by_article.setdefault(report.article_id, set()).update(report.names)
    counts = Counter(name for names in by_article.values() for name in names)
    limit = max(NAME_MIN_ARTICLES, NAME_SHARE * len(by_article))
    return frozenset(name for name, n in counts.items() if n <= limit)


def merge_incidents(
    new_events: Iterable[Mapping[str, Any]],
    previous_incidents: Iterable[Mapping[str, Any]] = (),
    previous_member_events: Iterable[Mapping[str, Any]] = (),
    run_id: str = "",
    originals: Mapping[str, str] | None = None,
) -> MergeResult:
    """Merge new event rows into the published incidents.

    `new_events`: event rows (EVENTS_SCHEMA columns plus `source_name`, `published_date`, `ingested_at` of
    their article). `previous_incidents`: the current incidents rows (only `incident_id` and `event_ids`
    are read). `previous_member_events`: the event rows (same columns as `new_events`) of their members;
    rows of events no incident lists are ignored. A new event of an article that already has members
    (the article was coded again) replaces all of that article's old members.
    `originals`: {article_id of a near-duplicate copy: article_id of its original} (near_duplicates).

    Returns the rows of new and changed incidents only; unaffected incidents are not touched.
    """
    new = [Report.of(r) for r in new_events]
    recoded = {r.article_id for r in new}
    members_by_event = {row["event_id"]: Report.of(row) for row in previous_member_events}
    incidents: list[Incident] = []
    removed: set[str] = set()
    for row in previous_incidents:
        incident = Incident(row["incident_id"], published=True)
        for event_id in row.get("event_ids") or []:
            member = members_by_event.get(event_id)
            if member is None or member.article_id in recoded:
                incident.changed = True  # its member article was coded again (or its row is gone)
                continue
            incident.members.append(member)
        incident.members.sort(key=lambda r: r.order)
        if incident.members:
            incidents.append(incident)
        else:
            removed.add(incident.incident_id)
    distinctive = distinctive_names([m for i in incidents for m in i.members] + new)
    index = _Index()
    by_article: dict[str, list[tuple[Report, Incident]]] = {}
    for incident in incidents:
        for member in incident.members:
            index.add(incident, member)
            by_article.setdefault(member.article_id, []).append((member, incident))
    originals = originals or {}
    assignments: dict[str, Incident] = {}
    # Town-level events first, then region-level and vague ones, each in report order; copies last, so
    # their originals are placed before them.
    for report in sorted(new, key=lambda r: (r.article_id in originals, not r.placed, r.order)):
        target = _copy_target(report, originals, by_article)
        if target is not None:
            report.copy = True
        else:
            target = _best_incident(report, index.candidates(report), distinctive)
        if target is None:
            target = Incident(None)
            incidents.append(target)
        target.members.append(report)
        target.members.sort(key=lambda r: r.order)
        target.changed = True
        index.add(target, report)
        by_article.setdefault(report.article_id, []).append((report, target))
        assignments[report.event_id] = target
    replaced = {i.incident_id for i in incidents if i.changed and i.published}
    taken = {i.incident_id for i in incidents if i.incident_id is not None}
    for incident in incidents:
        if incident.incident_id is None:  # a new incident is named after its earliest report
            incident.incident_id = _free_id(incident.members[0].event_id, taken)
            taken.add(incident.incident_id)
            if incident.incident_id in removed:  # a re-coded article's event starts its old incident again
                removed.discard(incident.incident_id)
                replaced.add(incident.incident_id)
    changed = [i for i in incidents if i.changed]
    return MergeResult(
        rows=[incident_row(i.incident_id, i.members, run_id) for i in changed],
        replaced=replaced,
        removed=removed,
        assignments={event_id: i.incident_id for event_id, i in assignments.items()},
    )


def _free_id(event_id: str, taken: set[str]) -> str:
    """incident_id_of(event_id), or when an incident that lives on already has it (its first report's article was
    coded again and the event id came back), the same with a counter."""
    candidate, n = incident_id_of(event_id), 0
    while candidate in taken:
        n += 1
        candidate = incident_id_of(f"{event_id}#{n}")
    return candidate


class _Index:
    """Incidents by family and by the days their members tell of, so an event is compared only with the
    incidents it could join (same family, days within the widest window the date rules allow)."""

    SPAN = DATE_DAYS + PUBLISHED_DAYS

    def __init__(self) -> None:
        self._by_key: dict[tuple[str | None, int], list[Incident]] = {}

    @staticmethod
    def _day(report: Report) -> date | None:
        return report.event_date or report.published

    def add(self, incident: Incident, report: Report) -> None:
        day = self._day(report)
        if day is not None:
            bucket = self._by_key.setdefault((report.family, day.toordinal()), [])
            if not any(i is incident for i in bucket):
                bucket.append(incident)

    def candidates(self, report: Report) -> list[Incident]:
        day = self._day(report)
        if day is None or report.family is None:
            return []
        found: dict[int, Incident] = {}
        for offset in range(-self.SPAN, self.SPAN + 1):
            for incident in self._by_key.get((report.family, day.toordinal() + offset), ()):
                found.setdefault(id(incident), incident)
        return list(found.values())


def with_article_columns(events: Iterable[Mapping[str, Any]], articles: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Event rows with their article's REPORT_COLUMNS added (what merge_incidents reads); events of an
    article not among `articles` get None there."""
    by_id = {a["article_id"]: a for a in articles}
    out = []
    for event in events:
        article = by_id.get(event["article_id"], {})
        out.append({**event, **{column: article.get(column) for column in REPORT_COLUMNS}})
    return out


def build_incidents(events: Iterable[Mapping[str, Any]], run_id: str = "", originals: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """All incidents of a set of event rows, from scratch."""
    return merge_incidents(events, run_id=run_id, originals=originals).rows


def _copy_target(report: Report, originals: Mapping[str, str], by_article: dict[str, list[tuple[Report, Incident]]]) -> Incident | None:
    """The incident of the original's event that a wire copy's event repeats, if any.

    A copy tells the same story, so its event is the original's event of the same family whatever the coder
    made of the copy's place or date (a dateline added, a paragraph cut change what it resolves); among
    several, the one in the same place, then of the same sub-event type, then the first.
    """
    original = originals.get(report.article_id)
    if not original or original == report.article_id:
        return None
    options = []
    for member, incident in by_article.get(original, []):
        if member.family != report.family or any(m.article_id == report.article_id for m in incident.members):
            continue
        same_place = place_relation(member, report) != DIFFERENT
        same_kind = member.row.get("sub_event_type") == report.row.get("sub_event_type")
        options.append(((not same_place, not same_kind, member.order), incident))
    return min(options, key=lambda o: o[0])[1] if options else None


def _best_incident(report: Report, incidents: list[Incident], distinctive: frozenset[str]) -> Incident | None:
    """The incident the report fits best; None when it fits none, or fits two about equally.

    Strong fits win by score (ties: the incident reported first). A report without a town that fits two
    incidents within AMBIGUITY_MARGIN of each other joins neither ("an airstrike in Hasakah province" may be
    the Qamishli one or the Amuda one). A weak fit (vague place, same sub-type, nothing more) counts only
    when it is the report's one and only fit.
    """
    strong: list[tuple[float, Incident]] = []
    weak: list[tuple[float, Incident]] = []
    for incident in incidents:
        found = incident.fit(report, distinctive)
        if found is not None:
            (strong if found[1] == STRONG else weak).append((found[0], incident))
    if strong:
        strong.sort(key=lambda f: (-f[0], f[1].members[0].order))
        if not report.placed and len(strong) > 1 and strong[0][0] - strong[1][0] < AMBIGUITY_MARGIN:
            return None
        return strong[0][1]
    return weak[0][1] if len(weak) == 1 else None


# --------------------------------------------------------------------------------------------------
# The merged row
# --------------------------------------------------------------------------------------------------


def _most_frequent(values: list[Any]) -> Any:
    """The most frequent value; ties go to the one met first (members are in report order)."""
    counts = Counter(values)
    return max(values, key=lambda v: counts[v]) if values else None


def _toll(members: list[Report], column: str) -> int:
    """ACLED's rule across sources: the most recent publication day's reports that give a figure, lowest figure."""
    reported = [m for m in members if (m.row.get(column) or 0) > 0]
    if not reported:
        return 0
    latest = max(m.order[0] for m in reported)
    return min(m.row[column] for m in reported if m.order[0] == latest)


def _actor(members: list[Report], name_col: str, inter_col: str) -> tuple[str | None, str | None]:
    names = [m.row.get(name_col) for m in members if known_actor(m.row.get(name_col))]
    if not names:
        names = [m.row.get(name_col) for m in members if m.row.get(name_col)]
    name = _most_frequent(names)
    inter = next((m.row.get(inter_col) for m in members if m.row.get(name_col) == name and m.row.get(inter_col)), None)
    return name, inter


def incident_row(incident_id: str, members: list[Report], run_id: str = "") -> dict[str, Any]:
    """One incidents row from its member reports (in report order)."""
    first = members[0]
    day = _modal_date(members)
    time_precision = min((m.row.get("time_precision") or 3) for m in members if m.event_date == day) if day else 3
    sub_event_type = _most_frequent([m.row["sub_event_type"] for m in members if m.row.get("sub_event_type")])
    location_counts = Counter((m.admin1, m.location) for m in members)
    place = min(
        members, key=lambda m: (m.precision, not m.admin1, not m.country, -location_counts[(m.admin1, m.location)], m.order)
    ).row
    actor1, inter1 = _actor(members, "actor1", "inter1")
    actor2, inter2 = _actor(members, "actor2", "inter2")
    if actor2 == actor1:
        actor2, inter2 = None, None

    def associated(column: str, exclude: set[str | None]) -> str | None:
        names: dict[str, None] = {}
        for m in members:
            for part in (m.row.get(column) or "").split(";"):
                if part.strip() and part.strip() not in exclude:
                    names[part.strip()] = None
        return "; ".join(names) or None

    main = {actor1, actor2}
    assoc1 = associated("assoc_actor_1", main)
    # The members' other actor1 names, when known and not already a main actor, are associated actors too.
    extra1 = [m.row["actor1"] for m in members if m.actor1 and m.row["actor1"] not in main and m.row["actor1"] not in (assoc1 or "")]
    if extra1:
        assoc1 = "; ".join(dict.fromkeys(([assoc1] if assoc1 else []) + extra1))
    sources = sorted({(m.row.get("source_name") or "").strip() for m in members} - {""})
    times = [m.reported_at for m in members if m.reported_at is not None]
    return {
        "incident_id": incident_id,
        "event_date": day,
        "time_precision": time_precision,
        "disorder_type": disorder_type_of(sub_event_type) if sub_event_type else first.row.get("disorder_type"),
        "event_type": EVENT_TYPE_OF.get(sub_event_type, first.row.get("event_type")),
        "sub_event_type": sub_event_type,
        "actor1": actor1,
        "assoc_actor_1": assoc1,
        "inter1": inter1,
        "actor2": actor2,
        "assoc_actor_2": associated("assoc_actor_2", main),
        "inter2": inter2,
        "civilian_targeting": CIVILIAN_TARGETING if inter2 == "Civilians" else None,
        **{column: place.get(column) for column in PLACE_COLUMNS},
        "fatalities": _toll(members, "fatalities"),
        "injuries": _toll(members, "injuries"),
        "notes": first.row.get("notes"),
        "event_ids": [m.event_id for m in members],
        "source_count": len({m.source for m in members}),
        "source_names": sources,
        "first_reported": min(times) if times else None,
        "last_reported": max(times) if times else None,
        "run_id": run_id,
    }


def incidents_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Incident rows as a pyarrow Table of INCIDENTS_SCHEMA."""
    return pa.Table.from_pylist([dict(r) for r in rows], schema=INCIDENTS_SCHEMA)
