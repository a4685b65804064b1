"""The lake after a crash trial, read the way a consumer reads it: what the current versions hold, which rows
were lost, what verify_lake finds, and what a kill left behind (a journal, versions without a manifest).

Used by bench/crash.py's trials and tests/flows/test_crash.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from bench.bad_input import Expected
from conflict_events.lake.factory import open_lake
from conflict_events.lake.layout import JOURNAL
from conflict_events.lake.verify import Finding, verify_lake


@dataclass
class Snapshot:
    """What the lake's current versions hold: article ids and refs, quarantine findings (ref, "stage:reason")."""

    article_ids: set[str] = field(default_factory=set)
    source_refs: set[str] = field(default_factory=set)
    findings: set[tuple[str, str]] = field(default_factory=set)
    duplicate_ids: int = 0
    orphan_events: int = 0


def snapshot(lake: Path) -> Snapshot:
    """Read the current versions (through `_CURRENT` and each manifest's file list)."""
    if not Path(lake).is_dir():
        return Snapshot()
    store = open_lake(str(lake))
    articles = store.read_current("articles", ["article_id", "source_ref"])
    events = store.read_current("events", ["article_id"])
    quarantine = store.read_current("quarantine", ["record_ref", "stage", "reason"])
    shot = Snapshot()
    if articles is not None:
        ids = articles.column("article_id").to_pylist()
        shot.article_ids, shot.source_refs = set(ids), set(articles.column("source_ref").to_pylist())
        shot.duplicate_ids = len(ids) - len(shot.article_ids)
    if events is not None:
        shot.orphan_events = sum(1 for a in events.column("article_id").to_pylist() if a not in shot.article_ids)
    if quarantine is not None:
        q = quarantine.to_pydict()
        shot.findings = {(r, f"{s}:{why}") for r, s, why in zip(q["record_ref"], q["stage"], q["reason"], strict=True)}
    return shot


def lost_rows(expected: Iterable[Expected], before: Snapshot, after: Snapshot) -> list[str]:
    """Every row lost: an input record neither published nor quarantined as expected, or an earlier row gone."""
    lost = []
    for e in expected:
        found = e.ref in after.source_refs if e.outcome == "article" else (e.ref, e.outcome) in after.findings
        if not found:
            lost.append(f"{e.kind}: {e.ref!r} is not {'published' if e.outcome == 'article' else 'quarantined as ' + e.outcome}")
    lost += [f"article {a} was published before the trial and is gone" for a in sorted(before.article_ids - after.article_ids)]
    lost += [f"quarantine row {f} was published before the trial and is gone" for f in sorted(before.findings - after.findings)]
    return lost


def consistency(shot: Snapshot) -> list[str]:
    """Cross-dataset faults in the current versions: an article twice, an event of no current article."""
    faults = []
    if shot.duplicate_ids:
        faults.append(f"{shot.duplicate_ids} duplicate article_id rows in articles")
    if shot.orphan_events:
        faults.append(f"{shot.orphan_events} events whose article is not in articles")
    return faults


def lake_state(lake: Path, notes: list[Finding]) -> str:
    """What a kill left, in a few words: the journal (and which of its datasets were switched), and verify's notes."""
    lake = Path(lake)
    if not lake.is_dir():
        return "no lake"
    parts = []
    journal = lake / JOURNAL
    if journal.exists():
        info = json.loads(journal.read_text())
        store = open_lake(str(lake))
        staged, switched = [], []
        for dataset in info["datasets"]:
            current = store.current_version(dataset)
            for version in store.version_folders(dataset):
                if (store.manifest(dataset, version) or {}).get("run_id") == info["run_id"]:
                    (switched if version == current else staged).append(dataset)
        parts.append(f"journal({len(info['datasets'])} datasets: {len(staged)} staged, {len(switched)} switched)")
    for kind, label in (("incomplete_version", "no-manifest"), ("temp_file", "temp")):
        count = sum(1 for n in notes if n.kind == kind)
        if count:
            parts.append(f"{count} {label}")
    return " ".join(parts) or "clean"


def findings(lake: Path) -> tuple[list[Finding], list[Finding]]:
    """verify_lake's problems and notes (none of either before the lake exists)."""
    if not Path(lake).is_dir():
        return [], []
    report = verify_lake(str(lake))
    return report.problems, report.notes


def describe(items: Iterable[Finding]) -> list[str]:
    """Findings as one line each."""
    return [f"{f.kind}: {f.path} ({f.detail})" for f in items]
