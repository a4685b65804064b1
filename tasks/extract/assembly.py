"""From sentences to events: what each sentence says (a candidate), candidates merged into events, and who the
article elsewhere says did an event its own sentences leave unattributed."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from spacy.tokens import Doc, Span

from tasks.extract.actors import Actor, ActorDictionary
from tasks.extract.budget import NO_DEADLINE, Deadline
from tasks.extract.dates import EventDate, resolve_event_date
from tasks.extract.gazetteer import Place
from tasks.extract.lexicon import (
    AIR_NOUNS, BACKGROUND_MARKERS, CLAIMS, LEADING_AFTER, NON_VIOLENT, NOT_POLITICAL_VIOLENCE, OTHER_INCIDENT, PAST_PERFECT,
    REPORTED, SAME_DAY,
)
from tasks.extract.numbers import count_casualties, is_running_total, normalise_numbers
from tasks.extract.places import PlaceFinder
from tasks.extract.roles import sentence_roles
from tasks.extract.relevance import NONE, SentenceModel
from tasks.extract.taxonomy import HYPOTHETICAL, Trigger, find_trigger
from conflict_events.schemas import EVENT_TYPE_OF

# Triggers that name their event whatever else the sentence says: the model never overrules them.
UNMISTAKABLE = frozenset({"Suicide bomb", "Chemical weapon", "Sexual violence"})
OVERRULED = 0.05  # the rules' sub-type is overruled only when the model gives it less than this
# What a sentence that says "killed" or "attacked" may be coded as by the model: violence, not looting or arrests
# ("ADF rebels killed 18 civilians and looted shops" is an Attack whatever else the model sees).
VIOLENT_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians", "Riots"}
VIOLENT_PROTEST = {"Excessive force against protesters"}
NO_MATCH = re.compile(r"(?!x)x")  # a learned sub-type has no trigger phrase in the sentence

# The article's first sentences: its events are news wherever the text dates them, and its places
# stand for the events that name none.
LEAD_SENTENCES = 3
# Explosive means, strongest first: one explosion told in several ways is coded by the strongest.
_FAMILY_ORDER = {
    "Chemical weapon": 0, "Suicide bomb": 1, "Air/drone strike": 2, "Shelling/artillery/missile attack": 3,
    "Remote explosive/landmine/IED": 4, "Grenade": 5,
}


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
    confirmed: bool = False  # the sentence model is sure the sentence reports an event (it is no commentary)
    learned: bool = False  # the sub-type is the sentence model's, not a trigger phrase's


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
        """The place's country, else the first country a sentence of the event names."""
        place = self.place
        if place is not None:
            return place.iso2
        return next((p.country for p in self.parts if p.country), None)

    @property
    def actor1(self) -> Actor | None:
        """The first perpetrator the event's sentences name."""
        return next((a for p in self.parts for a in p.perpetrators), None)

    def when(self) -> EventDate:
        """The most precise date a sentence of the event states, else the first sentence's date."""
        explicit = [p.when for p in self.parts if p.when.explicit and p.when.day is not None]
        if explicit:
            return min(explicit, key=lambda w: w.precision)
        return self.parts[0].when


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


def news_part(sent: Span, lead: bool) -> tuple[str, tuple[int, int]] | None:
    """The news part of a sentence (see `foreground`) and where it stands in the sentence."""
    text = foreground(sent.text.strip(), lead)
    if not text:
        return None
    offset = max(sent.text.find(text), 0)
    return text, (offset, offset + len(text))


def news_places(sent: Span, places: PlaceFinder) -> list[Place]:
    """The places the news part of a sentence names (not those of the earlier event it recalls)."""
    news = news_part(sent, lead=True)
    return places.find(sent, part=news[1])[0] if news else []


def _same_day(text: str, earlier: list[Candidate]) -> EventDate | None:
    """'On the same day': the date of the last event the article dated."""
    if not SAME_DAY.search(text):
        return None
    return next((c.when for c in reversed(earlier) if c.when.explicit), None)


def sentence_candidates(
    doc: Doc, published: date | None, places: PlaceFinder, actors: ActorDictionary, context: list[str], deadline: Deadline = NO_DEADLINE,
    model: SentenceModel | None = None, judged: list[dict[str, float]] | None = None,
) -> list[Candidate]:
    """What each sentence says about an event, for the sentences that report violence (or a development).

    With the sentence `model`: a sentence no trigger matches takes the model's sub-type when the model is
    sure of it, a strong trigger gives way to a sub-type the model is much surer of, and a triggered sentence
    the model confirms is an event even when it names no place, day or actor (relevance.py, _learned_sub_type).
    `judged`: the model's probabilities for the doc's sentences, when the caller judged a whole batch at once.
    """
    candidates: list[Candidate] = []
    sentences = list(doc.sents)
    if model is None:
        judged = [None] * len(sentences)
    elif judged is None:  # the batch's judgments, when the caller has them (one call to the model per batch)
        judged = model.probabilities([s.text.strip() for s in sentences])
    for index, sent in enumerate(sentences):
        deadline.check(f"sentence {index + 1}, reading what it reports")
        text = sent.text.strip()
        if len(text) < 12:
            continue
        if is_running_total(normalise_numbers(text)):
            continue
        sentence = text  # notes keep the whole sentence, even when only its first part is news
        news = news_part(sent, lead=index < 2)
        if news is None:
            continue
        text, part = news
        found = find_trigger(text)
        counts = count_casualties(text)
        learned = _learned_sub_type(judged[index], found, model)
        if found is None and learned is None and counts.fatalities is None and counts.injuries is None:
            continue
        trigger, match = found if found else (None, None)
        if learned:
            trigger, match = Trigger(learned, NO_MATCH), None
        confirmed = judged[index] is not None and judged[index][NONE] <= model.thresholds.confirm
        generic_killing = match is not None and trigger.sub_event_type == "Attack" and match.group(0).lower().startswith("killed")
        if (trigger is None or trigger.weak or generic_killing) and NOT_POLITICAL_VIOLENCE.search(text):
            continue  # deaths from a quake, a flood, a crash or a disease are no political violence
        if match is not None and HYPOTHETICAL.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        # Only where the news part of the sentence puts it, not the place of the earlier attack it recalls.
        sentence_places, named_country = places.find(sent, part=part)
        place = sentence_places[0] if sentence_places else None
        country = place.iso2 if place else (named_country or (context[0] if context else None))
        trigger_span = (sent.start_char + match.start(), sent.start_char + match.end()) if match else None
        any_verb = trigger is not None and trigger.sub_event_type in NON_VIOLENT
        perpetrators, targets = sentence_roles(sent, text, actors, country, trigger_span, any_verb, bool(counts.fatalities))
        candidates.append(
            Candidate(
                sub_event_type=trigger.sub_event_type if trigger and not trigger.weak else None,
                weak=trigger is None or trigger.weak,
                sentence=sentence, index=index, place=place, country=country,
                perpetrators=perpetrators, targets=targets,
                fatalities=counts.fatalities, injuries=counts.injuries,
                fatalities_vague=counts.fatalities_vague, injuries_vague=counts.injuries_vague,
                when=_same_day(text, candidates) or resolve_event_date(text, published), confirmed=confirmed,
                learned=learned is not None and (found is None or found[0].weak),  # adopted, not an overruled trigger
            )
        )
    return candidates


def _learned_sub_type(probabilities: dict[str, float] | None, found: object, model: SentenceModel | None) -> str | None:
    """The sub-type the model codes one sentence with, or None (the rules decide): a sentence with no trigger
    the model is sure of, or one with a strong trigger the model finds unlikely.

    The model never vetoes a trigger: tried with a cross-validated threshold, a veto dropped sentences that
    long war reports tally casualties or name the attacker in (FA-KES dev fatalities within 20% fell from
    0.768 to 0.718, a seed lost its actor) for +0.013 rejection on the corpus; the gate does that work.
    """
    if probabilities is None or model is None:
        return None
    label, best = max(((k, v) for k, v in probabilities.items() if k != NONE), key=lambda kv: kv[1])
    trigger = found[0] if found else None
    if trigger is not None and not trigger.weak:
        unmistakable = trigger.sub_event_type in UNMISTAKABLE
        # A trigger phrase the model finds unlikely (a "seized" that is an arrest, a "clash" that is a riot)
        # gives way to a sub-type the model is sure of.
        if not unmistakable and best >= model.thresholds.override and probabilities.get(trigger.sub_event_type, 0.0) < OVERRULED:
            return str(label)
        return None
    if trigger is not None:
        # A weak trigger ("attacked residents ... killing 11"): who was hit decides, by the rules, unless the
        # model is as sure as it must be to overrule ("detonated explosives strapped to her body ... killing"),
        # and only with a violent sub-type.
        violent = EVENT_TYPE_OF[str(label)] in VIOLENT_TYPES or label in VIOLENT_PROTEST
        return str(label) if violent and best >= model.thresholds.override and best > probabilities[NONE] else None
    return str(label) if best >= model.thresholds.adopt and best > probabilities[NONE] else None


def _same_family(a: str, b: str) -> bool:
    """Explosions of different kinds in one place and day are one event coded by the strongest means;
    an attack and the firefight it turns into are one event too (its type follows who was attacked)."""
    return a == b or (a in _FAMILY_ORDER and b in _FAMILY_ORDER) or {a, b} == {"Attack", "Armed clash"}


def _precedes(a: str, b: str) -> bool:
    """Whether explosion type `a` is the stronger means, which codes a merged event."""
    return a in _FAMILY_ORDER and b in _FAMILY_ORDER and _FAMILY_ORDER[a] < _FAMILY_ORDER[b]


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
    """Whether the actor already did part of the event."""
    return any(actor.name == a.name for p in event.parts for a in p.perpetrators)


def merge_candidates(candidates: list[Candidate]) -> list[Event]:
    """Group sentences into events: same type and compatible details merge; weak sentences join the last event."""
    events: list[Event] = []
    pending: list[Candidate] = []
    for candidate in candidates:
        if candidate.learned and any(c.fatalities for c in pending):
            # Deaths the rules hold pending are their own event, not parts of what the model codes next
            # ("ADF rebels killed 18 civilians ... shops were looted" is no Looting with 18 dead).
            events.append(_untyped_deaths(pending))
            pending = []
        if candidate.learned and any(_compatible(e, candidate) for e in events):
            # A sentence only the model codes, where and when the article already has an event ("troops were
            # sent after the attackers", "no faction has claimed the attack"): background to that event, not
            # a part that may change its type or actors, nor a second event beside it. A toll it gives joins
            # as the rules would have joined it: as a part without a type.
            if candidate.fatalities is None and candidate.injuries is None:
                continue
            candidate = replace(candidate, sub_event_type=None, weak=True, learned=False)
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
        events.append(_untyped_deaths(pending))
    return events


def _untyped_deaths(parts: list[Candidate]) -> Event:
    """Deaths reported without a recognisable means: an attack on civilians, or a clash between armed men."""
    civilians = any(a.inter == "Civilians" for c in parts for a in c.targets)
    return Event("Attack" if civilians else "Armed clash", parts)


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


@dataclass(frozen=True)
class ArticleAttribution:
    """What the whole article says about who acted, read once: a claim of responsibility for the attack,
    and the air force it says struck."""

    claimed: Actor | None
    air_force: Actor | None

    @classmethod
    def read(cls, doc: Doc, actors: ActorDictionary, iso2: str | None, deadline: Deadline = NO_DEADLINE) -> "ArticleAttribution":
        """Read the claim and the air force from every sentence of the article."""
        claimed, air_forces, first_named = None, Counter(), {}
        for index, sent in enumerate(doc.sents):
            deadline.check(f"sentence {index + 1}, finding who the article says did what")
            text = sent.text
            # Only a claim of this attack: "claimed the bombing", "claimed responsibility" with no other
            # incident named ("... for an ambush near Gao in January" is another event).
            if claimed is None and CLAIMS.search(text) and not OTHER_INCIDENT.search(text):
                named = [m.actor for m in actors.find(text, iso2) if not m.generic and m.actor.inter not in ("Civilians", "Protesters")]
                claimed = named[0] if named else None
            found = find_trigger(text)
            if found is None or found[0].weak:
                continue  # air forces count only where they strike, not "Thailand's air force scrambled jets"
            for mention in actors.find(text, iso2):
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


def article_events(
    doc: Doc, candidates: list[Candidate], places: PlaceFinder, actors: ActorDictionary, context: list[str], deadline: Deadline = NO_DEADLINE
) -> list[Event]:
    """The article's candidates merged into events, placed where the lead says when their own sentences do not,
    and attributed from elsewhere in the article when their own sentences name no perpetrator."""
    events = drop_restatements(merge_candidates(candidates))
    lead_places = [p for sent in list(doc.sents)[:LEAD_SENTENCES] for p in news_places(sent, places)]
    for event in events:
        if event.place is None:
            country = event.country
            event.fallback_place = next((p for p in lead_places if country is None or p.iso2 == country), None)
    unattributed = [e for e in events if e.actor1 is None]
    if unattributed:
        said = ArticleAttribution.read(doc, actors, context[0] if context else None, deadline)
        for event in unattributed:
            event.attributed = said.perpetrator_of(event, candidates)
    return events
