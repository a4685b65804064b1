"""The event coder: sentences -> event candidates (trigger, place, actors, date, counts) -> merged ACLED events.

Every event keeps the sentences it was coded from in `notes`, so each field can be traced to text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span, Token

from tasks.extract.actors import Actor, ActorDictionary, Mention
from tasks.extract.dates import EventDate, resolve_event_date
from tasks.extract.gazetteer import AREA, REGION, Gazetteer, Place, fold
from tasks.extract.nlp import load_nlp, model_version
from tasks.extract.numbers import count_casualties, is_running_total, normalise_numbers
from tasks.extract.taxonomy import HYPOTHETICAL, find_trigger
from conflict_events.models import QuarantineRow
from conflict_events.schemas import ACLED_SUB_EVENT_TYPES, CIVILIAN_TARGETING, EVENT_TYPE_OF, disorder_type_of

CODER_VERSION = "rules-1.0"
# An event dated this long before publication is background ("the 2013 Ghouta attack"), not news.
BACKGROUND_DAYS = 7
LOCATION_PREPOSITIONS = {"in", "near", "outside", "at", "of", "around", "into", "over", "within", "throughout", "along", "toward", "towards", "across", "on", "inside", "from", "to", "between", "and", "hit", "struck", "targeted"}
PLACE_TYPE_WORDS = {"town", "city", "village", "district", "province", "governorate", "area", "region", "neighbourhood", "neighborhood", "suburb", "camp", "outskirts", "countryside", "countryside of", "state", "oblast"}
NEAR_WORDS = re.compile(r"\b(?:near|outside|outskirts of|countryside of|close to|around|south of|north of|east of|west of|km from|kilometres from|kilometers from)\s+$", re.I)
ADMIN1_AFTER = re.compile(r"^\s*(?:province|governorate|region|state|oblast|countryside|prefecture)\b", re.I)
NOT_A_PLACE_AFTER = re.compile(r"^\s*(?:-based|based|governor|government|ministry|officials?|media|television|tv|radio|news|agency|observatory|authorities|council|university|airport\s+said)\b", re.I)
# Verbs whose subject did the violence ("gunmen killed", "jets struck", "rebels seized").
VIOLENCE_VERBS = re.compile(
    r"^(?:strik|struck|hit|bomb|shell|kill|attack|pound|raid|shoot|shot|storm|ambush|execut|kidnap|abduct|overr|seiz|captur|recaptur|"
    r"retak|retook|clash|fought|fight|destroy|detonat|blew|blow|arrest|detain|loot|burn|torch|massacr|behead|murder|assassinat|invad|"
    r"besieg|bombard|target|fired|fire|opened|rap|disperse|dropped|drop|took|take|overran|battl|mortar|rocket)"
)
# Verbs whose subject did the violence only when the violence is their object ("Israel launched airstrikes").
LIGHT_VERBS = re.compile(r"^(?:launch|conduct|carr|mount|stag|us|unleash|step|intensif|resum|continu|begin|began|start)")
ARTICLE_WORDS = {"ash", "at", "an", "az", "ad", "as", "ar", "al", "el", "tal", "tell", "deir", "bab", "ain", "ras", "jabal", "jebel", "wadi", "kafr", "beit", "abu", "umm", "bir", "khan", "san", "santa", "port", "fort", "new"}
NAME_PARTICLES = {"al", "el", "ez", "ash", "ad", "as", "ar", "es", "bin", "-", "al-", "el-"}
# Regions larger than a country are never an event location.
MACRO_REGIONS = {fold(n) for n in ("Middle East", "the Middle East", "Gulf", "Persian Gulf", "Levant", "Europe", "Africa", "Asia", "West", "Sahel", "Horn of Africa", "North Africa", "West Africa", "East Africa", "Mediterranean", "Red Sea", "Arab world")}
VICTIM_PARTICIPLES = re.compile(r"^(?:killed|wounded|injured|executed|abducted|kidnapped|detained|arrested|hurt|slain|targeted|trapped)$")
VICTIM_PREPOSITIONS = {"on", "against", "targeting", "at", "toward", "towards"}
SPEECH_VERBS = re.compile(r"^(?:say|said|says|report|accus|den|claim|condemn|told|tell|announc|warn|blam|insist|add|stat|confirm|urg|call)")


def extractor_version(reference_dir: Path, model: str) -> str:
    """The coder's rules, the spaCy model and the reference tables: change any and every article is coded again."""
    digest = hashlib.sha256()
    for path in sorted(Path(reference_dir).glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{CODER_VERSION}+{model}+ref-{digest.hexdigest()[:10]}"


@dataclass
class Resources:
    """What the coder loads once per process: the spaCy model, the gazetteer, the actor dictionary."""

    nlp: Any
    gazetteer: Gazetteer
    actors: ActorDictionary
    version: str

    @classmethod
    def load(cls, reference_dir: Path, spacy_model: str = "en_core_web_sm") -> "Resources":
        nlp = load_nlp(spacy_model)
        gazetteer = Gazetteer(reference_dir)
        actors = ActorDictionary(reference_dir, gazetteer.countries)
        return cls(nlp, gazetteer, actors, extractor_version(reference_dir, model_version(nlp)))


@dataclass
class Candidate:
    """What one sentence says about an event."""

    sub_event_type: str | None
    weak: bool
    sentence: str
    index: int
    place: Place | None
    country: str | None
    perpetrators: list[Actor]
    targets: list[Actor]
    fatalities: int | None
    injuries: int | None
    when: EventDate
    fatalities_vague: bool = False  # "dozens": a stated figure elsewhere replaces it
    injuries_vague: bool = False


@dataclass
class Event:
    """Candidates merged into one ACLED event."""

    sub_event_type: str
    parts: list[Candidate] = field(default_factory=list)
    fallback_place: Place | None = None  # the article's main place, when no sentence of the event names one
    attributed: Actor | None = None  # who the article elsewhere says did it, when its own sentences do not

    @property
    def place(self) -> Place | None:
        """Where the first sentence that names a place puts it, refined by a more specific place in the
        same province ("in Idlib province ... the town of Hass"), never moved elsewhere by a later one."""
        places = [p.place for p in self.parts if p.place is not None]
        if not places:
            return self.fallback_place
        first = places[0]
        refined = [p for p in places if p.iso2 == first.iso2 and (first.admin1 is None or p.admin1 == first.admin1)]
        return min(refined, key=lambda p: p.precision)

    @property
    def country(self) -> str | None:
        place = self.place
        if place is not None:
            return place.iso2
        return next((p.country for p in self.parts if p.country), None)

    @property
    def actor1(self) -> Actor | None:
        return next((a for p in self.parts for a in p.perpetrators), None)

    def when(self) -> EventDate:
        explicit = [p.when for p in self.parts if p.when.explicit and p.when.day is not None]
        if explicit:
            return min(explicit, key=lambda w: w.precision)
        return self.parts[0].when


# --- place resolution -----------------------------------------------------------------------


def _dateline_words(text: str) -> set[str]:
    """All-caps place words of a wire dateline ("BEIRUT (Reuters) -"): where the reporter is, not the event."""
    head = text[:160]
    return {fold(w) for w in re.findall(r"\b([A-Z]{3,}(?:\s+[A-Z]{3,})?)\b(?=\s*(?:\(|-|—|–|,|:|\s+[A-Z][a-z]))", head)}


def country_context(text: str, resources: Resources) -> list[str]:
    """Countries the article mentions, most mentioned first; a name counts more than an adjective.

    "Russian forces shelled Kharkiv, Ukraine's second city": the events are in the country named as a
    place, while demonyms mostly describe who acted.
    """
    counts: Counter = Counter()
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))  # "Bénin"
    for word, iso2 in resources.actors.country_words(plain):
        counts[iso2] += 2 if resources.gazetteer.country_of_name(word) else 1
    return [iso2 for iso2, _ in counts.most_common()]


def by_places_named(doc: Doc, context: list[str], resources: Resources, excluded: set[str]) -> list[str]:
    """The article's countries, the one whose towns and provinces it names most first.

    "Intense bombardment by the Assad regime and its ally Russia killed 80 in Aleppo": Russia is named
    more often than Syria, but the places are Syrian; hamlets that share a common word's name count little.
    """
    finder = PlaceFinder(resources, context, excluded, strict=False)
    weight: Counter = Counter({iso2: -0.01 * rank for rank, iso2 in enumerate(context)})  # ties: mentions
    for sent in doc.sents:
        for place in finder.find(sent)[0]:
            weight[place.iso2] += 1 if place.kind != "city" or place.population >= 5000 else 0.3  # "Industry", Calif.
    return sorted(weight, key=lambda iso2: -weight[iso2])


class PlaceFinder:
    """Resolves the places one sentence names, given the article's country context."""

    def __init__(self, resources: Resources, context: list[str], excluded: set[str], strict: bool = True):
        self.strict = strict  # places only in the main country or one the sentence names
        self.gazetteer = resources.gazetteer
        self.actors = resources.actors
        self.context = context
        self.excluded = excluded | MACRO_REGIONS
        self._found: dict[int, tuple[list[tuple[int, Place]], str | None]] = {}  # sentence start -> (place start, place)
        self._doc: Doc | None = None
        self._doc_text: str | None = None

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
        # "Tal Rifaat in Aleppo province": a named province tells the country even when the article does not.
        for start, end in spans:
            if ADMIN1_AFTER.match(self._doc_text[end : end + 40]):
                region = self.gazetteer.admin1(self._doc_text[start:end], local) or self.gazetteer.admin1(
                    self._doc_text[start:end], [c for c in self.gazetteer.countries]
                )
                if region is not None and region.iso2 not in local:
                    local.append(region.iso2)
        seen_spans: set[tuple[int, int]] = set()
        for start, end in spans:
            if (start, end) in seen_spans:
                continue
            seen_spans.add((start, end))
            name = self._doc_text[start:end]
            if self._doc_text[end : end + 1] in ("-", "‐"):
                continue  # "Iran-backed", "US-led": an adjective, not a place
            key = fold(name)
            if key in self.excluded or len(key) < 3:
                continue
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
                place = self.gazetteer.city(name, context, largest=not self.strict)
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


# --- actor roles ----------------------------------------------------------------------------


def _in_trigger(token: Token, trigger_span: tuple[int, int] | None) -> bool:
    return trigger_span is not None and trigger_span[0] <= token.idx < trigger_span[1]


def _names_trigger(noun: Token, trigger_span: tuple[int, int] | None) -> bool:
    """'regime barrel bomb attacks': an attack noun right after the trigger is the trigger's head noun
    (but the "rebel offensive" elsewhere in the sentence is another action)."""
    return trigger_span is not None and noun.lower_ in ATTACK_NOUNS and 0 <= noun.idx - trigger_span[1] <= 1


def _governs(verb: Token, trigger_span: tuple[int, int] | None) -> bool:
    """True when the trigger is the verb itself or its object ("launched airstrikes", "carried out strikes on")."""
    if trigger_span is None:
        return False
    for token in verb.subtree:
        if _in_trigger(token, trigger_span):
            hops, node = 0, token
            while node.i != verb.i and hops < 3 and node.dep_ in ("dobj", "pobj", "prep", "compound", "amod", "prt", "attr", "conj", "nsubjpass"):
                node, hops = node.head, hops + 1
            return node.i == verb.i  # spaCy makes a new Token object per access: compare positions
    return False


def actor_role(mention: Mention, doc: Doc, trigger_span: tuple[int, int] | None, any_verb: bool = False) -> str | None:
    """'actor1' (who did it), 'actor2' (to whom) or None, from the dependency parse around a mention.

    `any_verb`: for non-violent events (agreements, arrests, protests) the subject of any verb acts.
    """
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None:
        return None
    if trigger_span is not None and mention.start < trigger_span[1] and trigger_span[0] < mention.end:
        return "actor1"  # the mention names the means: "regime shelling", "Russian air strikes"
    token = span.root
    for _ in range(6):  # climb out of modifiers and coordinations to the noun phrase's role
        if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.lower_ in GROUP_NOUNS:
            token = token.head.head  # "members of the Gran Grif gang" act as the gang
            continue
        if token.dep_ in ("compound", "amod", "poss", "nmod", "npadvmod") and (_in_trigger(token.head, trigger_span) or _names_trigger(token.head, trigger_span)):
            return "actor1"  # "Russian air strikes", "Israel's airstrikes", "regime barrel bomb attacks", "rebel rocket fire"
        if token.dep_ in ("compound", "amod", "poss", "nmod", "conj", "appos") and token.head.i != token.i:
            token = token.head
            continue
        break
    head = token.head
    if any(child.dep_ == "acl" and VICTIM_PARTICIPLES.match(child.lower_) for child in token.children):
        return "actor2"  # "18 fighters killed in eastern Syria"
    if token.dep_ in ("nsubj", "csubj"):
        if SPEECH_VERBS.match(head.lower_):
            return None
        if any_verb or _in_trigger(head, trigger_span) or VIOLENCE_VERBS.match(head.lower_) or (LIGHT_VERBS.match(head.lower_) and _governs(head, trigger_span)):
            return "actor1"
        return None
    if token.dep_ == "pobj" and head.lower_ in ("by", "between"):
        return "actor1"  # "dropped by regime forces"; "fighting between the ELN and FARC dissidents" (both sides)
    if token.dep_ == "pobj" and head.lower_ in ("with", "against") and CLASH_WORDS.match(head.head.lower_):
        return "actor2"  # "clashed with the SDF", "fighting against IS": the other side of the battle
    if token.dep_ == "pobj" and head.lower_ == "on" and head.head.lower_ in ("blamed", "blames", "blaming", "pinned"):
        return "actor1"  # "a car bombing blamed on Daesh"
    if token.dep_ in ("nsubjpass", "dobj"):
        if token.dep_ == "dobj" and (SPEECH_VERBS.match(head.lower_) or not VIOLENCE_VERBS.match(head.lower_)):
            return None
        return "actor2"
    if token.dep_ == "pobj" and head.lower_ in VICTIM_PREPOSITIONS:
        return "actor2"
    return None


# --- the coder ------------------------------------------------------------------------------


def _event_country_name(resources: Resources, iso2: str | None) -> tuple[str, str]:
    country = resources.gazetteer.countries.get(iso2) if iso2 else None
    return (country.name, country.iso3) if country else ("", "")


def code_article(article: dict[str, Any], doc: Doc, resources: Resources) -> list[dict[str, Any]]:
    """All events one article reports, as rows of the `events` dataset."""
    published: date | None = article.get("published_date")
    dateline = _dateline_words(doc.text)
    context = by_places_named(doc, country_context(doc.text, resources), resources, dateline)
    places = PlaceFinder(resources, context, dateline)
    candidates: list[Candidate] = []
    for index, sent in enumerate(doc.sents):
        text = sent.text.strip()
        if len(text) < 12:
            continue
        if is_running_total(normalise_numbers(text)):
            continue
        sentence = text  # notes keep the whole sentence, even when only its first part is news
        news = _news_part(sent, lead=index < 2)
        if news is None:
            continue
        text, part = news
        found = find_trigger(text)
        counts = count_casualties(text)
        if found is None and counts.fatalities is None and counts.injuries is None:
            continue
        trigger, match = found if found else (None, None)
        generic_killing = trigger is not None and trigger.sub_event_type == "Attack" and match.group(0).lower().startswith("killed")
        if (trigger is None or trigger.weak or generic_killing) and NOT_POLITICAL_VIOLENCE.search(text):
            continue  # deaths from a quake, a flood, a crash or a disease are no political violence
        if match is not None and HYPOTHETICAL.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        # Only where the news part of the sentence puts it, not the place of the earlier attack it recalls.
        sentence_places, named_country = places.find(sent, part=part)
        place = sentence_places[0] if sentence_places else None
        country = place.iso2 if place else (named_country or (context[0] if context else None))
        trigger_span = (sent.start_char + match.start(), sent.start_char + match.end()) if match else None
        perpetrators, targets = [], []
        for mention in resources.actors.find(text, country):
            if _describes_territory(text, mention):
                continue
            shifted = Mention(mention.actor, sent.start_char + mention.start, sent.start_char + mention.end, mention.generic)
            role = actor_role(shifted, doc, trigger_span, any_verb=trigger is not None and trigger.sub_event_type in NON_VIOLENT)
            if role == "actor1" and mention.actor.inter not in ("Civilians",):
                perpetrators.append(mention.actor)
            elif role == "actor2" or (mention.actor.inter == "Civilians" and role is None and counts.fatalities):
                targets.append(mention.actor)
        candidates.append(
            Candidate(
                sub_event_type=trigger.sub_event_type if trigger and not trigger.weak else None,
                weak=trigger is None or trigger.weak,
                sentence=sentence, index=index, place=place, country=country,
                perpetrators=_unique(perpetrators), targets=_unique(targets),
                fatalities=counts.fatalities, injuries=counts.injuries,
                fatalities_vague=counts.fatalities_vague, injuries_vague=counts.injuries_vague,
                when=_same_day(text, candidates) or resolve_event_date(text, published),
            )
        )
    events = drop_restatements(merge_candidates(candidates))
    lead_places = [p for sent in list(doc.sents)[:LEAD_SENTENCES] for p in _news_places(sent, places)]
    for event in events:
        if event.place is None:
            country = event.country
            event.fallback_place = next((p for p in lead_places if country is None or p.iso2 == country), None)
    unattributed = [e for e in events if e.actor1 is None]
    if unattributed:
        said = ArticleAttribution.read(doc, resources, context[0] if context else None)
        for event in unattributed:
            event.attributed = said.perpetrator_of(event, candidates)
    rows = []
    kept = (e for e in events if not _is_background(e, published) and _is_concrete(e) and _is_news(e, events, published))
    for ordinal, event in enumerate(kept):
        rows.append(event_row(article, event, ordinal, resources))
    return rows


# Words that turn the rest of a sentence to an earlier event ("... in Khan Sheikhun, site of a chemical
# attack earlier this week that killed 87"; "The blast came days after ..."): context, not news.
BACKGROUND_MARKERS = re.compile(
    r"\b(?:(?:a|one|two|three|four|five|several|few|\d+)\s+(?:days?|weeks?|months?)\s+(?:after|before|since)|(?:days|weeks|months|a\s+day|a\s+week)\s+after|"
    r"in\s+the\s+wake\s+of|(?:came|comes|come|coming)\s+(?:as|after|amid|just|days|a\s+day|a\s+week|weeks|hours|shortly|less\s+than)|this\s+follows|follows\s+(?:the|a|an)|"
    r"site\s+of\s+(?:a|an|the)|earlier\s+this\s+(?:week|month|year)|last\s+(?:year|month)|the\s+(?:deadliest|worst|bloodiest|largest)\s+(?:since|in)|"
    r"similar\s+(?:attacks?|strikes?|raids?)|previously|(?:the\s+)?(?:second|third|fourth|fifth)\s+time|"
    r"in\s+(?:19|20)\d\d\b|(?:was|were)\s+(?:also\s+)?(?:blamed|accused)\s+(?:for|of))",
    re.I,
)


# Past perfect outside reported speech: "seven days of airstrikes had left 75 dead" recalls, while
# "police said 10 people had been killed" reports (sequence of tenses).
PAST_PERFECT = re.compile(r"\bhad\s+(?:been\s+)?(?:killed|died|left)\b", re.I)
REPORTED = re.compile(r"\b(?:said|says|reported|told|announced|confirmed|stated|added)\b", re.I)
# Openers after which the news follows the comma: "Days after the massacre, jets struck again".
LEADING_AFTER = re.compile(r"^(?:\w+\s+){0,3}?(?:after|since)\b", re.I)


def foreground(sentence: str, lead: bool) -> str | None:
    """The part of a sentence about the news it reports: up to the first background marker.

    A sentence that opens with one is context ("The attack came two days after bandits abducted 20"),
    except an opening "Days after X, <news>" in the lead, whose news follows the comma.
    """
    match = BACKGROUND_MARKERS.search(sentence)
    perfect = PAST_PERFECT.search(sentence)
    if perfect and not REPORTED.search(sentence[: perfect.start()]) and (match is None or perfect.start() < match.start()):
        match = perfect
    if match is None:
        return sentence
    if match.start() < 20:
        if lead and LEADING_AFTER.match(sentence) and "," in sentence[match.end() :]:
            return sentence[sentence.index(",", match.end()) + 1 :].strip()
        return None
    return sentence[: match.start()].rstrip(" ,;:-")


ATTACK_NOUNS = {
    "attack", "attacks", "strike", "strikes", "airstrike", "airstrikes", "raid", "raids", "shelling", "fire", "bombardment", "bombing",
    "bombings", "barrage", "offensive", "assault", "bombs", "rockets", "missiles", "shells", "mortars", "gunfire", "sniper", "snipers",
}
TERRITORY_AFTER = re.compile(r"^-?\s*(?:held|controlled|run|occupied|dominated)\b", re.I)
# "held by the extremist Islamic State group", "held by the Islamic State (IS) group"
TERRITORY_BEFORE = re.compile(r"\b(?:held|controlled|run|occupied|dominated|stronghold|bastion|territory|areas?)\s+(?:by|of)\s+(?:the\s+)?(?:[\w\-]+\s+){0,3}\(?$", re.I)


def _describes_territory(text: str, mention: Mention) -> bool:
    """'an IS-held town', 'a village held by the Islamic State group': whose ground it is, not who acted."""
    return bool(TERRITORY_AFTER.match(text[mention.end : mention.end + 16]) or TERRITORY_BEFORE.search(text[max(0, mention.start - 50) : mention.start]))


CALENDAR_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november", "december",
}
NOT_POLITICAL_VIOLENCE = re.compile(
    r"\b(?:earthquakes?|quakes?|tremors?|floods?|flooding|landslides?|mudslides?|storms?|cyclones?|hurricanes?|typhoons?|tornado(?:es)?|"
    r"wildfires?|heatwaves?|droughts?|avalanches?|collided|collisions?|crash(?:ed|es)?|accidents?|derailed|capsized|drowned|sank|"
    r"(?:cholera|disease|measles|ebola|virus)\s+outbreaks?|outbreaks?\s+of\s+(?:cholera|disease|measles|ebola)|cholera|epidemics?|pandemics?|"
    r"covid|malaria|overdoses?|stampedes?|lightning|electrocuted)\b",
    re.I,
)
CLASH_WORDS = re.compile(r"^(?:clash|fought|fight|battl|skirmish|exchang|engag|war|combat|confront)")
OTHER_INCIDENT = re.compile(r"\b(?:an?|another|earlier|previous|last)\s+(?:\w+\s+)?(?:attacks?|ambush|bombings?|blasts?|strikes?|assaults?)\b|\bin\s+(?:january|february|march|april|may|june|july|august|september|october|november|december|(?:19|20)\d\d)\b", re.I)
CLAIMS = re.compile(r"\bclaim(?:ed|s|ing)?\s+(?:responsibility|the\s+(?:attack|bombing|blast|strike))|\bresponsibility\s+for\b|\bblamed\s+on\b|\bcarried\s+out\s+by\b", re.I)
AIR_NOUNS = re.compile(r"\b(?:jets?|warplanes?|war\s+planes?|aircraft|air\s*force|air\s*strikes?|air\s+raids?|helicopters?|aerospace\s+forces|planes?|aviation|barrel\s+bombs?)\b", re.I)


@dataclass(frozen=True)
class ArticleAttribution:
    """What the whole article says about who acted, read once: a claim of responsibility for the attack,
    and the air force it says struck."""

    claimed: Actor | None
    air_force: Actor | None

    @classmethod
    def read(cls, doc: Doc, resources: Resources, iso2: str | None) -> "ArticleAttribution":
        claimed, air_forces, first_named = None, Counter(), {}
        for sent in doc.sents:
            text = sent.text
            # Only a claim of this attack: "claimed the bombing", "claimed responsibility" with no other
            # incident named ("... for an ambush near Gao in January" is another event).
            if claimed is None and CLAIMS.search(text) and not OTHER_INCIDENT.search(text):
                named = [m.actor for m in resources.actors.find(text, iso2) if not m.generic and m.actor.inter not in ("Civilians", "Protesters")]
                claimed = named[0] if named else None
            found = find_trigger(text)
            if found is None or found[0].weak:
                continue  # air forces count only where they strike, not "Thailand's air force scrambled jets"
            for mention in resources.actors.find(text, iso2):
                after = text[mention.end : mention.end + 30].strip()
                if mention.actor.inter == "State forces" and (AIR_NOUNS.match(text[mention.start : mention.end].split()[-1]) or AIR_NOUNS.match(after)):
                    air_forces[mention.actor.name] += 1
                    first_named.setdefault(mention.actor.name, mention.actor)
        return cls(claimed, first_named[air_forces.most_common(1)[0][0]] if air_forces else None)

    def perpetrator_of(self, event: Event, candidates: list[Candidate]) -> Actor | None:
        """Who did an event its own sentences leave unattributed: the claimed perpetrator, the named
        perpetrator of the same kind of attack elsewhere in the article, or, for an air strike, the air
        force the article says struck. Otherwise the perpetrator stays unknown."""
        if self.claimed is not None:
            return self.claimed
        for candidate in candidates:
            if candidate.sub_event_type and _same_family(candidate.sub_event_type, event.sub_event_type):
                named = [a for a in candidate.perpetrators if not a.generic or a.inter == "State forces"]
                if named:
                    return named[0]
        return self.air_force if event.sub_event_type == "Air/drone strike" else None


GROUP_NOUNS = {"members", "fighters", "militants", "elements", "units", "troops", "soldiers", "forces", "supporters", "gunmen", "jets", "warplanes", "aircraft", "loyalists"}
NON_VIOLENT = {sub for t, subs in ACLED_SUB_EVENT_TYPES.items() if t in ("Strategic developments", "Protests") for sub in subs}
SAME_DAY = re.compile(r"\b(?:on\s+)?the\s+same\s+(?:day|night|morning|evening)\b", re.I)


def _news_part(sent: Span, lead: bool) -> tuple[str, tuple[int, int]] | None:
    """The news part of a sentence (see `foreground`) and where it stands in the sentence."""
    text = foreground(sent.text.strip(), lead)
    if not text:
        return None
    offset = max(sent.text.find(text), 0)
    return text, (offset, offset + len(text))


def _news_places(sent: Span, places: PlaceFinder) -> list[Place]:
    """The places the news part of a sentence names (not those of the earlier event it recalls)."""
    news = _news_part(sent, lead=True)
    return places.find(sent, part=news[1])[0] if news else []


def _same_day(text: str, earlier: list[Candidate]) -> EventDate | None:
    """'On the same day': the date of the last event the article dated."""
    if not SAME_DAY.search(text):
        return None
    return next((c.when for c in reversed(earlier) if c.when.explicit), None)


def _unique(actors: list[Actor]) -> list[Actor]:
    seen, kept = set(), []
    for actor in actors:
        if actor.name not in seen:
            seen.add(actor.name)
            kept.append(actor)
    return kept


def _compatible(event: Event, candidate: Candidate) -> bool:
    """Could this sentence be about the same event (same place, perpetrator and day, where both say)?"""
    place, other = event.place, candidate.place
    if place is not None and other is not None:
        if place.iso2 != other.iso2 or (place.admin1 and other.admin1 and place.admin1 != other.admin1):
            return False
    actor, other_actor = event.actor1, (candidate.perpetrators[0] if candidate.perpetrators else None)
    if actor is not None and other_actor is not None and actor.name != other_actor.name and not _allied(event, other_actor):
        return False
    when = event.when()
    if when.explicit and candidate.when.explicit and when.day and candidate.when.day and abs((when.day - candidate.when.day).days) > 1:
        return False
    return True


def _allied(event: Event, actor: Actor) -> bool:
    return any(actor.name == a.name for p in event.parts for a in p.perpetrators)


def merge_candidates(candidates: list[Candidate]) -> list[Event]:
    """Group sentences into events: same type and compatible details merge; weak sentences join the last event."""
    events: list[Event] = []
    pending: list[Candidate] = []
    for candidate in candidates:
        if not candidate.weak:
            target = next(
                (e for e in reversed(events) if _same_family(e.sub_event_type, candidate.sub_event_type) and _compatible(e, candidate)), None
            )
            if target is None:
                target = Event(candidate.sub_event_type)
                events.append(target)
                target.parts.extend(pending)
                pending = []
            elif _precedes(candidate.sub_event_type, target.sub_event_type):
                target.sub_event_type = candidate.sub_event_type
            target.parts.append(candidate)
            continue
        last = events[-1] if events else None
        if last is not None and _compatible(last, candidate):
            last.parts.append(candidate)
        else:
            pending.append(candidate)
    if pending and any(c.fatalities for c in pending):
        # Deaths reported without a recognisable means: an attack on civilians, or a clash between armed men.
        civilians = any(a.inter == "Civilians" for c in pending for a in c.targets)
        events.append(Event("Attack" if civilians else "Armed clash", pending))
    return events


def drop_restatements(events: list[Event]) -> list[Event]:
    """A later event with the same toll in the same place retells an earlier one ("we counted nine bodies")."""
    kept: list[Event] = []
    for event in events:
        toll = max((p.fatalities or 0 for p in event.parts), default=0)
        twin = next(
            (k for k in kept if toll and max((p.fatalities or 0 for p in k.parts), default=0) == toll
             and (k.place is None or event.place is None or k.place.admin1 == event.place.admin1)),
            None,
        )
        if twin is not None:
            twin.parts.extend(event.parts)
        else:
            kept.append(event)
    return kept


_FAMILY_ORDER = {
    "Chemical weapon": 0, "Suicide bomb": 1, "Air/drone strike": 2, "Shelling/artillery/missile attack": 3,
    "Remote explosive/landmine/IED": 4, "Grenade": 5,
}


def _same_family(a: str, b: str) -> bool:
    """Explosions of different kinds in one place and day are one event coded by the strongest means;
    an attack and the firefight it turns into are one event too (its type follows who was attacked)."""
    return a == b or (a in _FAMILY_ORDER and b in _FAMILY_ORDER) or {a, b} == {"Attack", "Armed clash"}


def _precedes(a: str, b: str) -> bool:
    return a in _FAMILY_ORDER and b in _FAMILY_ORDER and _FAMILY_ORDER[a] < _FAMILY_ORDER[b]


def _is_background(event: Event, published: date | None) -> bool:
    when = event.when()
    return bool(published and when.explicit and when.day and when.day < published - timedelta(days=BACKGROUND_DAYS))


LEAD_SENTENCES = 3
# After the lead, an article's news is what happened today or yesterday; older incidents it mentions
# were reported when they happened (by the same feed) and are recalled as context here.
NEWS_WINDOW_DAYS = 1
SEPARATE_NEWS = re.compile(r"^\W*(?:separately|in\s+(?:a\s+)?(?:separate|another)\s+(?:attack|incident|development|strike|raid))\b", re.I)


def _is_news(event: Event, events: list[Event], published: date | None) -> bool:
    """Events after the lead that the text does not date near the news are context ("Seven days of
    airstrikes had left 75 dead"; "the 2013 attack"): the article reports them, it does not break them."""
    if any(p.index < LEAD_SENTENCES for p in event.parts):
        return True
    anchor = published or next((e.when().day for e in events if e.when().explicit and e.when().day), None)
    when = event.when()
    if when.explicit and when.day and anchor:
        return abs((anchor - when.day).days) <= NEWS_WINDOW_DAYS
    if any(SEPARATE_NEWS.match(p.sentence) for p in event.parts):
        return True  # a roundup's undated "Separately, ..." / "In another attack, ..." is news too
    return not any(p.index < LEAD_SENTENCES for e in events for p in e.parts)  # the first event is news wherever it starts


def _is_concrete(event: Event) -> bool:
    """Commentary ("his battle against insurgents") names no place, toll, day or actor: no event."""
    return any(
        (p.place is not None and p.place.kind != "country") or p.fatalities is not None or p.injuries is not None
        or p.when.explicit or p.perpetrators
        for p in event.parts
    )


def _territory(sub_event_type: str, actor1: Actor | None) -> str:
    """ACLED splits territory changes by who gains: a state regains it, anyone else overtakes it."""
    if sub_event_type in ("Non-state actor overtakes territory", "Government regains territory") and actor1 is not None:
        return "Government regains territory" if actor1.inter in ("State forces", "External/Other forces") else "Non-state actor overtakes territory"
    return sub_event_type


def _inter(actor: Actor | None, iso2: str | None) -> str | None:
    if actor is None:
        return None
    if actor.inter == "State forces" and actor.home_iso2 and iso2 and actor.home_iso2 != iso2:
        return "External/Other forces"  # a state's forces acting abroad
    return actor.inter


def event_row(article: dict[str, Any], event: Event, ordinal: int, resources: Resources) -> dict[str, Any]:
    """One merged event as an `events` row."""
    iso2 = event.country
    country_name, iso3 = _event_country_name(resources, iso2)
    # The first sentence that names who acted decides actor1 (named before generic within it); the
    # perpetrators later sentences add are associated actors, not replacements.
    by_part = [sorted(p.perpetrators, key=_actor_strength) for p in event.parts if p.perpetrators]
    everyone = [a for part in by_part for a in part] or ([event.attributed] if event.attributed else [])
    perpetrators = _unique(everyone)
    if perpetrators and not perpetrators[0].generic:  # "the rebel group HTS": the generic name is HTS again
        lead = perpetrators[0]
        perpetrators = [lead] + [a for a in perpetrators[1:] if not (a.generic and a.inter == lead.inter)]
    targets = _unique([a for p in event.parts for a in p.targets if a.name not in {x.name for x in perpetrators}])
    sub_event_type = _territory(event.sub_event_type, perpetrators[0] if perpetrators else None)
    armed_targets = [a for a in targets if a.inter not in ("Civilians", "Protesters")]
    if sub_event_type == "Attack" and armed_targets:
        sub_event_type = "Armed clash"  # ACLED: attacking armed men is a battle, not violence against civilians
    event_type = EVENT_TYPE_OF[sub_event_type]
    actor1 = perpetrators[0] if perpetrators else _default_actor1(event_type, sub_event_type, country_name, iso2)
    actor2 = targets[0] if targets else None
    if event_type in ("Protests", "Riots"):
        # ACLED: the demonstrators are actor1 of a demonstration; the police who intervene are actor2.
        crowd, inter = ("Protesters", "Protesters") if event_type == "Protests" else ("Rioters", "Rioters")
        state = [a for a in perpetrators + targets if a.inter == "State forces"]
        named = [a for a in perpetrators if a.inter == inter and not a.generic]
        actor1 = named[0] if named else Actor(f"{crowd} ({country_name})" if country_name else crowd, inter, None, True)
        actor2 = state[0] if state else None
        perpetrators, targets = [actor1], ([actor2] if actor2 else [])
    if event_type == "Battles":
        # The two sides of a battle are actor1 and actor2 ("clashes between the SDF and IS").
        allies = ("State forces", "External/Other forces")  # "Syrian and Russian forces" fight on one side
        # "The rebel group Hayat Tahrir al-Sham": a generic name of actor1's own kind is actor1 again.
        opponents = [a for a in armed_targets + perpetrators[1:] if not (a.generic and a.inter == actor1.inter and not actor1.generic)]
        opponents = [t for t in armed_targets if t in opponents] + [
            a for a in perpetrators[1:] if a in opponents and not (_inter(a, iso2) in allies and _inter(actor1, iso2) in allies)
        ]
        if opponents:
            actor2 = opponents[0]
            perpetrators = [p for p in perpetrators if p.name != actor2.name]
            targets = [actor2] + [t for t in targets if t.name != actor2.name]
    if actor2 is None and event_type == "Violence against civilians" and country_name:
        actor2 = Actor(f"Civilians ({country_name})", "Civilians", None)
    place = event.place
    when = event.when()
    fatalities = _first_count([(p.fatalities, p.fatalities_vague) for p in event.parts])
    injuries = _first_count([(p.injuries, p.injuries_vague) for p in event.parts])
    admin2 = resources.gazetteer.admin2_of(place.latitude, place.longitude) if place and place.precision < REGION else None
    notes = " ".join(dict.fromkeys(p.sentence for p in event.parts))
    # How much of the event its own sentences say: a trigger, a place, who acted, a day, a count; an
    # actor inferred from elsewhere in the article or an event outside the lead counts for less.
    own_actor = any(p.perpetrators for p in event.parts)
    confidence = 0.45 + 0.1 * sum(
        (
            any(not p.weak for p in event.parts),
            any(p.place is not None for p in event.parts),
            own_actor,
            when.explicit,
            bool(fatalities or injuries),
        )
    ) + (0.05 if not own_actor and event.attributed else 0) + (0.05 if any(p.index < LEAD_SENTENCES for p in event.parts) else 0)
    return {
        "event_id": f"{article['article_id'][:16]}-{ordinal:03d}",
        "article_id": article["article_id"],
        "event_date": when.day,
        "time_precision": when.precision if when.day else 3,
        "disorder_type": disorder_type_of(sub_event_type),
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "actor1": actor1.name,
        "assoc_actor_1": "; ".join(a.name for a in perpetrators[1:]) or None,
        "inter1": _inter(actor1, iso2),
        "actor2": actor2.name if actor2 else None,
        "assoc_actor_2": "; ".join(a.name for a in targets[1:]) or None,
        "inter2": _inter(actor2, iso2),
        "civilian_targeting": CIVILIAN_TARGETING if actor2 is not None and actor2.inter == "Civilians" else None,
        "country": country_name or None,
        "iso3": iso3 or None,
        "admin1": place.admin1 if place else None,
        "admin2": admin2,
        "location": (place.name if place.kind in ("city", "near") else place.admin1) if place else (country_name or None),
        "latitude": place.latitude if place else None,
        "longitude": place.longitude if place else None,
        "geo_precision": place.precision if place else REGION,
        "fatalities": fatalities or 0,
        "injuries": injuries or 0,
        "notes": notes,
        "confidence": round(min(confidence, 0.95), 2),
        "extractor_version": resources.version,
    }


def _first_count(counts: list[tuple[int | None, bool]]) -> int | None:
    """The first figure reported for the event (the lead's), but a stated number over a word's stand-in
    ("Dozens killed ... at least 60 civilians died" is 60)."""
    stated = [n for n, vague in counts if n is not None and not vague]
    return stated[0] if stated else next((n for n, _ in counts if n is not None), None)


def _actor_strength(actor: Actor) -> int:
    """Named actors first, then generic ones ("rebels"), last a bare country name ("Syria rebel rocket")."""
    bare_country = actor.generic and actor.inter == "State forces" and actor.name.startswith("Military Forces of")
    return 2 if bare_country else int(actor.generic)


def _default_actor1(event_type: str, sub_event_type: str, country_name: str, iso2: str | None) -> Actor:
    """Who acted when the text does not say: demonstrators for demonstrations, otherwise unidentified."""
    suffix = f" ({country_name})" if country_name else ""
    if event_type == "Protests":
        return Actor(f"Protesters{suffix}", "Protesters", None)
    if event_type == "Riots":
        return Actor(f"Rioters{suffix}", "Rioters", None)
    if sub_event_type == "Arrests" and country_name:
        return Actor(f"Police Forces of {country_name}", "State forces", iso2)
    return Actor(f"Unidentified Armed Group{suffix}", "Political militia", None)


def code_articles(
    articles: list[dict[str, Any]], resources: Resources, run_id: str = "", batch_size: int = 32
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Events for a batch of cleaned articles, and quarantine rows for articles the coder failed on."""
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []

    def fail(article: dict[str, Any], exc: Exception) -> None:
        failures.append(
            QuarantineRow.of(
                article["source_ref"], "extract", "extract_error", f"{type(exc).__name__}: {exc}",
                {k: v for k, v in article.items() if k != "ingested_at"}, run_id,
            )
        )

    try:
        docs = list(resources.nlp.pipe((a["text"] for a in articles), batch_size=batch_size))
    except Exception:  # one text spaCy cannot take: parse one by one so only that article fails
        docs = []
        for article in articles:
            try:
                docs.append(resources.nlp(article["text"]))
            except Exception as exc:
                docs.append(None)
                fail(article, exc)
    for article, doc in zip(articles, docs, strict=True):
        if doc is None:
            continue
        try:
            rows.extend(code_article(article, doc, resources))
        except Exception as exc:  # one article's bad luck must not stop the batch; it is kept, with the reason
            fail(article, exc)
    return rows, failures


