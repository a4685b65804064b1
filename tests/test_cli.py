"""The command line: run summaries, exit status, and `versions`."""

from __future__ import annotations

import json

import pytest

from conflict_events.cli import main

from conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

ARTICLE = {"id": "a1", "text": "Russian warplanes struck the town of Ariha in Idlib province on Tuesday, killing 12 civilians, monitors said.", "published": "2024-03-20"}


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "batch.jsonl").write_text(json.dumps(ARTICLE) + "\n{not json\n")
    return folder


def test_run_then_versions(prefect_server, inputs, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert main(["run", "--input", str(inputs), "--lake", str(lake)]) == 0
    out = capsys.readouterr().out
    assert "articles:     1" in out and "ingest:malformed_json" in out and "report:" in out
    assert main(["versions", "events", "--lake", str(lake)]) == 0
    listing = capsys.readouterr().out
    assert "v000001" in listing and "* " not in listing.splitlines()[0] and listing.strip().endswith("(* = current)")


def test_a_table_level_failure_fails_the_run_and_publishes_nothing(prefect_server, inputs, tmp_path, capsys, monkeypatch):
    broken = tmp_path / "expectations"
    broken.mkdir()
    for name in ("articles", "events"):
        suite = json.loads((PROJECT_ROOT / "expectations" / f"{name}.json").read_text())
        if name == "events":
            suite["expectations"][0]["kwargs"]["column_list"].append("a_column_the_code_does_not_write")
        (broken / f"{name}.json").write_text(json.dumps(suite))
    monkeypatch.setenv("CONFLICT_EVENTS_EXPECTATIONS_DIR", str(broken))
    lake = tmp_path / "lake"
    assert main(["run", "--input", str(inputs), "--lake", str(lake)]) == 1
    assert "run failed: TableValidationError" in capsys.readouterr().err
    assert not list(lake.glob("*/_CURRENT")) and not list(lake.glob("*/v*"))


def test_a_missing_input_path_is_a_usage_error_not_an_empty_success(tmp_path, capsys):
    assert main(["run", "--input", str(tmp_path / "typo"), "--lake", str(tmp_path / "lake")]) == 2
    assert "no such input" in capsys.readouterr().err
    assert not (tmp_path / "lake").exists()
