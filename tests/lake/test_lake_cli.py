"""The lake commands on a damaged lake: one line and an exit status, never a traceback."""

from __future__ import annotations

from conflict_events.cli import main
from conflict_events.lake.factory import open_lake

from conftest import quarantine_table


def small_lake(tmp_path):
    lake = tmp_path / "lake"
    open_lake(str(lake)).publish_all({"quarantine": (quarantine_table("a"), None)}, "run1", {})
    return lake


def test_versions_on_a_corrupt_manifest_prints_one_line_naming_it_and_exits_2(tmp_path, capsys):
    lake = small_lake(tmp_path)
    manifest = lake / "quarantine" / "v000001" / "_manifest.json"
    manifest.write_text("{half")
    assert main(["versions", "quarantine", "--lake", str(lake)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("conflict-events: cannot list quarantine versions: ") and str(manifest) in captured.err


def test_verify_reports_a_manifest_replaced_by_a_folder_as_a_problem(tmp_path, capsys):
    lake = small_lake(tmp_path)
    manifest = lake / "quarantine" / "v000001" / "_manifest.json"
    manifest.unlink()
    manifest.mkdir()
    assert main(["verify", "--lake", str(lake)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM quarantine/v000001/_manifest.json: bad_manifest: " in out
