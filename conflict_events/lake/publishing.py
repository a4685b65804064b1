"""Publishing a run: which datasets it changes (run_tables), then, under the lock, what another run published
meanwhile, stage them all and flip their pointers together (all of them, or none)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Callable

import pyarrow as pa
import pyarrow.compute as pc

from conflict_events.incidents.publishing import with_incidents
from conflict_events.lake.layout import JOURNAL, POINTER, PointerSwitchError
from conflict_events.lake.quarantine_dedupe import new_quarantine_rows
from conflict_events.lake.recovery import remove_journal, under_publish_lock, write_journal
from conflict_events.lake.spool import Rows, column_values, rewritten, rows_where
from conflict_events.lake.staging import commit, discard, stage, uncommit
from conflict_events.models import QuarantineRow, RunSummary
from conflict_events.schemas import SCHEMAS

if TYPE_CHECKING:
    from conflict_events.lake.interface import Lake

Tables = dict[str, tuple[Rows, set[str] | None]]  # dataset -> (new rows, keys whose old rows they replace)


@dataclass
class PublishResult:
    """What a publish did: the new version of each dataset, quarantine rows it had already, and what another run published first."""

    versions: dict[str, str] = field(default_factory=dict)
    already_quarantined: int = 0
    # This run's new articles that another run published after this one read the lake: quarantined
    # as duplicates (another ref), or unchanged (the same ref), with their events left out.
    published_meanwhile: int = 0
    duplicates: int = 0
    unchanged: int = 0
    events_dropped: int = 0
    # Published articles replaced by a changed text fetched again from their URL (their events go with them).
    updated: int = 0
    incidents: int = 0  # incident rows written: new incidents, and published ones that gained or lost members

    def fill(self, summary: RunSummary) -> None:
        """Write what the publish did into the run summary, moving articles another run published first to duplicates or unchanged."""
        summary.versions = self.versions
        summary.already_quarantined = self.already_quarantined
        summary.published_meanwhile = self.published_meanwhile
        summary.updated = self.updated
        summary.incidents = self.incidents
        summary.articles -= self.duplicates + self.unchanged
        summary.unchanged += self.unchanged
        summary.events -= self.events_dropped
        summary.records_quarantined += self.duplicates
        summary.duplicates += self.duplicates
        summary.quarantined += self.duplicates
        if self.duplicates:
            by_reason = Counter(summary.quarantined_by_reason) + Counter({"clean:duplicate": self.duplicates})
            summary.quarantined_by_reason = dict(by_reason.most_common())


def run_tables(
    articles: Rows, events: Rows, quarantine: Rows, published: set[str] | frozenset[str] = frozenset(), others: Tables | None = None,
) -> Tables:
    """What a run publishes: articles and events (replacing rows of re-coded articles), new quarantine rows, and
    `others` (duplicate links, fetch state, responses: each with the keys whose rows it replaces).

    `published` is the article ids the run read as published: only those of its articles replace old
    rows (they were coded again); any other id found published at publish time was published by
    another run meanwhile. A dataset the run did not change gets no new version.
    """
    tables: Tables = {}
    if articles.num_rows:
        recoded = set(column_values(articles, "article_id")) & set(published)
        tables["articles"] = (articles, recoded)
        tables["events"] = (events, recoded)
    if quarantine.num_rows:
        tables["quarantine"] = (quarantine, None)
    for dataset, (rows, keys) in (others or {}).items():
        if rows.num_rows or keys:
            tables[dataset] = (rows, keys)
    return tables


def _replacing_updates(lake: Lake, tables: Tables, updated_urls: set[str], result: PublishResult) -> Tables:
    """An article read again from its URL with a changed text replaces the article published from that URL, and its events.

    Decided under the lock against the version this publish builds on; the old article's duplicate link goes too.
    """
    if not updated_urls or "articles" not in tables or (parent := lake.current_version("articles")) is None:
        return tables
    rows, _keys = tables["articles"]
    old = lake.read_matching("articles", parent, ["article_id", "url"], "url", updated_urls)
    replaced = set(old.column("article_id").to_pylist()) - set(column_values(rows, "article_id"))
    if not replaced:
        return tables
    result.updated = len(replaced)
    tables = dict(tables)
    for dataset in ("articles", "events", "duplicate_links"):
        if dataset in tables:
            rows, keys = tables[dataset]
            tables[dataset] = (rows, set(keys or ()) | replaced)
        elif dataset == "duplicate_links" and lake.current_version(dataset) is not None:
            tables[dataset] = (SCHEMAS[dataset].empty_table(), replaced)
    return tables


def _payload(article: dict) -> dict:
    """The article as a quarantine payload, in the shape of RawRecord.payload (the raw record is gone by now)."""
    published = article.get("published_date")
    return {
        "id": article["source_ref"], "title": article.get("title"), "text": article["text"], "source": article.get("source_name"),
        "url": article.get("url"), "published": published.isoformat() if isinstance(published, date) else published,
    }


def _without_published_meanwhile(lake: Lake, tables: Tables, run_id: str, result: PublishResult) -> Tables:
    """The tables without the new articles (and their events) already in the current articles version.

    Called under the publish lock, so the decision is made against the version this publish builds on:
    two runs that read the lake before either published cannot both publish one text. Each such
    article becomes a `clean:duplicate` quarantine row (as a second copy in one run would), or
    counts as unchanged when the other run published it under the same ref.
    """
    if "articles" not in tables or (parent := lake.current_version("articles")) is None:
        return tables
    rows, recoded = tables["articles"]
    candidates = set(column_values(rows, "article_id")) - (recoded or set())
    first = lake.read_matching("articles", parent, ["article_id", "source_ref"], "article_id", candidates)
    published = dict(zip(first.column("article_id").to_pylist(), first.column("source_ref").to_pylist(), strict=True))
    if not published:
        return tables
    ours = rows_where(rows, "article_id", set(published)).to_pylist()
    duplicates = [
        QuarantineRow.of(
            a["source_ref"], "clean", "duplicate",
            f"same normalised text as {published[a['article_id']]}, already published (article {a['article_id'][:12]})", _payload(a), run_id,
        ).as_record()
        for a in ours
        if a["source_ref"] != published[a["article_id"]]
    ]
    result.published_meanwhile = len(ours)
    result.duplicates = len(duplicates)
    result.unchanged = len(ours) - len(duplicates)
    gone = pa.array(sorted(published), pa.string())

    def keep(table: pa.Table) -> pa.Array:
        return pc.invert(pc.is_in(table["article_id"], value_set=gone))

    tables = dict(tables)
    articles = rewritten(rows, keep)
    if articles.num_rows or recoded:
        tables["articles"] = (articles, recoded)
    else:  # nothing of this run's is left to add or replace
        del tables["articles"]
    if "events" in tables:
        events, events_recoded = tables["events"]
        kept = rewritten(events, keep)
        result.events_dropped = events.num_rows - kept.num_rows
        if "articles" in tables:
            tables["events"] = (kept, events_recoded)
        else:
            del tables["events"]
    if duplicates:
        extra = pa.Table.from_pylist(duplicates, schema=SCHEMAS["quarantine"])
        quarantine, keys = tables.get("quarantine", (extra.schema.empty_table(), None))
        tables["quarantine"] = (rewritten(quarantine, extra=extra), keys)
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


def _points_at(lake: Lake, dataset: str, version: str) -> bool:
    """Whether `_CURRENT` names `version`; True when it cannot be read (then moving it back is the safe guess)."""
    try:
        return lake.current_version(dataset) == version
    except Exception:  # noqa: BLE001 - the storage's own errors vary; any of them leaves the question open
        return True


def _undo_switch(lake: Lake, versions: dict[str, str], failed: str, error: BaseException) -> PointerSwitchError:
    """After a failed switch: move back the pointers already moved and remove the staged versions; say exactly what holds now.

    Staged versions no pointer names go first: no reader sees them, and removing them frees the
    space (or inodes) that writing the old pointers back needs. What cannot be moved back stays
    named in the journal, and the next publish's recovery undoes it (recovery.recover).
    """
    what = f"switching {failed}/{POINTER} to {versions[failed]} failed ({type(error).__name__}: {error})"
    moved = {d: v for d, v in versions.items() if _points_at(lake, d, v)}
    left: list[str] = []  # staged folders not removed: the next publish removes them
    for dataset, version in versions.items():
        if dataset not in moved:
            try:
                discard(lake, dataset, version)
            except OSError:
                left.append(f"{dataset}/{version}")
    stuck: dict[str, str] = {}
    for dataset, version in moved.items():
        try:
            uncommit(lake, dataset, version)
        except Exception:  # noqa: BLE001 - whatever the storage raised, the pointer still names this run's version
            stuck[dataset] = version
            continue
        try:
            discard(lake, dataset, version)
        except OSError:
            left.append(f"{dataset}/{version}")
    if stuck:
        named = ", ".join(f"{d}/{POINTER} names {v}" for d, v in stuck.items())
        others = ", ".join(f"{d}/{POINTER}" for d in versions if d not in stuck)
        return PointerSwitchError(
            f"published in part: {what}, and moving back failed: {named} (this run's), while {others} name their previous "
            "versions; readers see these datasets disagree until the next publish to this lake finishes or undoes the switch "
            f"(its recovery reads the journal {JOURNAL})", stuck,
        )
    back = f"; moved back {', '.join(f'{d}/{POINTER}' for d in moved)}" if moved else ""
    if left:
        back += f"; the next publish removes the staged {', '.join(left)}"
    else:
        remove_journal(lake)
    return PointerSwitchError(f"nothing published: {what}{back}; every pointer names the version it named before", {})


def publish_all(
    lake: Lake, tables: Tables, run_id: str, metadata: dict[str, dict], lock_timeout: float, say: Callable[[str], None],
    updated_urls: set[str] | frozenset[str] = frozenset(),
) -> PublishResult:
    """Under the publish lock: leave out what is published already, replace updated articles, merge the run's events
    into the incidents, stage every changed dataset, then flip the pointers.

    A failure before the first flip publishes nothing; a failed flip moves back the pointers already
    flipped (PointerSwitchError says which moved, and whether any stayed). A lost pointer is refused
    (LostPointer) rather than read as a dataset never published.
    """
    result = PublishResult()
    with under_publish_lock(lake, run_id, lock_timeout, say):
        lake.current_versions()  # raises LostPointer
        tables = _without_published_meanwhile(lake, tables, run_id, result)
        tables = _replacing_updates(lake, tables, set(updated_urls), result)
        tables = with_incidents(lake, tables, run_id)
        result.incidents = tables["incidents"][0].num_rows if "incidents" in tables else 0
        tables = _without_published_quarantine(lake, tables, result)
        if not tables:
            return result
        write_journal(lake, run_id, tables)
        staged: dict[str, str] = {}
        try:
            for dataset, (rows, replace_keys) in tables.items():
                staged[dataset] = stage(lake, dataset, rows, run_id, replace_keys, metadata.get(dataset))
        except BaseException:
            for dataset, version in staged.items():
                discard(lake, dataset, version)
            remove_journal(lake)
            raise
        for dataset, version in staged.items():
            try:
                commit(lake, dataset, version)
            except Exception as exc:
                raise _undo_switch(lake, staged, dataset, exc) from exc
        remove_journal(lake)
        result.versions = staged
    return result
