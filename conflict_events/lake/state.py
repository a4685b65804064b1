"""What the lake already holds, so a run codes only what is new (or everything, when the coder changed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from conflict_events.lake.factory import open_lake
from conflict_events.schemas import SCHEMAS


@dataclass
class LakeState:
    """The current articles version as far as a run needs it."""

    versions: dict[str, str | None] = field(default_factory=dict)
    published: dict[str, str] = field(default_factory=dict)  # article_id -> source_ref
    extractor_version: str | None = None  # of the current articles version

    def recode_reason(self, extractor_version: str, full: bool) -> str | None:
        """Why this run must code every article again, or None when it may code only new ones."""
        if full:
            return "a full rebuild was asked for"
        if self.published and self.extractor_version != extractor_version:
            return f"the extractor changed ({self.extractor_version} -> {extractor_version})"
        return None


def read_lake_state(lake_url: str) -> LakeState:
    """Read the current versions, the published article ids and the extractor that coded them.

    A pointer lost while its dataset still has versions is refused (LostPointer) before the run does
    any work: read as "nothing published", it would make the run publish without those rows.
    """
    lake = open_lake(lake_url)
    state = LakeState(versions=lake.current_versions())
    version = state.versions["articles"]
    if version is None:
        return state
    ids = lake.read_version("articles", version, ["article_id", "source_ref"])
    state.published = dict(zip(ids.column("article_id").to_pylist(), ids.column("source_ref").to_pylist(), strict=True))
    state.extractor_version = (lake.manifest("articles", version) or {}).get("extractor_version")
    return state


def published_articles(lake_url: str, version: str, skip_ids: set[str], batch_size: int) -> Iterator[list[dict]]:
    """The published articles not in `skip_ids`, a batch at a time (to code them again without holding them all)."""
    lake = open_lake(lake_url)
    skip = pa.array(sorted(skip_ids), pa.string())
    for entry in lake.manifest("articles", version)["files"]:
        with lake.fs.open(lake.path("articles", version, entry["path"]), "rb") as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=batch_size):
                table = pa.Table.from_batches([batch]).cast(SCHEMAS["articles"])
                table = table.filter(pc.invert(pc.is_in(table["article_id"], value_set=skip)))
                if table.num_rows:
                    yield table.to_pylist()
