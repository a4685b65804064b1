"""Where events happen: the countries an article is about and the places each sentence names, via the gazetteer."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from spacy.tokens import Doc, Span, Token

from tasks.extract.actors import ActorDictionary
from tasks.extract.budget import NO_DEADLINE, Deadline
from tasks.extract.gazetteer import AREA, Gazetteer, Place, fold
from tasks.extract.lexicon import (
    ADMIN1_AFTER, ARTICLE_WORDS, CALENDAR_WORDS, LOCATION_PREPOSITIONS, MACRO_REGIONS, NAME_PARTICLES, NEAR_WORDS,
    NOT_A_PLACE_AFTER, PLACE_TYPE_WORDS,
)


# Nouns a capital's possessive makes a place, not a government ("Kabul's airport", "Baghdad's suburbs").
PLACE_NOUNS = PLACE_TYPE_WORDS | {
    "airport", "streets", "suburbs", "centre", "center", "outskirts", "neighbourhoods", "neighborhoods", "districts",
    "quarter", "market", "port", "old", "east", "west", "north", "south", "northeast", "northwest", "southeast", "southwest",
}
# What stands between a town and the province that qualifies it: ", ", " in ", " district of the ".
QUALIFIER = re.compile(
    r"\s*,?\s*(?:(?:district|province|state|region|county|department|municipality|territory|area)\s+)?(?:(?:in|of)\s+)?(?:the\s+)?", re.I
)


def dateline_words(text: str) -> set[str]:
    """All-caps place words of a wire dateline ("BEIRUT (Reuters) -"): where the reporter is, not the event."""
    head = text[:160]
    return {fold(w) for w in re.findall(r"\b([A-Z]{3,}(?:\s+[A-Z]{3,})?)\b(?=\s*(?:\(|-|—|–|,|:|\s+[A-Z][a-z]))", head)}


def country_context(text: str, gazetteer: Gazetteer, actors: ActorDictionary) -> list[str]:
    """Countries the article mentions, most mentioned first; a name counts more than an adjective.

    "Russian forces shelled Kharkiv, Ukraine's second city": the events are in the country named as a
    place, while demonyms mostly describe who acted.
    """
    counts: Counter = Counter()
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))  # "Bénin"
    for word, iso2 in actors.country_words(plain):
        counts[iso2] += 2 if gazetteer.country_of_name(word) else 1
    if not counts:  # "M23 rebels seized Kirumba": with no country named, a group of one country says where
        for iso2 in actors.home_countries(plain):
            counts[iso2] += 1
    return [iso2 for iso2, _ in counts.most_common()]


class PlaceFinder:
    """Resolves the places one sentence names, given the article's country context."""

    def __init__(self, gazetteer: Gazetteer, actors: ActorDictionary, context: list[str], excluded: set[str], strict: bool = True):
        self.strict = strict  # places only in the main country or one the sentence names
        self.gazetteer = gazetteer
        self.actors = actors
        self.context = context
        self.excluded = excluded | MACRO_REGIONS
        self._found: dict[int, tuple[list[tuple[int, Place]], str | None]] = {}  # sentence start -> (place start, place)
        self._doc: Doc | None = None
        self._doc_text: str | None = None
        self._entity_spans: set[tuple[int, int]] = set()  # the sentence's named places, set by _candidate_spans

    def find(self, sent: Span, part: tuple[int, int] | None = None) -> tuple[list[Place], str | None]:
        """Places in the sentence (most specific first) and the country the sentence names, if any;
        with `part` (character offsets into the sentence), only places named inside it."""
        if sent.start_char not in self._found:
            self._found[sent.start_char] = self._find(sent)
        placed, named_country = self._found[sent.start_char]
        if part is not None:
            low, high = sent.start_char + part[0], sent.start_char + part[1]
            placed = [(start, p) for start, p in placed if low <= start < high]
        return [p for _, p in placed], named_country

    def _find(self, sent: Span) -> tuple[list[tuple[int, Place]], str | None]:
        """The places a sentence names, each with its start offset, and the country it names."""
        text = sent.text
        if self._doc_text is None or self._doc is not sent.doc:
            self._doc, self._doc_text = sent.doc, sent.doc.text  # Doc.text joins every token on each call
        places: list[tuple[int, int, Place]] = []
        named_country = None
        folded = fold(text)
        spans = self._candidate_spans(sent)
        # Events happen in the article's main country unless the sentence names another: "Washington",
        # "Geneva" and "Sochi" in a Syria story are where people speak, not where bombs fall.
        named = (self.gazetteer.country_of_name(self._doc_text[a:b]) for a, b in spans if self._doc_text[b : b + 1] not in ("-", "‐"))
        local = [c for c in named if c]  # not "Iran-linked": an adjective names no place
        local = list(dict.fromkeys(local + (self.context[:1] if self.strict else self.context)))
        for iso2 in local:
            pattern = self.gazetteer.region_pattern(iso2)
            match = pattern.search(folded) if pattern else None
            if match:
                region = self.gazetteer.region(match.group(0), iso2)
                if region:
                    places.append((sent.start_char + match.start(), sent.start_char + match.end(), region))
        if not self.strict and not places:
            # Finding the article's country: a region only one country has ("North Kivu", "Cabo Delgado").
            for match in self.gazetteer.world_region_pattern().finditer(folded):
                region = self.gazetteer.world_region(match.group(0))
                if region is not None:
                    places.append((sent.start_char + match.start(), sent.start_char + match.end(), region))
        # "Tal Rifaat in Aleppo province": a named province tells the country even when the article does not.
        for start, end in spans:
            if ADMIN1_AFTER.match(self._doc_text[end : end + 40]):
                region = self.gazetteer.admin1(self._doc_text[start:end], local) or self.gazetteer.admin1(
                    self._doc_text[start:end], [c for c in self.gazetteer.countries]
                )
                if region is not None and region.iso2 not in local:
                    local.append(region.iso2)
        # Provinces the sentence names: a town of the same name inside one of them is the one meant.
        by_region_phrase = {(p.iso2, p.admin1) for _, _, p in places}
        admin1_of_span: dict[tuple[int, int], set[tuple[str, str | None]]] = {}
        for start, end in spans:
            name = self._doc_text[start:end]
            # Finding the article's country, a province of any country counts ("Cordoba in Veracruz").
            regions = [self.gazetteer.admin1(name, local)] if self.strict else self.gazetteer.admin1_anywhere(name)
            admin1_of_span[(start, end)] = {(r.iso2, r.admin1) for r in regions if r is not None}
        seen_spans: set[tuple[int, int]] = set()
        for start, end in spans:
            if (start, end) in seen_spans:
                continue
            seen_spans.add((start, end))
            name = self._doc_text[start:end]
            if self._doc_text[end : end + 1] in ("-", "‐"):
                continue  # "Iran-backed", "US-led": an adjective, not a place
            key = fold(name)
            if key in self.excluded or len(key) < 3 or key.split()[0] in CALENDAR_WORDS:
                continue  # "on Thursday" is no Thursday Island
            after = self._doc_text[end : end + 40]
            if NOT_A_PLACE_AFTER.match(after) or self._acts_as_government(sent.doc, start, end, key):
                continue
            iso2 = self.gazetteer.country_of_name(name)
            if iso2:
                named_country = named_country or iso2
                continue
            if self.actors.country_of_word(name):
                continue  # a demonym ("Syrian"), not a place
            context = local + ([named_country] if named_country and named_country not in local else [])
            place = None
            if ADMIN1_AFTER.match(after):
                place = self.gazetteer.admin1(name, context)
            if place is None:
                # The province named right after the town ("Cordoba in Veracruz", "Bijapur district of
                # Chhattisgarh"), not one the sentence lists beside it ("in Washington and Geneva").
                within = by_region_phrase.union(
                    *(v for (a, _), v in admin1_of_span.items() if end < a <= end + 40 and QUALIFIER.fullmatch(self._doc_text[end:a]))
                )
                place = self.gazetteer.city(name, context, largest=not self.strict, within=within)
                words = name.split()
                while place is None and len(words) > 1:  # "Tal Abyad Raqqa": the town, then its province
                    words = words[:-1]
                    if len(words) == 1 and (words[0].lower() in NAME_PARTICLES | ARTICLE_WORDS or len(words[0]) < 4):
                        break  # "Ash" of "Ash Shairat" is no town
                    place = self.gazetteer.city(" ".join(words), context, largest=not self.strict)
                    end = start + len(" ".join(words)) if place is not None else end
                if place is not None and NEAR_WORDS.search(self._doc_text[max(0, start - 25) : start]):
                    place = Place(place.name, place.iso2, place.admin1, None, place.latitude, place.longitude, place.population, AREA, "near")
            if place is None:
                place = self.gazetteer.admin1(name, context)
            owner = name.split()[0]
            if place is None and owner.endswith("s") and len(owner) > 4:
                # "Aleppos Salaheddin district": wire copy without apostrophes; the owner is the place we know
                place = self.gazetteer.city(owner[:-1], context, largest=not self.strict) or self.gazetteer.admin1(owner[:-1], context)
            if place is None and (start, end) in self._entity_spans and key.split()[0] not in CALENDAR_WORDS:
                # Named places only ("Sunday" is not Sandy), and only in the story's own country: a near-miss
                # spelling in a country the sentence merely mentions is more likely a different name.
                place = self.gazetteer.spelled_like(name, self.context[:1]) if self.strict else None  # a near miss casts no vote
            if place is None and not self.strict:
                # Finding the article's country: a city big enough to be unambiguous ("rocket attacks on
                # Aleppo" in a story that never names Syria) says where the story is.
                found = self.gazetteer.city(name, context, anywhere=True, primary_only=True)  # not "Gao" = GAO, Guantánamo's code
                place = found if found is not None and found.population >= 100_000 else None
            if place is None and not self.strict:
                # Finding the article's country: a name every town and province of which lies in one
                # country ("Sarmin", "Kirumba", "Borno") says where the story is, however small; not against
                # the countries the article names ("Mogadishu's Lido beach" is no Lido Beach, New York).
                found = self.gazetteer.in_one_country(name)
                place = found if found is not None and (not self.context or found.iso2 in self.context) else None
            if place is None and (start, end) in self._entity_spans:
                # A named place in a country the article never names ("rural Tibu ... the border with
                # Venezuela"): take it from anywhere if it is a real town, not a hamlet of the same name.
                found = self.gazetteer.city(name, context, anywhere=True)
                place = found if found is not None and found.population >= 5000 and found.iso2 not in self.context else None
            if place is not None:
                places.append((start, end, place))
        # "Tal Abyad" over the "Tal" inside it: a name resolved whole beats a part of it.
        places = [(a, p) for a, b, p in places if not any(a2 <= a and b <= b2 and (a2, b2) != (a, b) for a2, b2, _ in places)]
        places.sort(key=lambda sp: (sp[1].precision, sp[0]))  # most specific first, then first named
        return places, named_country

    def _acts_as_government(self, doc: Doc, start: int, end: int, key: str) -> bool:
        """'Damascus denied', 'accused Moscow': a capital standing for its government is not a place."""
        if key not in self.gazetteer.capitals:
            return False
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return False
        root = span.root
        if root.dep_ == "poss" and (root.head.pos_ == "PROPN" or root.head.lower_ in PLACE_NOUNS):
            return False  # "Baghdad's Zayouna district", "Kabul's airport": a place in the capital
        return root.dep_ in ("nsubj", "poss") or (root.dep_ in ("dobj", "pobj") and root.head.lower_ in ("accused", "blamed", "urged", "told", "by", "with"))

    def _after_country(self, tokens: list[Token], i: int) -> bool:
        """'Syria's Aleppo', 'Syrias Aleppo' (wire copy drops apostrophes)."""
        text = tokens[i].text
        if text in ("'s", "’s") and i > 0:
            text = tokens[i - 1].text
        country_of = self.gazetteer.country_of_name  # names only: the "Arab" of "Syrian Arab army" is no place
        return bool(country_of(text) or (text.endswith("s") and country_of(text[:-1])))

    def _candidate_spans(self, sent: Span) -> list[tuple[int, int]]:
        """Character spans that may name a place: GPE/LOC/FAC entities and capitalised words after a preposition."""
        spans = []
        for ent in sent.ents:
            if ent.label_ in ("GPE", "LOC", "FAC") and fold(ent.text) not in MACRO_REGIONS:
                tokens = [t for t in ent if t.lower_ not in ("the",)]
                if tokens:
                    spans.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1])))
        self._entity_spans = set(spans)
        tokens = list(sent)
        for i, token in enumerate(tokens):
            if not (token.is_title or token.is_upper) or i == 0 or token.is_stop:
                continue
            previous = tokens[i - 1]
            if previous.lower_ not in LOCATION_PREPOSITIONS and previous.lower_ not in PLACE_TYPE_WORDS and not self._after_country(tokens, i - 1):
                continue
            # The whole capitalised run is the name: "Central Command" is not the town of Central.
            run = i
            while run + 1 < len(tokens) and (tokens[run + 1].is_title or tokens[run + 1].text in NAME_PARTICLES) and tokens[run + 1].lower_ not in PLACE_TYPE_WORDS:
                run += 1
            if run - i < 3:
                spans.append((token.idx, tokens[run].idx + len(tokens[run])))
        return spans


def by_places_named(
    doc: Doc, context: list[str], gazetteer: Gazetteer, actors: ActorDictionary, excluded: set[str], deadline: Deadline = NO_DEADLINE
) -> list[str]:
    """The article's countries, the one whose towns and provinces it names most first.

    "Intense bombardment by the Assad regime and its ally Russia killed 80 in Aleppo": Russia is named
    more often than Syria, but the places are Syrian; hamlets that share a common word's name count little.
    """
    finder = PlaceFinder(gazetteer, actors, context, excluded, strict=False)
    weight: Counter = Counter({iso2: -0.01 * rank for rank, iso2 in enumerate(context)})  # ties: mentions
    for index, sent in enumerate(doc.sents):
        deadline.check(f"sentence {index + 1}, finding the places it names")
        for place in finder.find(sent)[0]:
            weight[place.iso2] += 1 if place.kind != "city" or place.population >= 5000 else 0.3  # "Industry", Calif.
    return sorted(weight, key=lambda iso2: -weight[iso2])
