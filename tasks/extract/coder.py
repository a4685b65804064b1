"""The event coder: sentences -> event candidates (trigger, place, actors, date, counts) -> merged ACLED events.

Every event keeps the sentences it was coded from in `notes`, so each field can be traced to text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span, Token

from tasks.extract.actors import Actor, ActorDictionary, Mention
from tasks.extract.dates import DAY, WEEK, EventDate, resolve_event_date
from tasks.extract.gazetteer import AREA, REGION, TOWN, Gazetteer, Place, fold
from tasks.extract.nlp import load_nlp, model_version
from tasks.extract.numbers import CUMULATIVE, count_casualties, normalise_numbers
from tasks.extract.taxonomy import HYPOTHETICAL, find_trigger
from tasks.records import quarantine_row
from tasks.schemas import CIVILIAN_TARGETING, EVENT_TYPE_OF, disorder_type_of

CODER_VERSION = "rules-1.0"
# An event dated this long before publication is background ("the 2013 Ghouta attack"), not news.
BACKGROUND_DAYS = 30
LOCATION_PREPOSITIONS = {"in", "near", "outside", "at", "of", "around", "into", "toward", "towards", "across", "on", "inside", "from", "to", "between", "and", "hit", "struck", "targeted"}
PLACE_TYPE_WORDS = {"town", "city", "village", "district", "province", "governorate", "area", "region", "neighbourhood", "neighborhood", "suburb", "camp", "outskirts", "countryside", "countryside of", "state", "oblast"}
NEAR_WORDS = re.compile(r"\b(?:near|outside|outskirts of|countryside of|close to|around|south of|north of|east of|west of|km from|kilometres from|kilometers from)\s+$", re.I)
ADMIN1_AFTER = re.compile(r"^\s*(?:province|governorate|region|state|oblast|countryside|prefecture)\b", re.I)
NOT_A_PLACE_AFTER = re.compile(r"^\s*(?:-based|based|governor|government|ministry|officials?|media|television|tv|radio|news|agency|observatory|authorities|council|university|airport\s+said)\b", re.I)
PERPETRATOR_VERBS = re.compile(
    r"^(?:strik|struck|hit|bomb|shell|kill|attack|launch|carr|conduct|target|seiz|captur|pound|raid|fir|shoot|shot|storm|ambush|execut|kidnap|"
    r"abduct|drop|overr|took|take|tak|recaptur|retak|retook|clash|fought|fight|destroy|detonat|blew|blow|arrest|detain|loot|burn|torch|massacr|"
    r"behead|open|gun|mortar|rocket|murder|assassinat|invad|advanc|overran|control|enter|deploy|reinforc|hold|held|push|besieg|surround|"
    r"bombard|targett|mount|stage|kill|wound|injur|rap|abus|disperse|break|broke|use|used|fire)"
)
VICTIM_PREPOSITIONS = {"on", "against", "targeting", "at", "toward", "towards"}
SPEECH_VERBS = re.compile(r"^(?:say|said|says|report|accus|den|claim|condemn|told|tell|announc|warn|blam|insist|add|stat|confirm|urg|call)")


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
        return cls(nlp, gazetteer, actors, f"{CODER_VERSION}+{model_version(nlp)}")


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


@dataclass
class Event:
    """Candidates merged into one ACLED event."""

    sub_event_type: str
    parts: list[Candidate] = field(default_factory=list)

    @property
    def place(self) -> Place | None:
        places = [p.place for p in self.parts if p.place is not None]
        return min(places, key=lambda p: p.precision) if places else None

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
    """Countries the article is about, most mentioned first."""
    counts: Counter = Counter()
    for match in resources.actors._owner.finditer(text):
        iso2 = resources.actors.country_of_word(match.group(0))
        if iso2:
            counts[iso2] += 1
    return [iso2 for iso2, _ in counts.most_common()]


class PlaceFinder:
    """Resolves the places one sentence names, given the article's country context."""

    def __init__(self, resources: Resources, context: list[str], excluded: set[str]):
        self.gazetteer = resources.gazetteer
        self.actors = resources.actors
        self.context = context
        self.excluded = excluded
        self._regions = {
            iso2: re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b")
            for iso2, phrases in _group_regions(self.gazetteer).items()
        }

    def find(self, sent: Span) -> tuple[list[Place], str | None]:
        """Places in the sentence (most specific first) and the country the sentence names, if any."""
        text = sent.text
        places: list[Place] = []
        named_country = None
        folded = fold(text)
        for iso2 in self.context:
            pattern = self._regions.get(iso2)
            match = pattern.search(folded) if pattern else None
            if match:
                region = self.gazetteer.region(match.group(0), iso2)
                if region:
                    places.append(region)
        seen_spans: set[tuple[int, int]] = set()
        for start, end in self._candidate_spans(sent):
            if (start, end) in seen_spans:
                continue
            seen_spans.add((start, end))
            name = sent.doc.text[start:end]
            key = fold(name)
            if key in self.excluded or len(key) < 3:
                continue
            after = sent.doc.text[end : end + 40]
            if NOT_A_PLACE_AFTER.match(after):
                continue
            iso2 = self.gazetteer.country_of_name(name)
            if iso2:
                named_country = named_country or iso2
                continue
            if self.actors.country_of_word(name):
                continue  # a demonym ("Syrian"), not a place
            context = self.context + ([named_country] if named_country and named_country not in self.context else [])
            place = None
            if ADMIN1_AFTER.match(after):
                place = self.gazetteer.admin1(name, context)
            if place is None:
                place = self.gazetteer.city(name, context)
                if place is not None and NEAR_WORDS.search(sent.doc.text[max(0, start - 25) : start]):
                    place = Place(place.name, place.iso2, place.admin1, None, place.latitude, place.longitude, place.population, AREA, "near")
            if place is None:
                place = self.gazetteer.admin1(name, context)
            if place is not None:
                places.append(place)
        places.sort(key=lambda p: p.precision)
        return places, named_country

    def _candidate_spans(self, sent: Span) -> list[tuple[int, int]]:
        """Character spans that may name a place: GPE/LOC/FAC entities and capitalised words after a preposition."""
        spans = []
        for ent in sent.ents:
            if ent.label_ in ("GPE", "LOC", "FAC", "NORP", "ORG", "PERSON"):
                tokens = [t for t in ent if t.lower_ not in ("the",)]
                if tokens:
                    spans.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1])))
        tokens = list(sent)
        for i, token in enumerate(tokens):
            if not (token.is_title or token.is_upper) or i == 0 or token.is_stop:
                continue
            previous = tokens[i - 1].lower_
            if previous not in LOCATION_PREPOSITIONS and previous not in PLACE_TYPE_WORDS and previous != "of":
                continue
            for length in (3, 2, 1):
                window = tokens[i : i + length]
                if len(window) == length and all(t.is_title or t.is_upper or t.text in ("-", "al", "el", "ez", "ash", "ad", "as", "ar") or t.text.startswith(("al-", "el-")) for t in window):
                    spans.append((window[0].idx, window[-1].idx + len(window[-1])))
        return spans


def _group_regions(gazetteer: Gazetteer) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for iso2, phrase in gazetteer.region_phrases():
        grouped.setdefault(iso2, []).append(phrase)
    return grouped


# --- actor roles ----------------------------------------------------------------------------


def _is_trigger_token(token: Token, trigger_span: tuple[int, int] | None) -> bool:
    if trigger_span is None:
        return False
    return trigger_span[0] <= token.idx < trigger_span[1] or PERPETRATOR_VERBS.match(token.lower_) is not None


def actor_role(mention: Mention, doc: Doc, trigger_span: tuple[int, int] | None) -> str | None:
    """'actor1' (who did it), 'actor2' (to whom) or None, from the dependency parse around a mention."""
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None:
        return None
    token = span.root
    for _ in range(6):  # climb out of modifiers and coordinations to the noun phrase's role
        if token.dep_ in ("compound", "amod", "poss", "nmod", "npadvmod") and _is_trigger_token(token.head, trigger_span) and token.head.pos_ != "VERB":
            return "actor1"  # "Russian air strikes", "Israel's airstrikes"
        if token.dep_ in ("compound", "amod", "poss", "nmod", "conj", "appos", "cc") and token.head is not token:
            token = token.head
            continue
        break
    head = token.head
    if token.dep_ in ("nsubj", "csubj"):
        if SPEECH_VERBS.match(head.lower_):
            return None
        if PERPETRATOR_VERBS.match(head.lower_) or _is_trigger_token(head, trigger_span) or head.lower_ in ("launched", "conducted", "carried"):
            return "actor1"
        return None
    if token.dep_ == "pobj" and head.lower_ == "by":
        return "actor1"
    if token.dep_ in ("nsubjpass", "dobj"):
        if token.dep_ == "dobj" and SPEECH_VERBS.match(head.lower_):
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
    context = country_context(doc.text, resources)
    places = PlaceFinder(resources, context, _dateline_words(doc.text))
    candidates: list[Candidate] = []
    for index, sent in enumerate(doc.sents):
        text = sent.text.strip()
        if len(text) < 12:
            continue
        normalised = normalise_numbers(text)
        if CUMULATIVE.search(normalised):
            continue
        found = find_trigger(text)
        counts = count_casualties(text)
        if found is None and counts.fatalities is None and counts.injuries is None:
            continue
        trigger, match = found if found else (None, None)
        if match is not None and HYPOTHETICAL.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        sentence_places, named_country = places.find(sent)
        place = sentence_places[0] if sentence_places else None
        country = place.iso2 if place else (named_country or (context[0] if context else None))
        trigger_span = (sent.start_char + match.start(), sent.start_char + match.end()) if match else None
        perpetrators, targets = [], []
        for mention in resources.actors.find(text, country):
            shifted = Mention(mention.actor, sent.start_char + mention.start, sent.start_char + mention.end, mention.generic)
            role = actor_role(shifted, doc, trigger_span)
            if role == "actor1" and mention.actor.inter not in ("Civilians",):
                perpetrators.append(mention.actor)
            elif role == "actor2" or (mention.actor.inter == "Civilians" and role is None and counts.fatalities):
                targets.append(mention.actor)
        candidates.append(
            Candidate(
                sub_event_type=trigger.sub_event_type if trigger and not trigger.weak else None,
                weak=trigger is None or trigger.weak,
                sentence=text, index=index, place=place, country=country,
                perpetrators=_unique(perpetrators), targets=_unique(targets),
                fatalities=counts.fatalities, injuries=counts.injuries,
                when=resolve_event_date(text, published),
            )
        )
    events = merge_candidates(candidates)
    rows = []
    for ordinal, event in enumerate(e for e in events if not _is_background(e, published)):
        rows.append(event_row(article, event, ordinal, resources))
    return rows


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


_FAMILY_ORDER = {
    "Chemical weapon": 0, "Suicide bomb": 1, "Air/drone strike": 2, "Shelling/artillery/missile attack": 3,
    "Remote explosive/landmine/IED": 4, "Grenade": 5,
}


def _same_family(a: str, b: str) -> bool:
    """Explosions of different kinds in one place and day are one event coded by the strongest means."""
    return a == b or (a in _FAMILY_ORDER and b in _FAMILY_ORDER)


def _precedes(a: str, b: str) -> bool:
    return a in _FAMILY_ORDER and b in _FAMILY_ORDER and _FAMILY_ORDER[a] < _FAMILY_ORDER[b]


def _is_background(event: Event, published: date | None) -> bool:
    when = event.when()
    return bool(published and when.explicit and when.day and when.day < published - timedelta(days=BACKGROUND_DAYS))


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
    perpetrators = _unique([a for p in event.parts for a in p.perpetrators])
    targets = _unique([a for p in event.parts for a in p.targets if a.name not in {x.name for x in perpetrators}])
    sub_event_type = _territory(event.sub_event_type, perpetrators[0] if perpetrators else None)
    event_type = EVENT_TYPE_OF[sub_event_type]
    actor1 = perpetrators[0] if perpetrators else _default_actor1(event_type, country_name, iso2)
    actor2 = targets[0] if targets else None
    if actor2 is None and event_type == "Violence against civilians" and country_name:
        actor2 = Actor(f"Civilians ({country_name})", "Civilians", None)
    place = event.place
    when = event.when()
    fatalities = [p.fatalities for p in event.parts if p.fatalities is not None]
    injuries = [p.injuries for p in event.parts if p.injuries is not None]
    admin2 = resources.gazetteer.admin2_of(place.latitude, place.longitude) if place and place.precision < REGION else None
    notes = " ".join(dict.fromkeys(p.sentence for p in event.parts))
    confidence = 0.5 + 0.1 * sum(
        (
            any(not p.weak for p in event.parts),
            place is not None,
            bool(perpetrators),
            when.explicit,
            bool(fatalities or injuries),
        )
    )
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
        "fatalities": max(fatalities) if fatalities else 0,
        "injuries": max(injuries) if injuries else 0,
        "notes": notes,
        "confidence": round(min(confidence, 0.95), 2),
        "extractor_version": resources.version,
    }


def _default_actor1(event_type: str, country_name: str, iso2: str | None) -> Actor:
    """Who acted when the text does not say: demonstrators for demonstrations, otherwise unidentified."""
    suffix = f" ({country_name})" if country_name else ""
    if event_type == "Protests":
        return Actor(f"Protesters{suffix}", "Protesters", None)
    if event_type == "Riots":
        return Actor(f"Rioters{suffix}", "Rioters", None)
    return Actor(f"Unidentified Armed Group{suffix}", "Political militia", None)


def code_articles(
    articles: list[dict[str, Any]], resources: Resources, run_id: str = "", batch_size: int = 32
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Events for a batch of cleaned articles, and quarantine rows for articles the coder failed on."""
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    texts = (a["text"] for a in articles)
    for article, doc in zip(articles, resources.nlp.pipe(texts, batch_size=batch_size)):
        try:
            rows.extend(code_article(article, doc, resources))
        except Exception as exc:  # one article's bad luck must not stop the batch; it is kept, with the reason
            failures.append(
                quarantine_row(
                    article["source_ref"], "extract", "extract_error", f"{type(exc).__name__}: {exc}",
                    {k: v for k, v in article.items() if k != "ingested_at"}, run_id,
                )
            )
    return rows, failures


