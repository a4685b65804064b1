"""Incremental runs: only new articles are coded, nothing new publishes nothing, a changed extractor re-codes all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, read_current

pytestmark = pytest.mark.slow
FIRST = ["sy_airstrike_idlib.txt", "ua_shelling_kharkiv.txt", "nonevent_talks_geneva.txt"]
LATER = ["so_suicide_bomb_mogadishu.txt", "ng_borno_attack_konduga.txt"]


def copy_samples(folder: Path, names: list[str], bad: bool = True) -> Path:
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)
    if bad:
        shutil.copy(SAMPLES / "bad" / "empty.txt", folder / "empty.txt")
    return folder


@pytest.fixture(scope="module")
def two_runs(prefect_server, tmp_path_factory):
    """The same input run twice, then two new articles added and run again."""
    from flows.pipeline import pipeline

    root = tmp_path_factory.mktemp("incremental")
    inputs, lake = copy_samples(root / "in", FIRST), root / "lake"
    first = pipeline(inputs=[str(inputs)], lake=str(lake))
    again = pipeline(inputs=[str(inputs)], lake=str(lake))
    copy_samples(inputs, LATER, bad=False)
    more = pipeline(inputs=[str(inputs)], lake=str(lake))
    return lake, inputs, first, again, more


def test_running_twice_on_the_same_input_publishes_one_version(two_runs):
    lake, _, first, again, _ = two_runs
    assert set(first.versions) == {"articles", "events", "quarantine", "incidents"}
    assert again.versions == {} and again.mode == "incremental"
    assert (again.unchanged, again.articles, again.already_quarantined) == (3, 0, 1)
    assert again.records_in == again.unchanged + again.articles + again.records_quarantined


def test_new_articles_are_added_to_the_old_rows_without_rewriting_them(two_runs):
    lake, _, first, _, more = two_runs
    assert more.articles == 2 and more.unchanged == 3
    assert set(more.versions) == {"articles", "events", "incidents"}  # the bad file was quarantined before
    version, articles, manifest = read_current(lake, "articles")
    assert version == "v000002" and manifest["parent_version"] == "v000001"
    assert sorted(articles.column("source_ref").to_pylist()) == sorted(FIRST + LATER)
    assert manifest["rows_carried_over"] == 3 and manifest["rows_added"] == 2
    old_file = lake / "articles" / "v000001" / "part-00000.parquet"
    assert (lake / "articles" / version / "part-00000.parquet").stat().st_ino == old_file.stat().st_ino
    _, events, _ = read_current(lake, "events")
    coded_by = {e["article_id"]: e["extractor_version"] for e in events.to_pylist()}
    assert set(coded_by) <= set(articles.column("article_id").to_pylist())
    assert len(set(articles.column("run_id").to_pylist())) == 2
    _, _, events_manifest = read_current(lake, "events")
    assert events_manifest["files_from_parent"] == 1  # the first run's events were kept as they were, not re-coded


def test_a_changed_extractor_codes_every_article_again_even_those_only_the_lake_holds(two_runs, tmp_path):
    from flows.pipeline import pipeline

    lake, inputs, _, _, _ = two_runs
    work = tmp_path / "lake"
    shutil.copytree(lake, work)
    version, _, manifest = read_current(work, "articles")
    # A lake coded by an older extractor (the manifest says which one coded the current version).
    manifest["extractor_version"] = "rules-0.9+core_web_sm-3.7.0+ref-0000000000"
    (work / "articles" / version / "_manifest.json").write_text(json.dumps(manifest))
    only_new = copy_samples(tmp_path / "new", ["cd_m23_north_kivu.txt"], bad=False)
    summary = pipeline(inputs=[str(only_new)], lake=str(work))
    assert summary.mode == "full" and "rules-0.9" in summary.recode_reason
    assert (summary.articles, summary.recoded_from_lake) == (1, 5)
    _, articles, manifest = read_current(work, "articles")
    _, events, _ = read_current(work, "events")
    assert articles.num_rows == 6 and manifest["extractor_version"] != "rules-0.9+core_web_sm-3.7.0+ref-0000000000"
    _, _, events_manifest = read_current(work, "events")
    assert events_manifest["rows_carried_over"] == 0  # every event is from this run
    again = pipeline(inputs=[str(only_new)], lake=str(work))
    assert again.mode == "incremental" and again.versions == {}


def test_full_rebuild_publishes_a_new_version_with_the_same_rows(two_runs, tmp_path):
    from flows.pipeline import pipeline

    lake, inputs, _, _, _ = two_runs
    work = tmp_path / "lake"
    shutil.copytree(lake, work)
    _, before, _ = read_current(work, "events")
    summary = pipeline(inputs=[str(inputs)], lake=str(work), full=True)
    assert summary.mode == "full" and set(summary.versions) == {"articles", "events", "incidents"}
    _, after, _ = read_current(work, "events")
    columns = ["event_id", "sub_event_type", "fatalities", "admin1"]
    assert sorted(after.select(columns).to_pylist(), key=str) == sorted(before.select(columns).to_pylist(), key=str)


def test_a_failed_run_leaves_the_previous_version_current_and_says_why(two_runs, tmp_path, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.pipeline import pipeline
    from conflict_events.lake.lock import publish_lock

    lake, inputs, _, _, _ = two_runs
    work = tmp_path / "lake"
    shutil.copytree(lake, work)
    new = copy_samples(tmp_path / "new", ["pk_arrests_lahore.txt"], bad=False)
    monkeypatch.setenv("CONFLICT_EVENTS_PUBLISH_LOCK_TIMEOUT", "1")
    with publish_lock(str(work), "a-long-run", timeout=1):
        state = pipeline(inputs=[str(new)], lake=str(work), return_state=True)
    assert state.is_failed() and "LakeBusy" in state.message and "a-long-run" in state.message
    assert read_current(work, "articles").version == "v000002"
    assert sorted(p.name for p in (work / "articles").glob("v*")) == ["v000001", "v000002"]
    with get_client(sync_client=True) as client:
        run_id = state.state_details.flow_run_id
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    summary = next(a for a in artifacts if a.key == "conflict-events-run-summary")
    assert "Run failed" in summary.data and "v000002" in summary.data
