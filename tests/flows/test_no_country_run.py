"""Issue 14, through a run: the record's own country places an event whose text names none; without one the
event is an `extract:no_country` quarantine row in the lake, and the run goes on."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest

from conftest import read_current

pytestmark = pytest.mark.slow

UNPLACED = "Gunmen shot dead five villagers and torched their homes on Tuesday night, a local official said on Wednesday."


def test_a_run_places_events_by_the_records_country_or_quarantines_them_with_the_reason(tmp_path):
    from conflict_events.models import RunContext
    from conflict_events.settings import get_settings, quality_dir
    from flows.direct import direct_wiring
    from flows.run_loop import run_batches
    from tasks import prefect_tasks as stages

    feed = tmp_path / "feed"
    feed.mkdir()
    records = [
        {"id": "hinted", "text": UNPLACED, "published": "2024-03-20", "country": "Nigeria"},
        {"id": "unhinted", "text": UNPLACED.replace("five", "six"), "published": "2024-03-20"},
        {"id": "placed", "text": "Gunmen shot dead four villagers in Konduga in Borno State on Tuesday.", "published": "2024-03-20"},
    ]
    (feed / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    settings = get_settings(lake=str(tmp_path / "lake"), workers=1, quality_dir=tmp_path / "quality")
    context = RunContext("run-1", datetime.now(timezone.utc).date(), quality_dir(settings))
    with direct_wiring(1) as wiring:
        summary = run_batches([str(feed)], False, settings, context, stages.lake_state.fn(settings.lake), wiring, logging.getLogger("test"))
    assert summary.quarantined_by_reason.get("extract:no_country") == 1
    articles = {a["article_id"]: a["source_ref"] for a in read_current(settings.lake, "articles").table.to_pylist()}
    events = {articles[e["article_id"]]: (e["country"], e["admin1"], e["fatalities"]) for e in read_current(settings.lake, "events").table.to_pylist()}
    assert events == {"hinted": ("Nigeria", None, 5), "placed": ("Nigeria", "Borno", 4)}
    (row,) = [q for q in read_current(settings.lake, "quarantine").table.to_pylist() if q["reason"] == "no_country"]
    assert row["record_ref"] == "unhinted" and json.loads(row["payload"])["fatalities"] == 6
    assert set(articles.values()) == {"hinted", "unhinted", "placed"}  # the article itself is kept, its text traceable
    assert summary.records_quarantined == 0 and summary.events_quarantined == 1 and summary.unaccounted == 0
