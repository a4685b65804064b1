"""Incidents: one row per real incident, merged across the articles that report it (issue 15).

- `near_duplicates`: wire copies and syndicated versions of one story (MinHash signatures, LSH index).
- `merge`: events of different articles that are one incident, merged into `incidents` rows (incremental).
- `scoring`: pairwise precision and recall of same-incident links between articles.

The modules are pure (rows in, rows out); the flow and the lake wire them.
"""

from conflict_events.incidents.merge import (
    INCIDENTS_SCHEMA,
    MergeResult,
    build_incidents,
    incidents_table,
    merge_incidents,
    with_article_columns,
)

_NEAR_DUPLICATES = ("NearDuplicateIndex", "find_originals", "signature")


def __getattr__(name: str):
    """The near-duplicate names, imported on first use (datasketch and numpy are not needed to merge)."""
    if name in _NEAR_DUPLICATES:
        from conflict_events.incidents import near_duplicates

        return getattr(near_duplicates, name)
    raise AttributeError(name)


__all__ = [
    "INCIDENTS_SCHEMA",
    "MergeResult",
    "NearDuplicateIndex",
    "build_incidents",
    "find_originals",
    "incidents_table",
    "merge_incidents",
    "signature",
    "with_article_columns",
]
