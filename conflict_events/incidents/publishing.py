"""The incidents a publish writes: this run's events merged into the published incidents, under the publish lock.

Decided under the lock (lake/publishing.py calls `with_incidents` after it has left out what another run
published meanwhile), so two runs never merge into stale incidents. The first publish of a lake that has
events but no incidents yet builds them from every current event.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from conflict_events.incidents.merge import REPORT_COLUMNS, incidents_table, merge_incidents, with_article_columns
from conflict_events.lake.spool import Rows, SpooledTable
from conflict_events.schemas import EVENTS_SCHEMA

if TYPE_CHECKING:
    from conflict_events.incidents.near_duplicates import NearDuplicateIndex
    from conflict_events.lake.interface import Lake

Tables = dict[str, tuple[Rows, set[str] | None]]
ARTICLE_COLUMNS = ["article_id", *REPORT_COLUMNS]


def _table(rows: Rows, columns: list[str] | None = None) -> pa.Table:
    if isinstance(rows, SpooledTable):
        return pq.read_table(rows.path, columns=columns)
    return rows.select(columns) if columns else rows


def _without_articles(events: pa.Table, article_ids: set[str]) -> pa.Table:
    if not article_ids or not events.num_rows:
        return events
    return events.filter(pc.invert(pc.is_in(events["article_id"], value_set=pa.array(sorted(article_ids), pa.string()))))


def _reports(lake: Lake, events: pa.Table, run_articles: pa.Table) -> list[dict[str, Any]]:
    """Event rows with their article's source, publication date and ingestion time (this run's or the lake's)."""
    wanted = set(events.column("article_id").to_pylist()) - set(run_articles.column("article_id").to_pylist())
    version = lake.current_version("articles")
    stored = lake.read_matching("articles", version, ARTICLE_COLUMNS, "article_id", wanted) if version and wanted else None
    articles = run_articles.to_pylist() + (stored.to_pylist() if stored is not None else [])
    return with_article_columns(events.to_pylist(), articles)


def _originals(lake: Lake, tables: Tables) -> dict[str, str]:
    """{copy's article_id: original's article_id}: the published duplicate links and this run's."""
    links: dict[str, str] = {}
    published = lake.read_current("duplicate_links", ["article_id", "original_article_id"])
    for table in (published, _table(tables["duplicate_links"][0], ["article_id", "original_article_id"]) if "duplicate_links" in tables else None):
        if table is not None:
            links.update(zip(table.column("article_id").to_pylist(), table.column("original_article_id").to_pylist(), strict=True))
    return links


def with_incidents(lake: Lake, tables: Tables, run_id: str) -> Tables:
    """The tables plus the `incidents` rows this publish changes (new incidents, and those that gained or lost members).

    `tables["events"]` holds the run's events and the article ids whose published events they replace
    (articles coded again, or updated under the same URL): those old events leave their incidents.
    """
    if "events" not in tables:
        return tables
    rows, replaced_articles = tables["events"]
    gone = set(replaced_articles or ())
    run_events = _table(rows)
    run_articles = _table(tables["articles"][0], ARTICLE_COLUMNS) if "articles" in tables else pa.table({c: [] for c in ARTICLE_COLUMNS})
    events_version, incidents_version = lake.current_version("events"), lake.current_version("incidents")
    previous: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    new_events = run_events
    if incidents_version is None:
        if events_version is not None:  # a lake published before incidents existed: every current event joins in
            published = _without_articles(lake.read_version("events", events_version), gone | set(run_events.column("article_id").to_pylist()))
            new_events = pa.concat_tables([published, run_events.select(EVENTS_SCHEMA.names).cast(EVENTS_SCHEMA)])
    else:
        incidents = lake.read_version("incidents", incidents_version, ["incident_id", "event_ids"])
        previous = incidents.to_pylist()
        member_ids = {event_id for row in previous for event_id in row["event_ids"] or ()}
        if events_version is not None and member_ids:
            stored = lake.read_matching("events", events_version, EVENTS_SCHEMA.names, "event_id", member_ids)
            members = _reports(lake, _without_articles(stored, gone), run_articles)
    merged = merge_incidents(_reports(lake, new_events, run_articles), previous, members, run_id, _originals(lake, tables))
    if not (merged.rows or merged.replaced or merged.removed):
        return tables
    return {**tables, "incidents": (incidents_table(merged.rows), merged.replaced | merged.removed)}


def recent_articles_index(lake: Lake, days: int, now: datetime | None = None) -> NearDuplicateIndex:
    """A near-duplicate index of the current articles ingested in the last `days` (copies of a story come within days)."""
    from conflict_events.incidents.near_duplicates import NearDuplicateIndex, signature

    version = lake.current_version("articles")
    if version is None:
        return NearDuplicateIndex()
    since = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    columns = ["article_id", "text", "ingested_at"]
    parts = [
        pq.read_table(lake.path("articles", version, f["path"]), filesystem=lake.fs, columns=columns, filters=[("ingested_at", ">=", since)])
        for f in lake.manifest("articles", version)["files"]
    ]
    recent = pa.concat_tables(parts).to_pylist() if parts else []
    return NearDuplicateIndex((a["article_id"], signature(a["text"]), a["ingested_at"]) for a in recent)
