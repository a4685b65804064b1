"""What a run learns from the lake before it starts: what is published, and whether the coder changed."""

from __future__ import annotations

import shutil

from conftest import REFERENCE
from tasks.extract.coder import extractor_version
from tasks.extract.nlp import installed_model_version, model_version
from conflict_events.lake.state import published_articles, read_lake_state
from conflict_events.lake.factory import open_lake
from conflict_events.schemas import SCHEMAS


def articles(*texts):
    import hashlib
    from datetime import datetime, timezone

    import pyarrow as pa

    now = datetime.now(timezone.utc)
    rows = [{"article_id": hashlib.sha256(t.encode()).hexdigest(), "source_ref": t, "title": t, "date_source": "none", "language": "en",
             "text": t, "n_chars": len(t), "ingested_at": now, "run_id": "r"} for t in texts]
    return pa.Table.from_pylist(rows, schema=SCHEMAS["articles"])


def test_an_empty_lake_has_nothing_published_and_needs_no_recoding(tmp_path):
    state = read_lake_state(str(tmp_path))
    assert state.published == {} and state.versions == {d: None for d in SCHEMAS}
    assert state.recode_reason("rules-1.0+x", full=False) is None
    assert state.recode_reason("rules-1.0+x", full=True) == "a full rebuild was asked for"


def test_the_state_names_published_articles_and_the_extractor_that_coded_them(tmp_path):
    open_lake(str(tmp_path)).publish_all({"articles": (articles("one text", "two text"), None)}, "run1", {"articles": {"extractor_version": "v-a"}})
    state = read_lake_state(str(tmp_path))
    assert sorted(state.published.values()) == ["one text", "two text"] and state.extractor_version == "v-a"
    assert state.recode_reason("v-a", full=False) is None
    assert state.recode_reason("v-b", full=False) == "the extractor changed (v-a -> v-b)"
    batches = list(published_articles(str(tmp_path), "v000001", {next(iter(state.published))}, batch_size=10))
    assert [len(b) for b in batches] == [1] and set(batches[0][0]) >= {"article_id", "text", "title"}


def test_the_extractor_version_changes_with_the_reference_tables(tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE, copy)
    before = extractor_version(copy, "core_web_sm-3.8.0")
    assert before == extractor_version(REFERENCE, "core_web_sm-3.8.0")
    with open(copy / "actors.csv", "a") as handle:
        handle.write("New Front,Rebel group,SY,New Front,\n")
    assert extractor_version(copy, "core_web_sm-3.8.0") != before


def test_the_model_version_is_known_without_loading_the_model(resources):
    assert installed_model_version() == model_version(resources.nlp)
    assert resources.version == extractor_version(REFERENCE, installed_model_version())
