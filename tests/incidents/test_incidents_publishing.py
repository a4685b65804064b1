"""Incidents as the lake publishes them: a later report joins a published incident (its id stays), an updated
article replaces its earlier version and leaves its incident, an older lake gets its incidents built once."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone

import pyarrow as pa

from conflict_events.lake.factory import open_lake
from conflict_events.lake.publishing import run_tables
from conflict_events.schemas import SCHEMAS
from conftest import read_current

AIRSTRIKE = {
    "event_date": date(2025, 3, 4), "time_precision": 1, "disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
    "sub_event_type": "Air/drone strike", "actor1": "Military Forces of Syria", "inter1": "State forces", "actor2": "Civilians (Syria)",
    "inter2": "Civilians", "country": "Syria", "iso3": "SYR", "admin1": "Idlib", "location": "Ariha", "latitude": 35.81,
    "longitude": 36.61, "geo_precision": 1, "injuries": 0, "confidence": 0.8, "extractor_version": "test",
}


def report(text: str, outlet: str, published: date, fatalities: int, url: str | None = None, **changes) -> tuple[dict, dict]:
    """One article and its one event."""
    article_id = hashlib.sha256(text.encode()).hexdigest()
    article = {
        "article_id": article_id, "source_ref": f"{outlet}/{article_id[:8]}", "source_name": outlet, "url": url, "title": text[:40],
        "published_date": published, "date_source": "metadata", "language": "en", "text": text, "n_chars": len(text),
        "ingested_at": datetime(published.year, published.month, published.day, 12, tzinfo=timezone.utc), "run_id": "r",
    }
    event = {**AIRSTRIKE, **changes, "event_id": f"{article_id[:16]}-000", "article_id": article_id, "fatalities": fatalities, "notes": text}
    return article, event


def publish(lake, reports: list[tuple[dict, dict]], run_id: str, updated_urls: set[str] = frozenset(), published_ids: set[str] = frozenset()):
    articles = pa.Table.from_pylist([a for a, _ in reports], schema=SCHEMAS["articles"])
    events = pa.Table.from_pylist([e for _, e in reports], schema=SCHEMAS["events"])
    tables = run_tables(articles, events, SCHEMAS["quarantine"].empty_table(), published_ids)
    return lake.publish_all(tables, run_id, {}, updated_urls=updated_urls)


def incidents(tmp_path) -> list[dict]:
    return read_current(tmp_path, "incidents").table.to_pylist()


def test_a_later_report_joins_the_published_incident_which_keeps_its_id_and_takes_the_updated_toll(tmp_path):
    lake = open_lake(str(tmp_path))
    first = report("Air strikes on Ariha in Idlib killed 5 civilians on Tuesday.", "Outlet A", date(2025, 3, 4), 5)
    other = report("A strike on a bakery in Aleppo city killed 3.", "Outlet A", date(2025, 3, 4), 3,
                   admin1="Aleppo", location="Aleppo", latitude=36.2, longitude=37.16)
    result = publish(lake, [first, other], "run1")
    assert result.incidents == 2 and result.versions["incidents"] == "v000001"
    before = {tuple(i["event_ids"]): i["incident_id"] for i in incidents(tmp_path)}

    later = report("The toll of the Ariha air raid of March 4 rose to 9, rescuers said.", "Outlet B", date(2025, 3, 5), 9)
    result = publish(lake, [later], "run2")
    assert result.incidents == 1  # only the incident that gained a report is written again
    rows = {i["incident_id"]: i for i in incidents(tmp_path)}
    assert len(rows) == 2
    ariha = rows[before[(first[1]["event_id"],)]]
    assert ariha["event_ids"] == [first[1]["event_id"], later[1]["event_id"]]
    assert (ariha["fatalities"], ariha["source_count"], ariha["source_names"]) == (9, 2, ["Outlet A", "Outlet B"])
    assert rows[before[(other[1]["event_id"],)]]["run_id"] == "run1"  # carried over untouched


def test_an_updated_article_replaces_its_earlier_version_and_its_events_leave_their_incident(tmp_path):
    lake = open_lake(str(tmp_path))
    url = "https://news.example.org/ariha"
    old = report("Air strikes on Ariha killed 5 civilians on Tuesday.", "Outlet A", date(2025, 3, 4), 5, url=url)
    witness = report("Warplanes struck Ariha in Idlib province, killing five people.", "Outlet B", date(2025, 3, 4), 5)
    publish(lake, [old, witness], "run1")
    (incident,) = incidents(tmp_path)

    new = report("Air strikes on Ariha killed 7 civilians on Tuesday, the toll rose overnight.", "Outlet A", date(2025, 3, 5), 7, url=url)
    result = publish(lake, [new], "run2", updated_urls={url})
    assert result.updated == 1
    assert sorted(read_current(tmp_path, "articles").table.column("article_id").to_pylist()) == sorted([witness[0]["article_id"], new[0]["article_id"]])
    assert old[1]["event_id"] not in read_current(tmp_path, "events").table.column("event_id").to_pylist()
    (after,) = incidents(tmp_path)
    assert after["incident_id"] == incident["incident_id"]  # the other outlet's report keeps the incident alive
    assert after["event_ids"] == [witness[1]["event_id"], new[1]["event_id"]] and after["fatalities"] == 7


def test_the_first_publish_of_a_lake_without_incidents_builds_them_from_every_current_event(tmp_path):
    lake = open_lake(str(tmp_path))
    first = report("Air strikes on Ariha in Idlib killed 5 civilians on Tuesday.", "Outlet A", date(2025, 3, 4), 5)
    articles = pa.Table.from_pylist([first[0]], schema=SCHEMAS["articles"])
    events = pa.Table.from_pylist([first[1]], schema=SCHEMAS["events"])
    # What a lake published before incidents existed: articles and events only.
    from conflict_events.lake.staging import commit, stage

    for dataset, table in (("articles", articles), ("events", events)):
        commit(lake, dataset, stage(lake, dataset, table, "old-run"))
    assert lake.current_version("incidents") is None
    later = report("Warplanes struck Ariha in Idlib province, killing five people.", "Outlet B", date(2025, 3, 4), 5)
    publish(lake, [later], "run2")
    (incident,) = incidents(tmp_path)
    assert sorted(incident["event_ids"]) == sorted([first[1]["event_id"], later[1]["event_id"]]) and incident["source_count"] == 2
