"""Incident merging: reports of one incident become one row, distractors stay apart, the merge is incremental."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone

import pyarrow as pa

from conflict_events.incidents.merge import (
    FAMILIES,
    INCIDENTS_SCHEMA,
    build_incidents,
    incident_id_of,
    incidents_table,
    merge_incidents,
    with_article_columns,
)
from conflict_events.schemas import EVENTS_SCHEMA, EVENT_TYPE_OF, SUB_EVENT_TYPES, disorder_type_of

INGESTED = datetime(2025, 2, 5, 12, tzinfo=timezone.utc)
PLACES = {  # (country, iso3, admin1, location, lat, lon, precision)
    "Maarat": ("Syria", "SYR", "Idlib", "Ma'arrat an Nu'man", 35.6476, 36.6746, 1),
    "Ariha": ("Syria", "SYR", "Idlib", "Ariha", 35.8134, 36.6075, 1),
    "Sarmin": ("Syria", "SYR", "Idlib", "Sarmin", 35.9032, 36.7258, 1),
    "Idlib region": ("Syria", "SYR", "Idlib", "Idlib", 35.86, 36.63, 3),
    "Syria": ("Syria", "SYR", None, "Syria", None, None, 3),
    "nowhere": (None, None, None, None, None, None, 3),
    "Odesa": ("Ukraine", "UKR", "Odesa", "Odesa", 46.4775, 30.7326, 1),
}


def ev(article: str, place: str = "Maarat", sub: str = "Air/drone strike", day: date | None = date(2025, 2, 3),
       published: date | None = date(2025, 2, 3), source: str | None = None, ordinal: int = 0, **fields):
    """An event row of article `article` (with its article's report columns), as the coder writes them."""
    country, iso3, admin1, location, lat, lon, precision = PLACES[place]
    row = {
        "event_id": f"{article}-{ordinal:03d}", "article_id": article, "event_date": day, "time_precision": 1,
        "disorder_type": disorder_type_of(sub), "event_type": EVENT_TYPE_OF[sub], "sub_event_type": sub,
        "actor1": "Military Forces of Russia", "assoc_actor_1": None, "inter1": "External/Other forces",
        "actor2": "Civilians (Syria)", "assoc_actor_2": None, "inter2": "Civilians", "civilian_targeting": "Civilian targeting",
        "country": country, "iso3": iso3, "admin1": admin1, "admin2": None, "location": location, "latitude": lat,
        "longitude": lon, "geo_precision": precision, "fatalities": 9, "injuries": 0,
        "notes": f"Warplanes struck the market of {place} on Monday.", "confidence": 0.9, "extractor_version": "test",
        "source_name": source or f"Outlet {article}", "published_date": published, "ingested_at": INGESTED,
    }
    row.update(fields)
    return row


def one(rows):
    assert len(rows) == 1, [(r["incident_id"], r["event_ids"]) for r in rows]
    return rows[0]


def groups(rows):
    return sorted(sorted(r["event_ids"]) for r in rows)


def test_two_reports_of_one_airstrike_are_one_incident_with_the_updated_toll():
    wire = ev("wire", fatalities=9, injuries=20, notes="Air strikes hit a crowded market in Maarat al-Numan on Monday, killing nine.")
    ngo = ev("ngo", day=date(2025, 2, 3), published=date(2025, 2, 4), fatalities=14, injuries=31, actor1="Unidentified Armed Group (Syria)",
             inter1="Political militia", source="Syria Civil Defence",
             notes="Our teams completed rescue work at the market of Maarat al-Numan: 14 civilians were killed.")
    incident = one(build_incidents([ngo, wire], run_id="run-1"))
    assert incident["event_ids"] == ["wire-000", "ngo-000"]  # report order
    assert incident["source_count"] == 2 and incident["source_names"] == ["Outlet wire", "Syria Civil Defence"]
    assert incident["fatalities"] == 14 and incident["injuries"] == 31  # the later report's update
    assert incident["incident_id"] == incident_id_of("wire-000")  # named after the first report
    assert incident["actor1"] == "Military Forces of Russia"  # the named actor, not the unidentified one
    assert incident["notes"] == wire["notes"]
    assert incident["event_date"] == date(2025, 2, 3) and incident["location"] == "Ma'arrat an Nu'man"
    assert incident["first_reported"] == datetime(2025, 2, 3, tzinfo=timezone.utc)
    assert incident["last_reported"] == datetime(2025, 2, 4, tzinfo=timezone.utc)
    assert incident["run_id"] == "run-1"


def test_fatalities_rule_latest_day_lowest_figure_and_a_silent_update_keeps_the_toll():
    rows = [
        ev("a", fatalities=9, published=date(2025, 2, 3)),
        ev("b", fatalities=12, published=date(2025, 2, 4)),
        ev("c", fatalities=11, published=date(2025, 2, 4)),  # same day as b: the conservative figure
        ev("d", fatalities=0, published=date(2025, 2, 5)),  # a follow-up that gives no toll
    ]
    incident = one(build_incidents(rows))
    assert incident["fatalities"] == 11
    assert incident["source_count"] == 4


def test_a_revised_toll_may_go_down():
    incident = one(build_incidents([ev("a", fatalities=12), ev("b", fatalities=8, published=date(2025, 2, 4))]))
    assert incident["fatalities"] == 8


def test_one_outlets_updates_count_as_one_source():
    rows = [ev("a", source="Idlib Post"), ev("b", source="Idlib Post", published=date(2025, 2, 4)), ev("c", source=None)]
    incident = one(build_incidents([{**rows[2], "source_name": None}, *rows[:2]]))
    assert incident["source_count"] == 2 and incident["source_names"] == ["Idlib Post"]


def test_distractors_the_same_day_in_the_same_province_stay_apart():
    rows = [
        ev("market-1"), ev("market-2", published=date(2025, 2, 4), fatalities=14),
        ev("ariha", place="Ariha", fatalities=2),  # another town 20 km away, same kind, same day
        ev("sarmin", place="Sarmin", sub="Shelling/artillery/missile attack", fatalities=0, injuries=4),
        ev("maarat-shelling", sub="Shelling/artillery/missile attack", fatalities=1),  # same town, other weapon
    ]
    assert groups(build_incidents(rows)) == [["ariha-000"], ["maarat-shelling-000"], ["market-1-000", "market-2-000"], ["sarmin-000"]]


def test_different_days_and_different_countries_stay_apart():
    rows = [ev("a"), ev("b", day=date(2025, 2, 6), published=date(2025, 2, 6)), ev("c", place="Odesa")]
    assert len(build_incidents(rows)) == 3


def test_a_null_date_event_joins_on_its_articles_publication_date():
    rows = [ev("dated"), ev("undated", day=None, published=date(2025, 2, 4), fatalities=11)]
    assert groups(build_incidents(rows)) == [["dated-000", "undated-000"]]
    late = [ev("dated"), ev("undated", day=None, published=date(2025, 2, 8))]
    assert len(build_incidents(late)) == 2
    no_date_at_all = [ev("dated"), ev("undated", day=None, published=None)]
    assert len(build_incidents(no_date_at_all)) == 2


def test_two_reports_each_of_their_own_day_are_two_incidents_unless_the_later_raises_the_toll():
    tuesday = ev("tue", day=date(2025, 2, 4), published=date(2025, 2, 4), fatalities=10)
    wednesday = ev("wed", day=date(2025, 2, 5), published=date(2025, 2, 5), fatalities=5)
    assert len(build_incidents([tuesday, wednesday])) == 2
    update = ev("wed", day=date(2025, 2, 5), published=date(2025, 2, 5), fatalities=14)
    assert len(build_incidents([tuesday, update])) == 1  # the coder dated a follow-up to its own day


def test_tolls_of_one_day_far_apart_are_two_incidents():
    assert len(build_incidents([ev("a", fatalities=2), ev("b", fatalities=40)])) == 2
    assert len(build_incidents([ev("a", fatalities=4), ev("b", fatalities=12)])) == 1
    assert len(build_incidents([ev("a", fatalities=100), ev("b", fatalities=1300)])) == 1  # mass casualties: claims diverge


def test_actors_a_named_actor_of_another_kind_is_another_incident_an_unknown_one_is_not():
    rows = [ev("a"), ev("b", actor1="Military Forces of Turkey", inter1="State forces")]
    assert len(build_incidents(rows)) == 2
    rows = [ev("a"), ev("b", actor1="Unidentified Armed Group (Syria)", inter1="Political militia")]
    assert len(build_incidents(rows)) == 1
    # The state is one actor whatever its arm: "Government of Syria" and "Military Forces of Syria".
    rows = [ev("a", actor1="Military Forces of Syria", inter1="State forces"), ev("b", actor1="Government of Syria", inter1="State forces")]
    assert len(build_incidents(rows)) == 1


def test_battle_sides_may_be_named_in_either_order():
    def clash(article, a1, i1, a2, i2):
        return ev(article, sub="Armed clash", actor1=a1, inter1=i1, actor2=a2, inter2=i2, fatalities=5)

    rows = [clash("a", "Islamic State (Syria)", "Rebel group", "Syrian Democratic Forces", "Rebel group"),
            clash("b", "Syrian Democratic Forces", "Rebel group", "Islamic State (Syria)", "Rebel group"),
            clash("c", "Military Forces of Syria", "State forces", None, None)]  # one side only: fits
    assert len(build_incidents(rows)) == 1
    other = [clash("a", "Islamic State (Syria)", "Rebel group", "Syrian Democratic Forces", "Rebel group"),
             clash("d", "Military Forces of Turkey", "External/Other forces", "Military Forces of Syria", "State forces")]
    assert len(build_incidents(other)) == 2


def test_families_are_within_event_types_and_cover_every_sub_type():
    assert set(FAMILIES) == set(SUB_EVENT_TYPES)
    for sub, family in FAMILIES.items():
        kin = {EVENT_TYPE_OF[s] for s, f in FAMILIES.items() if f == family}
        assert kin == {EVENT_TYPE_OF[sub]}
    # A suicide bomb first reported as a blast is the same incident; an air strike is not a roadside bomb.
    rows = [ev("a", sub="Remote explosive/landmine/IED"), ev("b", sub="Suicide bomb", published=date(2025, 2, 4))]
    assert len(build_incidents(rows)) == 1
    assert len(build_incidents([ev("a", sub="Remote explosive/landmine/IED"), ev("b")])) == 2


def test_complete_linkage_does_not_chain_two_towns_through_a_region_level_report():
    rows = [ev("ariha", place="Ariha", fatalities=2), ev("sarmin", place="Sarmin", fatalities=3),
            ev("region", place="Idlib region", fatalities=3)]
    result = build_incidents(rows)
    assert ["ariha-000", "sarmin-000"] not in [sorted(g) for g in groups(result)]
    assert not any(len(r["event_ids"]) == 3 for r in result)


def test_a_region_level_report_joins_the_town_it_fits_clearly():
    rows = [ev("town", fatalities=14), ev("region", place="Idlib region", fatalities=9),
            ev("ariha", place="Ariha", sub="Shelling/artillery/missile attack", fatalities=2)]
    assert ["region-000", "town-000"] in groups(build_incidents(rows))


def test_a_report_without_a_place_joins_through_a_shared_distinctive_name_or_as_the_only_candidate():
    town = ev("town", notes="Bombs fell on the market of Maarat al-Numan on Monday.")
    other = ev("ariha", place="Ariha", notes="Bombs fell on olive groves near Ariha on Monday.", fatalities=8)
    vague = ev("local", place="nowhere", notes="Eleven people died when warplanes bombed the market of Maarat al-Numan.", fatalities=11)
    assert ["local-000", "town-000"] in groups(build_incidents([town, other, vague]))
    # Without a shared name it could be either air strike: it joins neither ...
    unnamed = ev("local", place="nowhere", notes="Eleven people died when warplanes bombed a market.", fatalities=11)
    assert ["local-000"] in groups(build_incidents([town, other, unnamed]))
    # ... unless it is the only one it could be (same sub-type, and a toll on both sides).
    assert groups(build_incidents([town, unnamed])) == [["local-000", "town-000"]]
    # A country-level report is placed the same way.
    country = ev("country", place="Syria", notes="Warplanes bombed the market of Maarat al-Numan.")
    assert ["country-000", "town-000"] in groups(build_incidents([town, other, country]))


def test_a_wire_copy_joins_its_originals_incident_whatever_the_coder_made_of_it():
    original = ev("orig")
    copy = ev("copy", place="Odesa", day=date(2025, 2, 2), published=date(2025, 2, 4), fatalities=9)  # its dateline confused the coder
    assert len(build_incidents([original, copy])) == 2
    incident = one(build_incidents([original, copy], originals={"copy": "orig"}))
    assert incident["event_ids"] == ["orig-000", "copy-000"]
    assert incident["country"] == "Syria"  # a copy is no evidence: the original's place stands
    # A later report is compared with the original, not with the copy's garbled place.
    later = ev("later", published=date(2025, 2, 4), fatalities=14)
    assert len(build_incidents([original, copy, later], originals={"copy": "orig"})) == 1


def test_two_events_of_one_article_are_never_one_incident():
    rows = [ev("a", ordinal=0), ev("a", ordinal=1), ev("b")]
    result = build_incidents(rows)
    assert len(result) == 2 and sorted(len(r["event_ids"]) for r in result) == [1, 2]


def test_the_result_does_not_depend_on_the_order_rows_come_in():
    rows = [ev("a"), ev("b", published=date(2025, 2, 4), fatalities=12), ev("c", place="Ariha", fatalities=2),
            ev("d", place="Idlib region", fatalities=10, published=date(2025, 2, 4)), ev("e", place="nowhere", fatalities=2)]
    expected = build_incidents(rows)
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert build_incidents(shuffled) == expected


def test_incremental_join_keeps_the_incident_id_and_reports_it_replaced():
    first = merge_incidents([ev("wire", fatalities=9), ev("odesa", place="Odesa", fatalities=4)], run_id="run-1")
    assert first.replaced == set() and first.removed == set() and len(first.rows) == 2
    airstrike = next(r for r in first.rows if r["event_ids"] == ["wire-000"])
    members = [ev("wire", fatalities=9), ev("odesa", place="Odesa", fatalities=4)]
    published = incidents_table(first.rows).to_pylist()  # as a reader of the lake gets them back
    second = merge_incidents([ev("ngo", published=date(2025, 2, 4), fatalities=14)], published, members, run_id="run-2")
    assert second.replaced == {airstrike["incident_id"]}
    row = one(second.rows)  # the Odesa incident is untouched, so not returned
    assert row["incident_id"] == airstrike["incident_id"] and row["event_ids"] == ["wire-000", "ngo-000"]
    assert row["fatalities"] == 14 and row["source_count"] == 2 and row["run_id"] == "run-2"
    assert second.assignments == {"ngo-000": airstrike["incident_id"]}


def test_an_earlier_report_arriving_later_does_not_rename_the_incident():
    first = merge_incidents([ev("later", published=date(2025, 2, 4))])
    second = merge_incidents([ev("earlier", published=date(2025, 2, 3))], first.rows, [ev("later", published=date(2025, 2, 4))])
    assert one(second.rows)["incident_id"] == first.rows[0]["incident_id"] == incident_id_of("later-000")
    assert one(second.rows)["event_ids"] == ["earlier-000", "later-000"]


def test_a_recoded_article_replaces_its_old_members():
    members = [ev("a"), ev("b", published=date(2025, 2, 4))]
    first = merge_incidents(members)
    incident_id = one(first.rows)["incident_id"]
    # Article b is coded again and now reports an event in Odesa: it leaves the incident, which is replaced.
    second = merge_incidents([ev("b", place="Odesa")], first.rows, members)
    assert second.replaced == {incident_id}
    assert groups(second.rows) == [["a-000"], ["b-000"]]
    kept = next(r for r in second.rows if r["event_ids"] == ["a-000"])
    assert kept["incident_id"] == incident_id
    # Article a (the first report) is coded again the same way: the incident keeps its id, no duplicate ids.
    third = merge_incidents([ev("a")], first.rows, members)
    assert [r["incident_id"] for r in third.rows] == [incident_id]


def test_an_incident_left_without_members_is_removed():
    members = [ev("a")]
    first = merge_incidents(members)
    second = merge_incidents([ev("a", place="Odesa")], first.rows, members)
    assert one(second.rows)["event_ids"] == ["a-000"]
    # The re-coded event starts its old incident again: same id, so replaced rather than removed.
    assert second.removed == set() and second.replaced == {first.rows[0]["incident_id"]}
    third = merge_incidents([ev("z", place="Odesa", ordinal=1)], first.rows, [])  # its member rows are gone
    assert third.removed == {first.rows[0]["incident_id"]}


def test_incidents_table_has_the_published_schema():
    rows = build_incidents([ev("a"), ev("b", published=date(2025, 2, 4)), ev("c", place="nowhere", day=None, published=None)])
    table = incidents_table(rows)
    assert table.schema.equals(INCIDENTS_SCHEMA)
    assert INCIDENTS_SCHEMA.field("event_ids").type == pa.list_(pa.string())
    assert INCIDENTS_SCHEMA.field("source_names").type == pa.list_(pa.string())
    assert INCIDENTS_SCHEMA.field("first_reported").type == pa.timestamp("us", tz="UTC")
    event_columns = {"event_date", "sub_event_type", "actor1", "actor2", "country", "admin1", "location", "fatalities", "injuries", "notes"}
    assert event_columns <= set(INCIDENTS_SCHEMA.names)
    for name in event_columns:
        assert INCIDENTS_SCHEMA.field(name).type == EVENTS_SCHEMA.field(name).type
    assert table.num_rows == 2


def test_with_article_columns_adds_the_report_columns():
    event = {k: v for k, v in ev("a").items() if k not in ("source_name", "published_date", "ingested_at")}
    article = {"article_id": "a", "source_name": "GWS", "published_date": date(2025, 2, 3), "ingested_at": INGESTED}
    (row,) = with_article_columns([event], [article])
    assert row["source_name"] == "GWS" and row["published_date"] == date(2025, 2, 3) and row["ingested_at"] == INGESTED
    (orphan,) = with_article_columns([event], [])
    assert orphan["source_name"] is None
