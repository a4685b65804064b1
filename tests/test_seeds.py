"""`conflict-events evaluate` on ../shared/seeds codes every required event of seeds_gold.json."""

from __future__ import annotations

import json

import pytest

from conflict_events.cli import main
from conflict_events.evaluation.evaluate import evaluate
from conflict_events.evaluation.gold import load_gold
from conflict_events.lake.factory import open_lake
from conflict_events.models import QuarantineRow

pytestmark = pytest.mark.slow

TEHRAN_MEETING = "000_2ed2d417069db657.txt"


def test_seeds_required_events(prefect_server, shared_dir, tmp_path, capsys):
    lake = tmp_path / "lake"
    gold_path = shared_dir / "eval" / "seeds_gold.json"
    assert main(["evaluate", "--articles", str(shared_dir / "seeds"), "--gold", str(gold_path), "--lake", str(lake)]) == 0
    out = capsys.readouterr().out
    assert "ran the pipeline" in out
    metrics = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    missing = [line for line in out.splitlines() if " event: " in line]
    assert metrics["required_found"] == metrics["required_total"] == 4, missing
    # Who acted and as what, as the reference coding has it, for every required event.
    assert metrics["agree_actor1"] == metrics["agree_inter1"] == 1.0, out
    # The Tehran meeting in the first seed is talks, not violence: its only event is the Israeli strike.
    published = open_lake(str(lake))
    kind, gold = load_gold(gold_path)
    articles, events, quarantine = (published.read_current(d) for d in ("articles", "events", "quarantine"))
    quarantined = [QuarantineRow(**row) for row in quarantine.to_pylist()] if quarantine is not None else []  # no version: nothing quarantined
    result = evaluate(kind, gold, articles.to_pylist(), events.to_pylist(), quarantined)
    first = result["articles"][TEHRAN_MEETING]
    assert [e["actor1"] for e in first["events"]] == ["Military Forces of Israel"] and first["extra"] == []
