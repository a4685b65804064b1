"""The command line: run summaries, exit status, and `versions`."""

from __future__ import annotations

import json
import os

import pytest

from conflict_events.cli import main

from conftest import PROJECT_ROOT, flip_byte_in_place, quarantine_table

ARTICLE = {"id": "a1", "text": "Russian warplanes struck the town of Ariha in Idlib province on Tuesday, killing 12 civilians, monitors said.", "published": "2024-03-20"}


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "batch.jsonl").write_text(json.dumps(ARTICLE) + "\n{not json\n")
    return folder


@pytest.mark.slow
def test_run_then_versions(prefect_server, inputs, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert main(["run", "--input", str(inputs), "--lake", str(lake)]) == 0
    out = capsys.readouterr().out
    assert "articles:     1" in out and "ingest:malformed_json" in out and "report:" in out
    assert "accounted:    2 of 2 records in" in out
    assert main(["versions", "events", "--lake", str(lake)]) == 0
    listing = capsys.readouterr().out
    assert "v000001" in listing and "* " not in listing.splitlines()[0] and listing.strip().endswith("(* = current)")


@pytest.mark.slow
def test_a_second_run_on_the_same_input_says_nothing_new_and_prune_keeps_the_newest(prefect_server, inputs, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert main(["run", "--input", str(inputs), "--lake", str(lake)]) == 0
    assert main(["run", "--input", str(inputs), "--lake", str(lake)]) == 0
    out = capsys.readouterr().out.split("\nrun ")[-1]
    assert "(incremental)" in out and "unchanged:    1" in out and "published:    nothing new" in out
    assert "1 rows already in quarantine, not added again" in out
    assert main(["run", "--input", str(inputs), "--lake", str(lake), "--full"]) == 0
    assert "(full: a full rebuild was asked for)" in capsys.readouterr().out
    (inputs / "more.jsonl").write_text(json.dumps({**ARTICLE, "id": "a2", "text": ARTICLE["text"].replace("12", "14")}) + "\n")
    assert main(["run", "--input", str(inputs), "--lake", str(lake)]) == 0
    capsys.readouterr()
    first_run, full_run = (json.loads((lake / "events" / v / "_manifest.json").read_text())["run_id"] for v in ("v000001", "v000002"))
    docs = lake / "_quality" / "gx" / "uncommitted"
    pages = lambda run: list(docs.glob(f"data_docs/local_site/validations/*/{run}")) + list(docs.glob(f"validations/*/{run}"))  # noqa: E731
    assert pages(first_run) and pages(full_run)
    assert main(["prune", "--keep", "1", "--lake", str(lake)]) == 0
    out = capsys.readouterr().out
    assert "articles: removed v000001, v000002" in out and "events: removed v000001, v000002" in out
    assert [p.name for p in sorted((lake / "events").glob("v*"))] == ["v000003"]
    assert [p.name for p in sorted((lake / "quarantine").glob("v*"))] == ["v000001"]  # current: always kept
    assert pages(first_run)  # the first run still owns quarantine v000001
    assert not pages(full_run) and not (docs / "data_docs" / "local_site" / "runs" / f"{full_run}.html").exists()
    assert full_run not in (docs / "data_docs" / "local_site" / "index.html").read_text()


def test_serve_without_a_server_or_with_a_bad_schedule_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["serve", "--input", str(tmp_path)]) == 2
    assert "make server" in capsys.readouterr().err
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert main(["serve", "--input", str(tmp_path), "--timezone", "Mars/Olympus"]) == 2
    assert "unknown time zone" in capsys.readouterr().err
    assert main(["serve", "--input", str(tmp_path), "--cron", "every hour"]) == 2
    assert "bad schedule" in capsys.readouterr().err
    assert main(["serve", "--input", str(tmp_path / "missing")]) == 2
    assert "no such input" in capsys.readouterr().err


@pytest.mark.slow
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


@pytest.mark.parametrize(
    "options, named",
    [
        (["--batch-size", "0"], "batch_size"), (["--workers", "-1"], "workers"), (["--workers", "10000"], "workers"),
        (["--lake", ""], "lake"), (["--lake", "  "], "lake"),
    ],
)
def test_bad_run_options_are_one_line_and_exit_2_before_anything_starts(options, named, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an empty --lake must not fall back to ./data/lake
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["run", "--input", str(PROJECT_ROOT / "data" / "samples"), *options]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("conflict-events: bad run settings: " + named), err
    assert not any(tmp_path.iterdir())  # no lake, no server state, nothing started


@pytest.mark.parametrize("command", [["versions", "events"], ["prune", "--keep", "1"], ["verify"]])
def test_an_empty_lake_option_is_refused_not_read_as_the_current_folders_lake(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--lake", ""]) == 2
    assert capsys.readouterr().err == "conflict-events: bad lake: lake: the lake must name a folder or URL\n"
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("argv", [[], ["versions", "everything"], ["prune", "--keep", "some"], ["run", "--input", "x", "--bogus"]])
def test_usage_errors_of_the_parser_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "Usage: conflict-events" in capsys.readouterr().err


def test_a_run_with_nothing_to_read_says_what_to_give(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    assert capsys.readouterr().err == "conflict-events: nothing to read: give --input PATH (repeatable) and/or --sources FILE\n"
    assert not any(tmp_path.iterdir())


def test_a_bad_sources_file_is_refused_before_anything_starts(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nname = "a"\nfeed = "ftp://example.org/feed"\n')
    assert main(["run", "--sources", str(bad), "--lake", str(tmp_path / "lake")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"conflict-events: {bad}") and err.count("\n") == 1, err
    assert not (tmp_path / "lake").exists()


def test_server_says_where_to_look_then_becomes_the_prefect_server(capsys, monkeypatch):
    monkeypatch.delenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", raising=False)
    started = []

    def fake_exec(path, args):
        started.append(args[1:])
        raise SystemExit(0)  # a real exec never returns

    monkeypatch.setattr("os.execv", fake_exec)
    assert main(["server", "--port", "4311"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Prefect UI:  http://127.0.0.1:4311\n")
    assert f"SQLite in {os.environ['PREFECT_HOME']}/prefect.db" in out and "export PREFECT_API_URL=http://127.0.0.1:4311/api" in out
    assert started == [["-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", "4311"]]


# --- evaluate ---------------------------------------------------------------------------------

BOMB = {"id": "a4", "text": "A car bomb exploded in the town of Azaz in Aleppo province on Monday, killing five people, a monitoring group said.", "published": "2024-03-20"}
EVAL_ARTICLES = [ARTICLE, {**ARTICLE, "id": "a2", "published": "2024-03-21"}, {"id": "a3", "text": "Shelling in Idlib."}, BOMB]
# a2 repeats a1's text with a different label (as FA-KES does); a3 is too short to be an article.
EVAL_GOLD = [
    {"id": "a1", "event_date": "2024-03-19", "admin1": "Idlib", "admin1_also": [], "actor_class": "syrian_government_or_russia", "cause_of_death": "shelling", "fatalities": 12},
    {"id": "a2", "event_date": "2024-03-19", "admin1": "Idlib", "admin1_also": [], "actor_class": "unknown", "cause_of_death": "shelling", "fatalities": 10},
    {"id": "a3", "event_date": "2024-03-19", "admin1": "Idlib", "admin1_also": [], "actor_class": "unknown", "cause_of_death": "shelling", "fatalities": 3},
    {"id": "a4", "event_date": "2024-03-18", "admin1": "Aleppo", "admin1_also": [], "actor_class": "unknown", "cause_of_death": "explosion", "fatalities": 6},
]


@pytest.fixture
def eval_files(tmp_path):
    articles, gold = tmp_path / "articles.jsonl", tmp_path / "gold.jsonl"
    articles.write_text("".join(json.dumps(a) + "\n" for a in EVAL_ARTICLES))
    gold.write_text("".join(json.dumps(g) + "\n" for g in EVAL_GOLD))
    return articles, gold


def printed_metrics(out: str) -> dict:
    """The one JSON line of metrics `evaluate` prints."""
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert len(lines) == 1, out
    return json.loads(lines[0])


@pytest.mark.slow
def test_evaluate_runs_the_pipeline_in_a_temporary_lake_and_prints_metrics_and_errors(prefect_server, eval_files, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # to see that the temporary lake is gone afterwards
    articles, gold = eval_files
    assert main(["evaluate", "--articles", str(articles), "--gold", str(gold)]) == 0
    out = capsys.readouterr().out
    metrics = printed_metrics(out)
    # a2 (duplicate text) is scored against a1's event; a3 was quarantined, so it has none.
    assert metrics["articles"] == 4 and metrics["with_event"] == 0.75
    assert metrics["fatalities_exact"] == 0.25 and metrics["fatalities_within_20pct"] == 0.75
    assert out.index("ran the pipeline") < out.index("metric ") < out.index("worst errors")
    errors = out[out.index("worst errors"):].splitlines()[1:]
    assert errors[0] == "- a3 event: expected 'an event', got 'quarantined clean:too_short'"
    assert any(line.startswith("- a2 fatalities: expected 10, got 12 | Russian warplanes") for line in errors)
    assert not list(tmp_path.glob("conflict-events-evaluate-*"))


@pytest.mark.slow
def test_evaluate_with_a_published_lake_reads_it_instead_of_running_again(prefect_server, eval_files, tmp_path, capsys):
    articles, gold = eval_files
    lake = tmp_path / "lake"
    assert main(["evaluate", "--articles", str(articles), "--gold", str(gold), "--lake", str(lake), "--json"]) == 0
    first = capsys.readouterr().out
    assert json.loads(first)["with_event"] == 0.75 and len(first.splitlines()) == 1  # --json: only the metrics line
    assert (lake / "events" / "_CURRENT").read_text().strip() == "v000001"
    assert main(["evaluate", "--articles", str(articles), "--gold", str(gold), "--lake", str(lake), "--field", "fatalities"]) == 0
    out = capsys.readouterr().out
    assert "not running the pipeline" in out and "ran the pipeline" not in out
    assert printed_metrics(out) == json.loads(first)
    errors = out[out.index("worst errors"):].splitlines()[1:]
    assert len(errors) == 2 and all(" fatalities: " in line for line in errors)
    for dataset in ("articles", "events", "quarantine"):
        assert [p.name for p in (lake / dataset).glob("v*")] == ["v000001"]


def test_evaluate_usage_errors_exit_2(eval_files, tmp_path, capsys):
    articles, gold = eval_files
    assert main(["evaluate", "--articles", str(tmp_path / "typo.jsonl"), "--gold", str(gold)]) == 2
    assert "no such --articles path" in capsys.readouterr().err
    assert main(["evaluate", "--articles", str(articles), "--gold", str(tmp_path / "typo.jsonl")]) == 2
    assert "no such --gold path" in capsys.readouterr().err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a1"}\n{"id": \n')
    assert main(["evaluate", "--articles", str(articles), "--gold", str(broken), "--lake", str(tmp_path / "lake")]) == 2
    err = capsys.readouterr().err
    assert "cannot use gold file" in err and "line 2 is not JSON" in err
    assert not (tmp_path / "lake").exists()


def test_evaluate_exits_1_when_the_run_fails(eval_files, capsys, monkeypatch):
    def broken_pipeline(**kwargs):
        raise RuntimeError("the flow crashed")

    monkeypatch.setattr("flows.pipeline.pipeline", broken_pipeline)
    articles, gold = eval_files
    assert main(["evaluate", "--articles", str(articles), "--gold", str(gold)]) == 1
    captured = capsys.readouterr()
    assert "run failed: RuntimeError: the flow crashed" in captured.err and "metric" not in captured.out


# --- verify -----------------------------------------------------------------------------------


@pytest.fixture
def small_lake(tmp_path):
    """Two quarantine versions; v000002 hard-links v000001's file and adds one of its own."""
    from conflict_events.lake.factory import open_lake

    root = tmp_path / "lake"
    lake = open_lake(str(root))
    lake.publish_all({"quarantine": (quarantine_table("a", "b"), None)}, "run1", {})
    lake.publish_all({"quarantine": (quarantine_table("c"), None)}, "run2", {})
    return root


def test_verify_exits_0_on_a_good_lake_and_1_after_a_flipped_byte_or_a_missing_file(small_lake, capsys):
    assert main(["verify", "--lake", str(small_lake)]) == 0
    out = capsys.readouterr().out
    assert "PROBLEM" not in out and ": 2 versions, 3 files, " in out and out.strip().endswith("bytes; 0 problems, 0 notes")
    flip_byte_in_place(small_lake / "quarantine" / "v000001" / "part-00000.parquet")  # the hard link in v000002 changes too
    assert main(["verify", "--lake", str(small_lake)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM quarantine/v000001/part-00000.parquet: checksum_mismatch: " in out
    assert "PROBLEM quarantine/v000002/part-00000.parquet: checksum_mismatch: " in out
    assert out.strip().endswith("2 problems, 0 notes")
    (small_lake / "quarantine" / "v000002" / "part-00001.parquet").unlink()
    assert main(["verify", "--lake", str(small_lake), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and {(p["path"], p["kind"]) for p in report["problems"]} >= {("quarantine/v000002/part-00001.parquet", "missing_file")}
    assert main(["verify", "--lake", str(small_lake)]) == 1
    assert "PROBLEM quarantine/v000002/part-00001.parquet: missing_file: " in capsys.readouterr().out


def test_verify_exits_2_on_a_missing_lake(tmp_path, capsys):
    assert main(["verify", "--lake", str(tmp_path / "nowhere")]) == 2
    captured = capsys.readouterr()
    assert "cannot verify" in captured.err and str(tmp_path / "nowhere") in captured.err and captured.out == ""
