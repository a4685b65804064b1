"""validate: a batch's articles and events through the GX suites; failing rows, and events of failed articles, go to quarantine."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from conflict_events.models import QuarantineRow
from conflict_events.quality.results import BatchCheck
from conflict_events.quality.validator import Validator
from conflict_events.schemas import SCHEMAS


@dataclass(frozen=True)
class ValidatedBatch:
    """What passed, what was quarantined, and the two checks the run folds into its report."""

    articles: pa.Table
    events: pa.Table
    quarantined: list[QuarantineRow]
    checks: tuple[BatchCheck, BatchCheck]


def drop_orphan_events(events: pa.Table, kept_article_ids: set[str], run_id: str) -> tuple[pa.Table, list[QuarantineRow]]:
    """Events whose article failed validation go to quarantine with it: no event without its article."""
    orphan = [i for i, a in enumerate(events.column("article_id").to_pylist()) if a not in kept_article_ids]
    if not orphan:
        return events, []
    quarantined = [
        QuarantineRow.of(row["event_id"], "validate", "article_rejected", "its article failed validation", row, run_id)
        for row in events.take(pa.array(orphan, pa.int64())).to_pylist()
    ]
    keep = [i for i in range(events.num_rows) if i not in set(orphan)]
    return events.take(pa.array(keep, pa.int64())), quarantined


def validate_batch(validator: Validator, articles: list[dict], events: list[dict], run_id: str) -> ValidatedBatch:
    """Articles first; events of rejected articles follow them to quarantine; then the remaining events."""
    articles_table = pa.Table.from_pylist(articles, schema=SCHEMAS["articles"])
    events_table = pa.Table.from_pylist(events, schema=SCHEMAS["events"])
    good_articles, bad_articles, articles_check = validator.validate("articles", articles_table, run_id)
    events_table, orphans = drop_orphan_events(events_table, set(good_articles.column("article_id").to_pylist()), run_id)
    good_events, bad_events, events_check = validator.validate("events", events_table, run_id)
    return ValidatedBatch(good_articles, good_events, bad_articles + orphans + bad_events, (articles_check, events_check))
