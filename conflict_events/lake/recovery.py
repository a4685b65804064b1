"""Crash recovery: the publish journal, and finishing or undoing what a killed run left behind.

A publish writes a journal naming its run before staging and removes it after the last pointer
switch, so a journal found under the publish lock belongs to a run that died.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from conflict_events.lake.layout import JOURNAL, MANIFEST, POINTER
from conflict_events.lake.staging import commit, discard, uncommit
from conflict_events.schemas import SCHEMAS

if TYPE_CHECKING:
    from conflict_events.lake.interface import Lake


def write_journal(lake: Lake, run_id: str, datasets: Iterable[str]) -> None:
    """Name the run about to stage `datasets`, so a run that dies while publishing can be finished or undone."""
    lake.write_bytes_atomically(lake.path(JOURNAL), json.dumps({"run_id": run_id, "datasets": sorted(datasets)}).encode("utf-8"))


def remove_journal(lake: Lake) -> None:
    """The publish is over (done, or undone)."""
    lake.fs.rm(lake.path(JOURNAL))


@contextmanager
def under_publish_lock(lake: Lake, run_id: str, timeout: float, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the lake's publish lock, then tidy what crashed runs left, before the block writes anything."""
    with lake.publish_lock(run_id, timeout, say):
        recover(lake, say)
        yield


def recover(lake: Lake, say: Callable[[str], None]) -> None:
    """Finish or undo what a killed (or failed) run left; call it only under the publish lock.

    If the dead run (the journal's) had switched any pointer and every dataset it journaled is either
    switched or staged, its other staged versions are switched too (the run completes). If a journaled
    dataset has neither (its staged version was removed when a failed switch was being undone), the
    switched pointers move back and the run never happened; so it does when nothing was switched.
    Folders without a manifest were never complete and go. Versions newer than `_CURRENT` that the
    journal does not name (say, after an operator rolled a pointer back) are left alone.
    """
    for path in lake.temp_files():
        say(f"removing {path}: a killed run left it half-written")
        lake.fs.rm(path)
    # A staging run numbers its folder past every folder there, so what a killed publish left is
    # newer than `_CURRENT`; an older folder without a manifest is a removal (prune) cut short.
    current = {d: lake.current_version(d) for d in SCHEMAS if lake.fs.exists(lake.path(d))}
    newer: dict[str, dict[str, dict]] = {}  # dataset -> version -> manifest
    for dataset, pointer in current.items():
        for version in lake.version_folders(dataset):
            if version == pointer:
                continue
            if not lake.fs.exists(lake.path(dataset, version, MANIFEST)):
                say(f"removing {dataset}/{version}: a killed run left it without a manifest")
                discard(lake, dataset, version)
            elif pointer is None or version > pointer:
                newer.setdefault(dataset, {})[version] = lake.manifest(dataset, version)
            # else: an older complete version, kept until prune removes it
    journal = lake.path(JOURNAL)
    if not lake.fs.exists(journal):
        return
    entry = json.loads(lake.fs.cat_file(journal))
    run_id = entry["run_id"]
    staged = {d: v for d, versions in newer.items() for v, manifest in versions.items() if manifest["run_id"] == run_id}
    switched = {d: v for d, v in current.items() if v is not None and lake.manifest(d, v)["run_id"] == run_id}
    journaled = set(entry.get("datasets") or ()) or set(staged) | set(switched)
    if switched and journaled <= set(staged) | set(switched):
        for dataset, version in staged.items():
            say(f"making {dataset}/{version} current: run {run_id} was killed while switching pointers")
            commit(lake, dataset, version)
    else:
        for dataset, version in switched.items():
            say(f"moving {dataset}/{POINTER} back from {version}: run {run_id} failed while switching pointers")
            uncommit(lake, dataset, version)
            discard(lake, dataset, version)
        for dataset, version in staged.items():
            say(f"removing {dataset}/{version}: run {run_id} was killed before publishing")
            discard(lake, dataset, version)
    remove_journal(lake)
