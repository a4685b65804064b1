"""Retention: remove old versions, never a current one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conflict_events.lake.recovery import under_publish_lock
from conflict_events.lake.staging import discard
from conflict_events.schemas import SCHEMAS

if TYPE_CHECKING:
    from conflict_events.lake.interface import Lake


def prune(lake: Lake, keep: int, timeout: float) -> dict[str, list[dict[str, Any]]]:
    """Remove all but the newest `keep` complete versions of each dataset; never a current one (LostPointer if one is unknown).

    Returns the removed versions (with their run ids, so their Data Docs pages can go too).
    """
    if keep < 1:
        raise ValueError("keep must be at least 1: the current version always stays")
    removed: dict[str, list[dict[str, Any]]] = {}
    with under_publish_lock(lake, "prune", timeout, lambda _: None):
        currents = lake.current_versions()  # a lost pointer is refused: which version to keep would be a guess
        for dataset in SCHEMAS:
            current = currents[dataset]
            complete = [v for v in lake.version_folders(dataset) if lake.manifest(dataset, v) is not None]
            for version in complete[:-keep]:
                if version == current:
                    continue
                run_id = lake.manifest(dataset, version)["run_id"]
                discard(lake, dataset, version)
                removed.setdefault(dataset, []).append({"version": version, "run_id": run_id})
    return removed
