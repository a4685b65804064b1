"""Publishing a run: which datasets it changes (run_tables), then stage them all and flip their pointers together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from conflict_events.lake.quarantine_dedupe import new_quarantine_rows
from conflict_events.lake.recovery import remove_journal, under_publish_lock, write_journal
from conflict_events.lake.spool import Rows, column_values
from conflict_events.lake.staging import commit, discard, stage

if TYPE_CHECKING:
    from conflict_events.lake.interface import Lake

Tables = dict[str, tuple[Rows, set[str] | None]]  # dataset -> (new rows, keys whose old rows they replace)


@dataclass
class PublishResult:
    """What a publish did: the new version of each dataset, and quarantine rows it had already."""

    versions: dict[str, str] = field(default_factory=dict)
    already_quarantined: int = 0


def run_tables(articles: Rows, events: Rows, quarantine: Rows) -> Tables:
    """What a run publishes: articles and events (replacing rows of re-coded articles) and new quarantine rows.

    A dataset the run did not change gets no new version.
    """
    tables: Tables = {}
    if articles.num_rows:
        coded = set(column_values(articles, "article_id"))
        tables["articles"] = (articles, coded)
        tables["events"] = (events, coded)
    if quarantine.num_rows:
        tables["quarantine"] = (quarantine, None)
    return tables


def _without_published_quarantine(lake: Lake, tables: Tables, result: PublishResult) -> Tables:
    """The tables with quarantine rows already published left out (counted in `result`); no quarantine entry if none is new."""
    tables = dict(tables)
    if "quarantine" in tables:
        rows, keys = tables["quarantine"]
        fresh = new_quarantine_rows(lake, rows)
        result.already_quarantined = rows.num_rows - fresh.num_rows
        if fresh.num_rows:
            tables["quarantine"] = (fresh, keys)
        else:
            del tables["quarantine"]
    return tables


def publish_all(
    lake: Lake, tables: Tables, run_id: str, metadata: dict[str, dict], lock_timeout: float, say: Callable[[str], None]
) -> PublishResult:
    """Under the publish lock: stage every changed dataset, then flip the pointers.

    A failure before the first flip publishes nothing. Quarantine rows already published are not
    added again; a dataset left with nothing new gets no new version.
    """
    result = PublishResult()
    with under_publish_lock(lake, run_id, lock_timeout, say):
        tables = _without_published_quarantine(lake, tables, result)
        if not tables:
            return result
        write_journal(lake, run_id, tables)
        try:
            for dataset, (rows, replace_keys) in tables.items():
                result.versions[dataset] = stage(lake, dataset, rows, run_id, replace_keys, metadata.get(dataset))
        except BaseException:
            for dataset, version in result.versions.items():
                discard(lake, dataset, version)
            remove_journal(lake)
            raise
        for dataset, version in result.versions.items():
            commit(lake, dataset, version)
        remove_journal(lake)
    return result
