"""Actors: the curated dictionary in conflict_events/reference/actors.csv plus state forces built from countries.csv."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tasks.extract.gazetteer import Country, _read_csv, _split

FORCE_NOUNS = (
    r"army|armed forces|military|forces|troops|soldiers|jets|warplanes|war planes|aircraft|air force|air forces|aviation|navy|"
    r"artillery|drones?|helicopters?|gunships?|tanks|regime|government forces|government troops|marines|special forces|"
    r"aerospace forces|defence ministry|defense ministry|military aircraft|fighter jets|planes|airstrikes?|air strikes?|strikes|air defen[cs]es?|"
    r"missiles?|shelling|bombardment|raids?|attacks?|offensive|units?|battalions?|brigades?|personnel|coalition|"
    r"strike|bombing|bombs?|glide\s+bombs?|fire|gunfire|shells?|rockets?|drone\s+strikes?"
)
POLICE_NOUNS = r"police|police officers|policemen|riot police|security forces|gendarmes|gendarmerie"
MAX_OWNERS = 10  # "US, British, French, ... forces": the longest list of owners read before a force noun
# Who a country's own people are, by role in the event: victims, demonstrators, rioters, unknown attackers.
GENERIC_ACTORS = (
    (r"civilians?|residents|villagers|people|children|women|worshippers|farmers|students|passengers|shoppers|families|"
     r"displaced people|refugees|pupils|medics|aid workers|journalists|teachers|patients|men|boys|girls|traders|"
     r"motorists|herders|fishermen|mourners|wedding guests|bystanders|pedestrians", "Civilians ({country})", "Civilians"),
    (r"protesters|protestors|demonstrators|marchers|activists", "Protesters ({country})", "Protesters"),
    (r"rioters|mobs?|angry crowds?|youths", "Rioters ({country})", "Rioters"),
    (r"gunmen|unidentified (?:gunmen|assailants|attackers|armed men)|armed men|assailants|attackers|militants|"
     r"unknown (?:gunmen|assailants|attackers)|bandits|jihadists|islamists|terrorists|terrorist groups?|armed gangs?|gangs?",
     "Unidentified Armed Group ({country})", "Political militia"),
    (r"rebels|rebel fighters|rebel groups?|opposition fighters|armed opposition|opposition forces|insurgents|"
     r"opposition groups|rebel forces|anti-government fighters|rebel", "Rebel Forces ({country})", "Rebel group"),
    # "government air strikes", "regime shelling": the state's forces did it, not its government.
    (r"(?:government|regime|pro-government|pro-regime|loyalist|state|assad) (?:forces|troops|army|jets|warplanes|aircraft|helicopters|soldiers|artillery|"
     r"air ?strikes?|air raids?|raids?|shelling|bombardment|bombing|barrel bombs?|fire|attacks?|offensive|air force|planes|rockets?|missiles?|gunfire)|"
     r"the army|the military|soldiers|troops|regime", "{state_forces}", "State forces"),
    (r"police|police officers|policemen|riot police|security forces|gendarmes", "{police_forces}", "State forces"),
    # Not "government buildings": property is no actor.
    (r"(?:the\s+)?(?:transitional\s+|interim\s+|federal\s+|central\s+)?government(?!\s+(?:buildings?|offices?|headquarters|property|facilities|premises|compound|vehicles?|websites?))",
     "{government}", "State forces"),
)


@dataclass(frozen=True)
class Actor:
    name: str
    inter: str
    home_iso2: str | None  # None: belongs to no one state (generic or transnational)
    generic: bool = False  # "rebels", "gunmen", a bare country name: a named actor is preferred


@dataclass(frozen=True)
class Mention:
    """An actor named in a sentence, at character offsets [start, end)."""

    actor: Actor
    start: int
    end: int
    generic: bool  # "civilians", "gunmen": the coder prefers named actors for the perpetrator role


def _alternation(phrases: list[str]) -> str:
    return "|".join(sorted(set(phrases), key=len, reverse=True))


class ActorDictionary:
    """Finds actors in sentences and names them as ACLED would, given the event's country."""

    def __init__(self, reference_dir: Path, countries: dict[str, Country]):
        self.countries = countries
        self._named: dict[str, list[Actor]] = {}  # folded alias -> actors (one per country branch)
        cased, uncased = [], []
        # Aliases that name an actor only in some countries ("coalition airstrikes" is the anti-IS
        # coalition in Syria and Iraq, the Saudi-led one in Yemen): alias -> countries.
        self._only_in: dict[str, set[str]] = {}
        for row in _read_csv(reference_dir / "actors.csv"):
            actor = Actor(row["actor"], row["inter"], row.get("home_iso2") or None)
            only_in = set(_split(row.get("only_in", "")))
            for alias in _split(row.get("aliases", "")) + (() if only_in else (row["actor"],)):
                self._named.setdefault(alias.lower(), []).append(actor)
                if only_in:
                    self._only_in[alias.lower()] = only_in
                # Short acronyms only as capitals ("IS" is no "is"); "Isis" and "Isil" are written both ways.
                (cased if alias.isupper() and len(alias) <= 3 else uncased).append(re.escape(alias))
        self._named_cased = re.compile(r"(?<![\w-])(?:" + _alternation(cased) + r")(?![\w-])") if cased else None
        self._named_uncased = re.compile(r"(?<![\w-])(?:" + _alternation(uncased) + r")(?![\w])", re.I) if uncased else None
        # "Russian jets", "Israel's army", "U.S. forces", "the Syrian regime": a country's forces.
        self._demonym_of: dict[str, str] = {}
        demonyms = []
        self._adjectives = {d.lower() for c in countries.values() for d in c.demonyms} - {
            n.lower() for c in countries.values() for n in (c.name, *c.aliases)
        }
        for country in countries.values():
            names = (country.name, *country.aliases)
            # Wire copy that lost its apostrophes: "Russias Aerospace Forces", "Syrias army".
            possessives = tuple(n + "s" for n in names if not n.endswith("s") and " " not in n and len(n) > 3)
            for word in (*country.demonyms, *names, *possessives):
                self._demonym_of.setdefault(word.lower(), country.iso2)
                demonyms.append(re.escape(word))
        demonym_re = _alternation(demonyms)
        # One or more owners ("Syrian and Russian") before a force noun ("forces", "air strikes"). At most
        # MAX_OWNERS: tried from every owner of a list, an unbounded list would be read to its end from each.
        self._state_forces = re.compile(
            r"(?<![\w-])(?P<whos>(?:" + demonym_re + r")(?:(?:,\s*|\s+and\s+|\s*/\s*)(?:" + demonym_re + rf")){{0,{MAX_OWNERS - 1}}})"
            r"(?:'s|’s)?\s+(?i:(?:[a-z\-]+\s+){0,2}?)(?P<noun>(?i:" + FORCE_NOUNS + "|" + POLICE_NOUNS + r"))\b",
        )
        self._owner = re.compile(r"(?<![\w-])(?:" + demonym_re + r")(?![\w-])")
        # "(?![\w-])": "regime-held" and "rebel-controlled" describe territory, not who acted.
        self._generic = [(re.compile(r"(?<![\w-])(?:" + pattern + r")(?![\w-])", re.I), name, inter) for pattern, name, inter in GENERIC_ACTORS]

    def _named_actor(self, alias: str, iso2: str | None) -> Actor:
        options = self._named[alias.lower()]
        for actor in options:
            if actor.home_iso2 == iso2:
                return actor
        return options[0]

    def state_forces(self, iso2: str, police: bool = False) -> Actor:
        country = self.countries[iso2]
        return Actor(country.police_forces if police else country.state_forces, "State forces", iso2)

    def home_countries(self, text: str) -> list[str]:
        """Home countries of the named actors in a text whose name belongs to one country alone ("M23" is
        Congolese; "Islamic State" has branches in many and tells nothing)."""
        homes = []
        for pattern in (self._named_cased, self._named_uncased):
            for match in pattern.finditer(text) if pattern is not None else ():
                alias = match.group(0).lower()
                countries = {a.home_iso2 for a in self._named[alias]}
                if alias not in self._only_in and len(countries) == 1 and None not in countries:
                    homes.append(next(iter(countries)))
        return homes

    def country_words(self, text: str):
        """(word, iso2) for every country name, alias or demonym in a text."""
        for match in self._owner.finditer(text):
            iso2 = self.country_of_word(match.group(0))
            if iso2:
                yield match.group(0), iso2

    def country_of_word(self, word: str) -> str | None:
        """ISO2 of the country a demonym or country name refers to."""
        return self._demonym_of.get(word.lower())

    def find(self, sentence: str, iso2: str | None) -> list[Mention]:
        """Actor mentions in a sentence, longest first where they overlap; `iso2` is the event's country."""
        found: list[Mention] = []
        for pattern in (self._named_cased, self._named_uncased):
            if pattern is None:
                continue
            for match in pattern.finditer(sentence):
                scope = self._only_in.get(match.group(0).lower())
                if scope is not None and iso2 not in scope:
                    continue
                found.append(Mention(self._named_actor(match.group(0), iso2), match.start(), match.end(), False))
        for match in self._state_forces.finditer(sentence):
            police = re.fullmatch(POLICE_NOUNS, match.group("noun"), re.I) is not None
            owners = []
            for owner_match in self._owner.finditer(match.group("whos")):
                owner = self.country_of_word(owner_match.group(0))
                if owner:
                    start = match.start("whos") + owner_match.start()
                    owners.append(Mention(self.state_forces(owner, police), start, start + len(owner_match.group(0)), False))
            found.extend(owners)
            if owners:  # the noun belongs to the first owner, so "army" is not also read as the local army
                found.append(Mention(owners[0].actor, match.start("noun"), match.end("noun"), False))
        for match in self._owner.finditer(sentence):
            owner = self.country_of_word(match.group(0))
            if owner and match.group(0).lower() not in self._adjectives:
                # A bare country name acts only when the parse makes it the subject of violence; a bare
                # demonym never does ("Syrian children were killed").
                actor = self.state_forces(owner)
                found.append(Mention(Actor(actor.name, actor.inter, actor.home_iso2, True), match.start(), match.end(), True))
        if iso2 and iso2 in self.countries:
            country = self.countries[iso2]
            for pattern, name, inter in self._generic:
                for match in pattern.finditer(sentence):
                    actor_name = name.format(
                        country=country.name, state_forces=country.state_forces, police_forces=country.police_forces,
                        government=country.state_forces.replace("Military Forces of", "Government of"),
                    )
                    found.append(Mention(Actor(actor_name, inter, iso2 if inter == "State forces" else None, True), match.start(), match.end(), True))
        return _without_overlaps(found)


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep the longest mention where several cover the same characters (named beats generic on ties)."""
    kept: list[Mention] = []
    # The characters kept mentions cover: comparing each mention with every kept one is quadratic in a long text.
    covered = bytearray(max((m.end for m in mentions), default=0))
    for mention in sorted(mentions, key=lambda m: (-(m.end - m.start), m.generic, m.start)):
        if covered.find(1, mention.start, mention.end) < 0:
            covered[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)
            kept.append(mention)
    return sorted(kept, key=lambda m: m.start)
