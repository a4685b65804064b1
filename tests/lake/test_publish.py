"""publish: immutable versions, checksummed manifests, an atomic pointer, nothing half-written."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conflict_events.lake.factory import open_lake
from conflict_events.lake.layout import LakeError
from conflict_events.lake.staging import commit, stage
from conflict_events.schemas import SCHEMAS

from conftest import articles_table as articles
from conftest import quarantine_table as quarantine_rows
from conftest import read_current


def test_versions_accumulate_and_the_pointer_names_the_latest(tmp_path):
    lake = open_lake(str(tmp_path))
    assert lake.publish_all({"quarantine": (quarantine_rows("a", "b"), None)}, "run1", {}).versions == {"quarantine": "v000001"}
    assert lake.publish_all({"quarantine": (quarantine_rows("c"), None)}, "run2", {}).versions == {"quarantine": "v000002"}
    version, table, _ = read_current(tmp_path, "quarantine")
    assert version == "v000002"
    assert sorted(table.column("record_ref").to_pylist()) == ["a", "b", "c"]
    old = pq.read_table(tmp_path / "quarantine" / "v000001")
    assert old.num_rows == 2  # older versions stay readable
    assert [(v["version"], v["rows"], v["current"]) for v in lake.versions("quarantine")] == [("v000001", 2, False), ("v000002", 3, True)]


def test_manifest_lists_every_file_with_size_and_sha256(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"articles": (articles("one text", "two text"), None)}, "run1", {"articles": {"inputs": ["x"]}})
    manifest = json.loads((tmp_path / "articles" / "v000001" / "_manifest.json").read_text())
    assert manifest["run_id"] == "run1" and manifest["row_count"] == 2 and manifest["parent_version"] is None
    assert manifest["inputs"] == ["x"]
    assert [c["name"] for c in manifest["schema"]] == SCHEMAS["articles"].names
    parquet_files = sorted(p.name for p in (tmp_path / "articles" / "v000001").glob("*.parquet"))
    assert [f["path"] for f in manifest["files"]] == parquet_files
    for entry in manifest["files"]:
        data = (tmp_path / "articles" / "v000001" / entry["path"]).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_reprocessed_keys_replace_their_old_rows(tmp_path):
    lake = open_lake(str(tmp_path))
    first = articles("alpha", "beta")
    lake.publish_all({"articles": (first, None)}, "run1", {})
    again = articles("beta")
    lake.publish_all({"articles": (again, set(again.column("article_id").to_pylist()))}, "run2", {})
    table = read_current(tmp_path, "articles").table
    assert sorted(table.column("source_ref").to_pylist()) == ["alpha", "beta"]
    assert table.filter(pa.compute.equal(table["source_ref"], "beta")).column("run_id").to_pylist() == ["r"]


def test_a_failure_while_staging_publishes_nothing_and_leaves_no_folder(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"quarantine": (quarantine_rows("a"), None)}, "run1", {})
    broken = pa.table({"not": ["the schema"]})
    with pytest.raises(KeyError):
        lake.publish_all({"quarantine": (quarantine_rows("b"), None), "articles": (broken, None)}, "run2", {})
    assert (tmp_path / "quarantine" / "_CURRENT").read_text().strip() == "v000001"
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == ["_CURRENT", "v000001"]
    assert not (tmp_path / "articles").exists() or not any((tmp_path / "articles").glob("v*"))


def test_an_orphan_folder_from_a_crashed_run_is_removed_and_never_read(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"quarantine": (quarantine_rows("a"), None)}, "run1", {})
    (tmp_path / "quarantine" / "v000002").mkdir()  # a run died before writing its manifest
    (tmp_path / "quarantine" / "v000002" / "part-00000.parquet").write_bytes(b"half")
    with pytest.raises(LakeError):
        commit(lake, "quarantine", "v000002")
    assert lake.publish_all({"quarantine": (quarantine_rows("b"), None)}, "run2", {}).versions == {"quarantine": "v000002"}
    version, table, _ = read_current(tmp_path, "quarantine")
    assert version == "v000002" and sorted(table.column("record_ref").to_pylist()) == ["a", "b"]


def test_a_run_killed_between_pointer_switches_is_completed_by_the_next(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"articles": (articles("old text"), None), "quarantine": (quarantine_rows("q0"), None)}, "run1", {})
    journal = tmp_path / "_publishing.json"
    # run2 staged both datasets and switched articles, then died before switching quarantine.
    journal.write_text(json.dumps({"run_id": "run2"}))
    stage(lake, "articles", articles("new text"), "run2")
    stage(lake, "quarantine", quarantine_rows("q1"), "run2")
    commit(lake, "articles", "v000002")
    lake.publish_all({}, "run3", {})
    assert not journal.exists()
    version, quarantine, _ = read_current(tmp_path, "quarantine")
    assert sorted(quarantine.column("record_ref").to_pylist()) == ["q0", "q1"]


def test_a_run_killed_before_its_first_pointer_switch_is_undone_by_the_next(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"quarantine": (quarantine_rows("q0"), None)}, "run1", {})
    (tmp_path / "_publishing.json").write_text(json.dumps({"run_id": "run2"}))
    stage(lake, "quarantine", quarantine_rows("q1"), "run2")
    lake.publish_all({"quarantine": (quarantine_rows("q2"), None)}, "run3", {})
    version, quarantine, _ = read_current(tmp_path, "quarantine")
    assert sorted(quarantine.column("record_ref").to_pylist()) == ["q0", "q2"]
    assert [v["run_id"] for v in lake.versions("quarantine")] == ["run1", "run3"]


def test_unchanged_files_are_hard_linked_not_rewritten(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"articles": (articles(*(f"text {i}" for i in range(100))), None)}, "run1", {})
    lake.publish_all({"articles": (articles("one more"), set())}, "run2", {})
    v1, v2 = tmp_path / "articles" / "v000001", tmp_path / "articles" / "v000002"
    manifest = json.loads((v2 / "_manifest.json").read_text())
    assert manifest["rows_added"] == 1 and manifest["rows_carried_over"] == 100 and manifest["files_from_parent"] == 1
    assert (v1 / "part-00000.parquet").stat().st_ino == (v2 / "part-00000.parquet").stat().st_ino
    assert pq.read_table(v2).num_rows == 101  # the folder alone is the whole dataset
    import shutil

    shutil.rmtree(v1)  # deleting an old version leaves the newer one whole
    assert pq.read_table(v2).num_rows == 101


def test_only_files_holding_replaced_keys_are_rewritten(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"articles": (articles("a1", "a2"), None)}, "run1", {})
    lake.publish_all({"articles": (articles("b1", "b2"), set())}, "run2", {})
    again = articles("b2")
    lake.publish_all({"articles": (again, set(again.column("article_id").to_pylist()))}, "run3", {})
    v3 = tmp_path / "articles" / "v000003"
    manifest = json.loads((v3 / "_manifest.json").read_text())
    assert (v3 / "part-00000.parquet").stat().st_ino == (tmp_path / "articles" / "v000001" / "part-00000.parquet").stat().st_ino
    assert manifest["files_from_parent"] == 1 and manifest["row_count"] == 4
    assert sorted(pq.read_table(v3).column("source_ref").to_pylist()) == ["a1", "a2", "b1", "b2"]


def test_many_small_versions_are_compacted(tmp_path):
    lake = open_lake(str(tmp_path), max_files=3)
    for i in range(4):
        lake.publish_all({"quarantine": (quarantine_rows(f"r{i}"), None)}, f"run{i}", {})
    manifest = json.loads((tmp_path / "quarantine" / "v000004" / "_manifest.json").read_text())
    assert len(manifest["files"]) == 1 and manifest["row_count"] == 4
    assert sorted(p.name for p in (tmp_path / "quarantine" / "v000004").glob("*.parquet")) == [manifest["files"][0]["path"]]


def test_quarantine_rows_already_published_are_not_added_again(tmp_path):
    lake = open_lake(str(tmp_path))
    lake.publish_all({"quarantine": (quarantine_rows("a", "b"), None)}, "run1", {})
    result = lake.publish_all({"quarantine": (quarantine_rows("a", "b"), None)}, "run2", {})
    assert result.versions == {} and result.already_quarantined == 2
    result = lake.publish_all({"quarantine": (quarantine_rows("b", "c"), None)}, "run3", {})
    assert result.versions == {"quarantine": "v000002"} and result.already_quarantined == 1
    table = read_current(tmp_path, "quarantine").table
    assert sorted(table.column("record_ref").to_pylist()) == ["a", "b", "c"]


def test_a_publish_waits_for_the_lock_and_gives_up_with_a_clear_message(tmp_path):
    from conflict_events.lake.lock import LakeBusy, publish_lock

    lake = open_lake(str(tmp_path))
    with publish_lock(str(tmp_path), "holder-run", timeout=1):
        with pytest.raises(LakeBusy, match="holder-run"):
            lake.publish_all({"quarantine": (quarantine_rows("a"), None)}, "run2", {}, lock_timeout=0.5)
    assert not (tmp_path / "quarantine").exists()
    assert lake.publish_all({"quarantine": (quarantine_rows("a"), None)}, "run3", {}, lock_timeout=0.5).versions


def _publish_many(root: str, name: str, count: int) -> None:
    lake = open_lake(root)
    for i in range(count):
        lake.publish_all({"quarantine": (quarantine_rows(f"{name}-{i}"), None)}, f"{name}-{i}", {})


def test_concurrent_publishers_in_separate_processes_lose_nothing(tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_publish_many, args=(str(tmp_path), name, 5)) for name in ("a", "b", "c")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    version, table, _ = read_current(tmp_path, "quarantine")
    assert version == "v000015" and table.num_rows == 15
    assert sorted(table.column("record_ref").to_pylist()) == sorted(f"{n}-{i}" for n in "abc" for i in range(5))


def test_a_killed_holder_releases_the_lock(tmp_path):
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", f"from conflict_events.lake.lock import publish_lock; import time\nwith publish_lock({str(tmp_path)!r}, 'doomed', 5):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()
    assert open_lake(str(tmp_path)).publish_all({"quarantine": (quarantine_rows("a"), None)}, "run2", {}, lock_timeout=2).versions


def test_prune_keeps_the_newest_versions_and_always_the_current_one(tmp_path):
    lake = open_lake(str(tmp_path))
    for i in range(5):
        lake.publish_all({"quarantine": (quarantine_rows(f"r{i}"), None)}, f"run{i}", {})
    commit(lake, "quarantine", "v000002")  # an operator rolled back
    removed = lake.prune(keep=2)
    assert removed == {"quarantine": [{"version": "v000001", "run_id": "run0"}, {"version": "v000003", "run_id": "run2"}]}
    assert [v["version"] for v in lake.versions("quarantine")] == ["v000002", "v000004", "v000005"]
    assert pq.read_table(tmp_path / "quarantine" / "v000005").num_rows == 5
    with pytest.raises(ValueError):
        lake.prune(keep=0)


def test_a_removal_cut_short_and_half_written_small_files_are_tidied_by_the_next_publish(tmp_path):
    lake = open_lake(str(tmp_path))
    for i in range(3):
        lake.publish_all({"quarantine": (quarantine_rows(f"r{i}"), None)}, f"run{i}", {})
    # A prune killed after removing v000001's manifest (discard removes it first), and writers killed
    # between writing a temporary file and renaming it over _CURRENT or the journal.
    (tmp_path / "quarantine" / "v000001" / "_manifest.json").unlink()
    leftovers = [tmp_path / "quarantine" / "_CURRENT.tmp-0123456789abcdef0123456789abcdef", tmp_path / "_publishing.json.tmp-" f"{'ab' * 16}"]
    for path in leftovers:
        path.write_text("half")
    assert [v["version"] for v in lake.versions("quarantine")] == ["v000002", "v000003"]  # readers skip it already
    lake.publish_all({"quarantine": (quarantine_rows("r3"), None)}, "run3", {})
    assert not (tmp_path / "quarantine" / "v000001").exists()
    assert not any(p.exists() for p in leftovers)
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == ["_CURRENT", "v000002", "v000003", "v000004"]


def test_a_spooled_file_is_published_whole_with_its_checksum(tmp_path):
    from conflict_events.lake.spool import RunSpool

    lake = open_lake(str(tmp_path / "lake"))
    commit(lake, "articles", stage(lake, "articles", articles("old"), "r0"))
    with RunSpool(tmp_path / "spool") as spool:
        for text in ("a", "b", "c"):
            spool.add("articles", articles(text))
        finished = spool.finish("articles")
        version = stage(lake, "articles", finished, "r1")
        commit(lake, "articles", version)
    manifest = lake.manifest("articles", version)
    new = [f for f in manifest["files"] if f["path"] != lake.manifest("articles", "v000001")["files"][0]["path"]][0]
    data = (tmp_path / "lake" / "articles" / version / new["path"]).read_bytes()
    assert (new["rows"], new["size"], new["sha256"]) == (3, len(data), hashlib.sha256(data).hexdigest())
    assert manifest["rows_added"] == 3 and manifest["row_count"] == 4
    assert sorted(pq.read_table(tmp_path / "lake" / "articles" / version).column("title").to_pylist()) == ["a", "b", "c", "old"]


def test_spooled_quarantine_rows_already_published_are_filtered_row_group_by_row_group(tmp_path, monkeypatch):
    from conflict_events.lake import spool as spool_module
    from conflict_events.lake.spool import RunSpool

    monkeypatch.setattr(spool_module, "ROW_GROUP_ROWS", 2)
    lake = open_lake(str(tmp_path / "lake"))
    lake.publish_all({"quarantine": (quarantine_rows("a.txt", "c.txt"), None)}, "r0", {})
    with RunSpool(tmp_path / "spool") as spool:
        for ref in ("a.txt", "b.txt", "c.txt", "d.txt", "e.txt"):
            spool.add("quarantine", quarantine_rows(ref))
        result = lake.publish_all({"quarantine": (spool.finish("quarantine"), None)}, "r1", {})
    assert result.already_quarantined == 2
    refs = lake.read_current("quarantine").column("record_ref").to_pylist()
    assert sorted(refs) == ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]


def test_a_spooled_file_with_another_schema_is_refused(tmp_path):
    from conflict_events.lake.spool import SpooledTable

    path = tmp_path / "odd.parquet"
    pq.write_table(pa.table({"x": [1]}), path)
    lake = open_lake(str(tmp_path / "lake"))
    with pytest.raises(LakeError, match="schema"):
        stage(lake, "articles", SpooledTable(path, 1, pa.table({"x": [1]})), "r1")
    assert lake.version_folders("articles") == []
