"""Publishing under attack: a text another run published meanwhile, a pointer switch that fails half-way, a lost pointer."""

from __future__ import annotations

import errno
import hashlib
import json

import pyarrow as pa
import pytest

from conflict_events.lake.factory import open_lake
from conflict_events.lake.layout import JOURNAL, LakeError, LostPointer, PointerSwitchError
from conflict_events.lake.local import LocalLake
from conflict_events.lake.publishing import run_tables
from conflict_events.lake.spool import RunSpool
from conflict_events.lake.state import read_lake_state
from conflict_events.models import RunSummary
from conflict_events.schemas import SCHEMAS

from conftest import articles_table, quarantine_table, read_current


def article_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def articles(*pairs: tuple[str, str]) -> pa.Table:
    """Articles given as (text, ref): one text may come under two refs, as in two runs' inputs."""
    table = articles_table(*(text for text, _ in pairs))
    return table.set_column(table.schema.get_field_index("source_ref"), "source_ref", pa.array([ref for _, ref in pairs], pa.string()))


def events(*texts: str) -> pa.Table:
    rows = [{"event_id": f"e-{t}-{i}", "article_id": article_id(t), "fatalities": 1, "notes": t} for t in texts for i in range(2)]
    return pa.Table.from_pylist(rows, schema=SCHEMAS["events"])


def empty_quarantine() -> pa.Table:
    return SCHEMAS["quarantine"].empty_table()


def refs(lake, dataset: str, column: str) -> list[str]:
    return sorted(read_current(lake, dataset).table.column(column).to_pylist())


# --- a text published by another run meanwhile (break 1) ------------------------------------------


def test_a_text_another_run_published_meanwhile_becomes_a_duplicate_quarantine_row_not_a_lost_record(tmp_path):
    lake = open_lake(str(tmp_path))
    # Both runs read the empty lake, then both coded "shared text": run A under a.txt, run B under b.txt.
    seen_by_both = read_lake_state(str(tmp_path)).published
    lake.publish_all(run_tables(articles(("shared text", "a.txt"), ("only a", "a2.txt")), events("shared text", "only a"), empty_quarantine(),
                                set(seen_by_both)), "runA", {})
    result = lake.publish_all(
        run_tables(articles(("shared text", "b.txt"), ("only b", "b2.txt")), events("shared text", "only b"), empty_quarantine(), set(seen_by_both)),
        "runB", {},
    )
    assert refs(tmp_path, "articles", "source_ref") == ["a.txt", "a2.txt", "b2.txt"]  # A's copy is kept, not replaced by B's
    quarantine = read_current(tmp_path, "quarantine").table.to_pylist()
    assert [(q["record_ref"], q["stage"], q["reason"], q["run_id"]) for q in quarantine] == [("b.txt", "clean", "duplicate", "runB")]
    assert quarantine[0]["detail"] == f"same normalised text as a.txt, already published (article {article_id('shared text')[:12]})"
    assert json.loads(quarantine[0]["payload"])["text"] == "shared text"
    # The shared article's events are A's alone: B's two were left out with its copy.
    assert sorted(read_current(tmp_path, "events").table.column("notes").to_pylist()) == ["only a", "only a", "only b", "only b", "shared text", "shared text"]
    assert (result.published_meanwhile, result.duplicates, result.unchanged, result.events_dropped) == (1, 1, 0, 2)

    summary = RunSummary(run_id="runB", mode="first", lake=str(tmp_path), records_in=2, articles=2, events=4)
    result.fill(summary)
    assert (summary.articles, summary.records_quarantined, summary.duplicates, summary.events, summary.unaccounted) == (1, 1, 1, 2, 0)
    assert summary.quarantined_by_reason == {"clean:duplicate": 1} and summary.versions == result.versions


def test_the_same_record_published_meanwhile_counts_as_unchanged_and_a_run_with_nothing_left_adds_no_version(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all(run_tables(articles(("shared text", "s.txt")), events("shared text"), empty_quarantine()), "runA", {})
    result = lake.publish_all(run_tables(articles(("shared text", "s.txt")), events("shared text"), empty_quarantine()), "runB", {})
    assert result.versions == {} and (result.unchanged, result.duplicates, result.events_dropped) == (1, 0, 2)
    assert [v["run_id"] for v in lake.versions("articles")] == ["runA"] and not (tmp_path / "quarantine").exists()
    summary = RunSummary(run_id="runB", mode="first", lake=str(tmp_path), records_in=1, articles=1, events=2)
    result.fill(summary)
    assert (summary.articles, summary.unchanged, summary.records_quarantined, summary.unaccounted) == (0, 1, 0, 0)


def test_a_recoded_article_still_replaces_its_row(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all(run_tables(articles(("kept text", "k.txt")), events("kept text"), empty_quarantine()), "run1", {})
    known = set(read_lake_state(str(tmp_path)).published)  # a --full run (or a new extractor) codes it again
    result = lake.publish_all(run_tables(articles(("kept text", "k.txt")), events("kept text"), empty_quarantine(), known), "run2", {})
    assert result.published_meanwhile == 0 and set(result.versions) == {"articles", "events", "incidents"}
    table = read_current(tmp_path, "articles").table
    assert table.num_rows == 1 and read_current(tmp_path, "events").table.num_rows == 2
    assert not (tmp_path / "quarantine").exists()


def test_spooled_articles_published_meanwhile_are_filtered_and_their_rows_join_the_spooled_quarantine(tmp_path):
    lake = open_lake(str(tmp_path / "lake"))
    lake.publish_all(run_tables(articles(("shared text", "a.txt")), events("shared text"), empty_quarantine()), "runA", {})
    with RunSpool(tmp_path / "spool") as spool:
        spool.add("articles", articles(("shared text", "b.txt"), ("new text", "n.txt")))
        spool.add("events", events("shared text", "new text"))
        spool.add("quarantine", quarantine_table("bad.txt"))
        finished = [spool.finish(d) for d in ("articles", "events", "quarantine")]
        result = lake.publish_all(run_tables(*finished), "runB", {})
    assert result.duplicates == 1 and result.events_dropped == 2
    assert refs(tmp_path / "lake", "articles", "source_ref") == ["a.txt", "n.txt"]
    assert refs(tmp_path / "lake", "quarantine", "record_ref") == ["b.txt", "bad.txt"]
    assert read_current(tmp_path / "lake", "events").table.num_rows == 4


# --- a pointer switch that fails half-way (break 2) ----------------------------------------------


def failing_pointer_writes(monkeypatch, fail) -> list[str]:
    """Make LocalLake's small-file writes raise ENOSPC for paths `fail(path)` picks; returns the paths refused."""
    refused: list[str] = []
    write = LocalLake.write_bytes_atomically

    def flaky(self, path, data):
        if fail(path):
            refused.append(path)
            raise OSError(errno.ENOSPC, "No space left on device (no free inodes)", path)
        return write(self, path, data)

    monkeypatch.setattr(LocalLake, "write_bytes_atomically", flaky)
    return refused


def two_runs_tables(text: str):
    return run_tables(articles((text, f"{text}.txt")), events(text), quarantine_table(f"{text}.bad"))


def pointers(lake) -> dict[str, str]:
    return {p.parent.name: p.read_text().strip() for p in sorted(lake.glob("*/_CURRENT"))}


def test_a_failed_switch_of_the_second_pointer_moves_the_first_back_and_says_so(tmp_path, monkeypatch):
    lake = open_lake(str(tmp_path))
    lake.publish_all(two_runs_tables("old"), "run1", {})
    before = pointers(tmp_path)
    failing_pointer_writes(monkeypatch, lambda path: path.endswith("events/_CURRENT"))
    with pytest.raises(PointerSwitchError) as raised:
        lake.publish_all(two_runs_tables("new"), "run2", {})
    assert pointers(tmp_path) == before  # all old: readers never see articles without their events
    message = str(raised.value)
    assert message.startswith("nothing published: switching events/_CURRENT to v000002 failed (OSError")
    assert "moved back articles/_CURRENT" in message and raised.value.moved == {}
    assert not (tmp_path / JOURNAL).exists() and [v["version"] for v in lake.versions("articles")] == ["v000001"]
    monkeypatch.undo()
    assert lake.publish_all(two_runs_tables("new"), "run3", {}).versions == {
        "articles": "v000002", "events": "v000002", "quarantine": "v000002", "incidents": "v000002"
    }


def test_a_first_publish_whose_switch_fails_leaves_no_pointer(tmp_path, monkeypatch):
    failing_pointer_writes(monkeypatch, lambda path: path.endswith("quarantine/_CURRENT"))
    with pytest.raises(PointerSwitchError, match="nothing published"):
        open_lake(str(tmp_path)).publish_all(two_runs_tables("first"), "run1", {})
    assert pointers(tmp_path) == {} and not list(tmp_path.glob("*/v*"))
    assert read_lake_state(str(tmp_path)).published == {}


def test_when_moving_back_fails_too_the_error_names_the_moved_pointer_and_the_next_publish_undoes_it(tmp_path, monkeypatch):
    lake = open_lake(str(tmp_path))
    lake.publish_all(two_runs_tables("old"), "run1", {})
    # The disk is full after the first switch: no pointer can be written, not even back.
    first = iter([False])  # the first pointer write goes through, every later one fails
    failing_pointer_writes(monkeypatch, lambda path: path.endswith("_CURRENT") and next(first, True))
    with pytest.raises(PointerSwitchError) as raised:
        lake.publish_all(two_runs_tables("new"), "run2", {})
    assert raised.value.moved == {"articles": "v000002"}
    message = str(raised.value)
    assert message.startswith("published in part: switching events/_CURRENT to v000002 failed")
    assert "articles/_CURRENT names v000002 (this run's), while events/_CURRENT, quarantine/_CURRENT, incidents/_CURRENT name their previous versions" in message
    assert (tmp_path / JOURNAL).exists()  # what the next publish needs to undo it
    monkeypatch.undo()
    lake.publish_all({}, "run3", {})  # recovery alone
    assert pointers(tmp_path) == {"articles": "v000001", "events": "v000001", "quarantine": "v000001", "incidents": "v000001"}
    assert not (tmp_path / JOURNAL).exists() and refs(tmp_path, "articles", "source_ref") == ["old.txt"]


def test_a_journal_whose_datasets_are_all_staged_or_switched_is_still_completed(tmp_path):
    from conflict_events.lake.staging import commit, stage

    lake = open_lake(str(tmp_path))
    lake.publish_all(two_runs_tables("old"), "run1", {})
    (tmp_path / JOURNAL).write_text(json.dumps({"run_id": "run2", "datasets": ["articles", "quarantine"]}))
    commit(lake, "articles", stage(lake, "articles", articles(("new", "new.txt")), "run2"))
    stage(lake, "quarantine", quarantine_table("q"), "run2")
    lake.publish_all({}, "run3", {})
    assert pointers(tmp_path) == {"articles": "v000002", "events": "v000001", "quarantine": "v000002", "incidents": "v000001"}


# --- a lost pointer (break 7) ---------------------------------------------------------------------


def test_a_lost_pointer_is_refused_with_the_newest_version_never_read_as_a_first_run(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all(two_runs_tables("one"), "run1", {})
    lake.publish_all(two_runs_tables("two"), "run2", {})
    (tmp_path / "articles" / "_CURRENT").unlink()
    with pytest.raises(LostPointer) as raised:
        read_lake_state(str(tmp_path))
    message = str(raised.value)
    assert "articles/_CURRENT is missing" in message and "2 complete version(s), the newest v000002" in message
    assert "conflict-events versions articles" in message and str(tmp_path / "articles" / "_CURRENT") in message
    with pytest.raises(LostPointer):
        lake.publish_all(two_runs_tables("three"), "run3", {})
    with pytest.raises(LostPointer):
        lake.prune(keep=1)
    assert [v["version"] for v in lake.versions("articles")] == ["v000001", "v000002"]  # nothing published or removed
    (tmp_path / "articles" / "_CURRENT").write_text("v000002\n")
    assert sorted(read_lake_state(str(tmp_path)).published.values()) == ["one.txt", "two.txt"]


def test_a_first_publish_under_way_is_not_a_lost_pointer(tmp_path):
    from conflict_events.lake.staging import stage

    lake = open_lake(str(tmp_path))
    (tmp_path / JOURNAL).write_text(json.dumps({"run_id": "run1", "datasets": ["articles"]}))
    stage(lake, "articles", articles(("text", "t.txt")), "run1")  # staged, not yet pointed at
    assert read_lake_state(str(tmp_path)).versions["articles"] is None


def test_an_unreadable_manifest_is_named(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"articles": (articles_table("a"), None)}, "run1", {})
    manifest = tmp_path / "articles" / "v000001" / "_manifest.json"
    manifest.write_text("{half")
    with pytest.raises(LakeError, match=f"{manifest} is not a readable manifest"):
        read_lake_state(str(tmp_path))
    manifest.unlink()
    manifest.mkdir()
    with pytest.raises(LakeError, match=f"{manifest} is not a readable manifest .*IsADirectoryError"):
        lake.versions("articles")
