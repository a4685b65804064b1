"""From events to rows: which merged events an article reports as news, and each as an ACLED `events` row."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tasks.extract.actors import Actor
from tasks.extract.assembly import LEAD_SENTENCES, Event
from tasks.extract.dates import EventDate
from tasks.extract.gazetteer import REGION, Gazetteer
from tasks.extract.lexicon import SEPARATE_NEWS
from tasks.extract.roles import unique_actors
from conflict_events.schemas import CIVILIAN_TARGETING, EVENT_TYPE_OF, disorder_type_of

# An event dated this long before publication is background ("the 2013 Ghouta attack"), not news.
BACKGROUND_DAYS = 7
# After the lead, an article's news is what happened today or yesterday; older incidents it mentions
# were reported when they happened (by the same feed) and are recalled as context here.
NEWS_WINDOW_DAYS = 1


def _is_background(event: Event, published: date | None) -> bool:
    """Whether the text dates the event well before publication."""
    when = event.when()
    return bool(published and when.explicit and when.day and when.day < published - timedelta(days=BACKGROUND_DAYS))


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
    """Commentary ("his battle against insurgents") names no place, toll, day or actor: no event. A sentence
    the model confirms is concrete when a trigger phrase codes it ("Unknown men threw a grenade at a home");
    one only the model codes must name one ("the ministers agreed to meet again" is no Agreement)."""
    return any(
        (p.place is not None and p.place.kind != "country") or p.fatalities is not None or p.injuries is not None
        or p.when.explicit or p.perpetrators or (p.confirmed and not p.learned)
        for p in event.parts
    )


def reported_events(events: list[Event], published: date | None) -> list[Event]:
    """The events the article breaks as news: concrete, recent, and in the lead or dated near the news."""
    return [e for e in events if not _is_background(e, published) and _is_concrete(e) and _is_news(e, events, published)]


def _country_and_iso3(gazetteer: Gazetteer, iso2: str | None) -> tuple[str, str]:
    """The country's name and ISO3 code, or empty strings when unknown."""
    country = gazetteer.countries.get(iso2) if iso2 else None
    return (country.name, country.iso3) if country else ("", "")


def _territory(sub_event_type: str, actor1: Actor | None) -> str:
    """ACLED splits territory changes by who gains: a state regains it, anyone else overtakes it."""
    if sub_event_type in ("Non-state actor overtakes territory", "Government regains territory") and actor1 is not None:
        return "Government regains territory" if actor1.inter in ("State forces", "External/Other forces") else "Non-state actor overtakes territory"
    return sub_event_type


def _inter(actor: Actor | None, iso2: str | None) -> str | None:
    """The actor's ACLED inter code where the event happened."""
    if actor is None:
        return None
    if actor.inter == "State forces" and actor.home_iso2 and iso2 and actor.home_iso2 != iso2:
        return "External/Other forces"  # a state's forces acting abroad
    return actor.inter


def confidence(event: Event, when: EventDate, counted: bool) -> float:
    """How much of the event its own sentences say: a trigger, a place, who acted, a day, a count; an
    actor inferred from elsewhere in the article or an event outside the lead counts for less."""
    own_actor = any(p.perpetrators for p in event.parts)
    score = 0.45 + 0.1 * sum(
        (
            any(not p.weak for p in event.parts),
            any(p.place is not None for p in event.parts),
            own_actor,
            when.explicit,
            counted,
        )
    ) + (0.05 if not own_actor and event.attributed else 0) + (0.05 if any(p.index < LEAD_SENTENCES for p in event.parts) else 0)
    return round(min(score, 0.95), 2)


def event_row(
    article: dict[str, Any], event: Event, ordinal: int, gazetteer: Gazetteer, version: str, fallback_country: str | None = None
) -> dict[str, Any]:
    """One merged event as an `events` row; `fallback_country` (ISO2, the record's own) when its text names no country."""
    iso2 = event.country or fallback_country
    country_name, iso3 = _country_and_iso3(gazetteer, iso2)
    # The first sentence that names who acted decides actor1 (named before generic within it); the
    # perpetrators later sentences add are associated actors, not replacements.
    by_part = [sorted(p.perpetrators, key=_actor_strength) for p in event.parts if p.perpetrators]
    everyone = [a for part in by_part for a in part] or ([event.attributed] if event.attributed else [])
    perpetrators = unique_actors(everyone)
    if perpetrators and not perpetrators[0].generic:  # "the rebel group HTS": the generic name is HTS again
        lead = perpetrators[0]
        perpetrators = [lead] + [a for a in perpetrators[1:] if not (a.generic and a.inter == lead.inter)]
    targets = unique_actors([a for p in event.parts for a in p.targets if a.name not in {x.name for x in perpetrators}])
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
    admin2 = gazetteer.admin2_of(place.latitude, place.longitude) if place and place.precision < REGION else None
    notes = " ".join(dict.fromkeys(p.sentence for p in event.parts))
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
        "confidence": confidence(event, when, bool(fatalities or injuries)),
        "extractor_version": version,
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

