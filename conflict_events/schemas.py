"""The published columns (DESIGN.md) as Arrow schemas, and ACLED's vocabularies."""

from __future__ import annotations

import pyarrow as pa

ARTICLES_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("source_ref", pa.string()),
        ("source_name", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("published_date", pa.date32()),
        ("date_source", pa.string()),
        ("language", pa.string()),
        ("text", pa.string()),
        ("n_chars", pa.int64()),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
    ]
)

EVENTS_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("article_id", pa.string()),
        ("event_date", pa.date32()),
        ("time_precision", pa.int64()),
        ("disorder_type", pa.string()),
        ("event_type", pa.string()),
        ("sub_event_type", pa.string()),
        ("actor1", pa.string()),
        ("assoc_actor_1", pa.string()),
        ("inter1", pa.string()),
        ("actor2", pa.string()),
        ("assoc_actor_2", pa.string()),
        ("inter2", pa.string()),
        ("civilian_targeting", pa.string()),
        ("country", pa.string()),
        ("iso3", pa.string()),
        ("admin1", pa.string()),
        ("admin2", pa.string()),
        ("location", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("geo_precision", pa.int64()),
        ("fatalities", pa.int64()),
        ("injuries", pa.int64()),
        ("notes", pa.string()),
        ("confidence", pa.float64()),
        ("extractor_version", pa.string()),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        ("record_ref", pa.string()),
        ("stage", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("payload", pa.string()),
        ("run_id", pa.string()),
        ("quarantined_at", pa.timestamp("us", tz="UTC")),
    ]
)

# Datasets the run keeps for itself (DESIGN.md: same layout): what was fetched, and every body read.
FETCH_STATE_SCHEMA = pa.schema(
    [
        ("url", pa.string()),  # the URL as listed (feed URL, page URL, or a feed entry's link), before redirects
        ("source", pa.string()),  # the source that last fetched it
        ("etag", pa.string()),
        ("last_modified", pa.string()),  # the Last-Modified header, as sent
        ("entry_stamp", pa.string()),  # a feed entry's updated/published when it was last settled ("" = the entry has none)
        ("content_sha256", pa.string()),  # of the text extracted from the last 200 (pages and entries)
        ("last_status", pa.int64()),  # HTTP status of the last try; null when no response came
        ("last_fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)

RESPONSES_SCHEMA = pa.schema(
    [
        ("url", pa.string()),  # as asked for
        ("final_url", pa.string()),  # after redirects
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("status", pa.int64()),
        ("headers", pa.string()),  # JSON list of [name, value] pairs, in order, repeats kept
        ("body", pa.large_binary()),  # content-decoded (gzip/deflate undone); large_: a run's bodies may pass 2 GiB
        ("sha256", pa.string()),  # of body
        ("source", pa.string()),
    ]
)

# The event columns an incident merges (DESIGN.md), typed as in the events dataset, then the incident's own.
MERGED_EVENT_COLUMNS = (
    "event_date", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1",
    "actor2", "assoc_actor_2", "inter2", "civilian_targeting", "country", "iso3", "admin1", "admin2", "location",
    "latitude", "longitude", "geo_precision", "fatalities", "injuries", "notes",
)
INCIDENTS_SCHEMA = pa.schema(
    [
        ("incident_id", pa.string()),
        *(EVENTS_SCHEMA.field(name) for name in MERGED_EVENT_COLUMNS),
        ("event_ids", pa.list_(pa.string())),
        ("source_count", pa.int64()),
        ("source_names", pa.list_(pa.string())),
        ("first_reported", pa.timestamp("us", tz="UTC")),
        ("last_reported", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
    ]
)

# A wire copy or syndicated version of an earlier article (near-duplicate text): published as an article
# too, and linked here to the first copy, so incidents count the story once.
DUPLICATE_LINKS_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),  # the copy
        ("original_article_id", pa.string()),  # the first copy of the story
        ("jaccard", pa.float64()),  # estimated word-shingle Jaccard similarity of the two texts
        ("containment", pa.float64()),  # share of the smaller text's shingles found in the other
        ("source_name", pa.string()),  # the copy's outlet
        ("url", pa.string()),
        ("linked_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "articles": ARTICLES_SCHEMA,
    "events": EVENTS_SCHEMA,
    "quarantine": QUARANTINE_SCHEMA,
    "incidents": INCIDENTS_SCHEMA,
    "duplicate_links": DUPLICATE_LINKS_SCHEMA,
    "fetch_state": FETCH_STATE_SCHEMA,
    "responses": RESPONSES_SCHEMA,
}

# Which column identifies a row of each dataset (used to replace re-processed rows); None: rows are only added.
KEY_COLUMNS = {
    "articles": "article_id", "events": "article_id", "quarantine": None, "incidents": "incident_id",
    "duplicate_links": "article_id", "fetch_state": "url", "responses": None,
}

QUARANTINE_STAGES = ("ingest", "clean", "extract", "validate")
DATE_SOURCES = ("header", "metadata", "text", "none")

# ACLED codebook: event type -> sub-event types, and each type's disorder type.
ACLED_SUB_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}
EVENT_TYPES = tuple(ACLED_SUB_EVENT_TYPES)
SUB_EVENT_TYPES = tuple(s for subs in ACLED_SUB_EVENT_TYPES.values() for s in subs)
EVENT_TYPE_OF = {s: t for t, subs in ACLED_SUB_EVENT_TYPES.items() for s in subs}

DISORDER_TYPES = (
    "Political violence",
    "Demonstrations",
    "Political violence; Demonstrations",
    "Strategic developments",
)


def disorder_type_of(sub_event_type: str) -> str:
    """ACLED's disorder type for a sub-event type."""
    if sub_event_type == "Excessive force against protesters":
        return "Political violence; Demonstrations"
    event_type = EVENT_TYPE_OF[sub_event_type]
    if event_type in ("Protests", "Riots"):
        return "Demonstrations"
    if event_type == "Strategic developments":
        return "Strategic developments"
    return "Political violence"


ACTOR_CATEGORIES = (
    "State forces",
    "Rebel group",
    "Political militia",
    "Identity militia",
    "Rioters",
    "Protesters",
    "Civilians",
    "External/Other forces",
)
CIVILIAN_TARGETING = "Civilian targeting"
