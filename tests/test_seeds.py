"""`conflict-events run --input ../shared/seeds` codes every required event of seeds_gold.json."""

from __future__ import annotations

import json
from datetime import date

import pyarrow.parquet as pq
import pytest

from conflict_events.cli import main
from tasks.evaluate import admin1_matches

pytestmark = pytest.mark.slow


def matches(event: dict, gold: dict) -> bool:
    if event["sub_event_type"] != gold["sub_event_type"] or event["country"] != gold["country"]:
        return False
    if not admin1_matches(event["admin1"], gold["admin1"], gold.get("admin1_also", [])):
        return False
    if event["fatalities"] != gold["fatalities"]:
        return False
    if gold["event_date"] is None:
        return event["event_date"] is None
    return event["event_date"] is not None and abs((event["event_date"] - date.fromisoformat(gold["event_date"])).days) <= gold.get("tolerance_days", 0)


def test_seeds_required_events(prefect_server, shared_dir, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert main(["run", "--input", str(shared_dir / "seeds"), "--lake", str(lake)]) == 0
    assert "published:" in capsys.readouterr().out
    articles = pq.read_table(lake / "articles" / (lake / "articles" / "_CURRENT").read_text().strip()).to_pylist()
    events = pq.read_table(lake / "events" / (lake / "events" / "_CURRENT").read_text().strip()).to_pylist()
    article_of = {a["source_ref"]: a["article_id"] for a in articles}
    gold = json.loads((shared_dir / "eval" / "seeds_gold.json").read_text())["articles"]
    missing = []
    for name, coding in gold.items():
        coded = [e for e in events if e["article_id"] == article_of[name]]
        for wanted in (g for g in coding["events"] if g["required"]):
            if not any(matches(e, wanted) for e in coded):
                missing.append((name, wanted["sub_event_type"], [(e["sub_event_type"], e["admin1"], e["fatalities"], str(e["event_date"])) for e in coded]))
    assert missing == []
    # The Tehran meeting in the first seed is talks, not violence: its only event is the Israeli strike.
    first = [e for e in events if e["article_id"] == article_of["000_2ed2d417069db657.txt"]]
    assert [e["actor1"] for e in first] == ["Military Forces of Israel"]
