"""publish: immutable versions, checksummed manifests, an atomic pointer, nothing half-written."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.publish import Lake, LakeError
from tasks.schemas import SCHEMAS


def quarantine_rows(*refs):
    now = datetime.now(timezone.utc)
    return pa.Table.from_pylist(
        [{"record_ref": r, "stage": "ingest", "reason": "empty_file", "detail": "d", "payload": "{}", "run_id": "run", "quarantined_at": now} for r in refs],
        schema=SCHEMAS["quarantine"],
    )


def articles(*texts):
    now = datetime.now(timezone.utc)
    return pa.Table.from_pylist(
        [
            {"article_id": hashlib.sha256(t.encode()).hexdigest(), "source_ref": t, "source_name": None, "url": None, "title": t,
             "published_date": None, "date_source": "none", "language": "en", "text": t, "n_chars": len(t), "ingested_at": now, "run_id": "r"}
            for t in texts
        ],
        schema=SCHEMAS["articles"],
    )


def read_current_with_plain_pyarrow(root, dataset):
    version = (root / dataset / "_CURRENT").read_text().strip()
    return pq.read_table(root / dataset / version), version


def test_versions_accumulate_and_the_pointer_names_the_latest(tmp_path):
    lake = Lake(str(tmp_path))
    assert lake.publish_all({"quarantine": (quarantine_rows("a", "b"), None)}, "run1", {}) == {"quarantine": "v000001"}
    assert lake.publish_all({"quarantine": (quarantine_rows("c"), None)}, "run2", {}) == {"quarantine": "v000002"}
    table, version = read_current_with_plain_pyarrow(tmp_path, "quarantine")
    assert version == "v000002"
    assert sorted(table.column("record_ref").to_pylist()) == ["a", "b", "c"]
    old = pq.read_table(tmp_path / "quarantine" / "v000001")
    assert old.num_rows == 2  # older versions stay readable
    assert [(v["version"], v["rows"], v["current"]) for v in lake.versions("quarantine")] == [("v000001", 2, False), ("v000002", 3, True)]


def test_manifest_lists_every_file_with_size_and_sha256(tmp_path):
    lake = Lake(str(tmp_path))
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
    lake = Lake(str(tmp_path))
    first = articles("alpha", "beta")
    lake.publish_all({"articles": (first, None)}, "run1", {})
    again = articles("beta")
    lake.publish_all({"articles": (again, set(again.column("article_id").to_pylist()))}, "run2", {})
    table, _ = read_current_with_plain_pyarrow(tmp_path, "articles")
    assert sorted(table.column("source_ref").to_pylist()) == ["alpha", "beta"]
    assert table.filter(pa.compute.equal(table["source_ref"], "beta")).column("run_id").to_pylist() == ["r"]


def test_a_failure_while_staging_publishes_nothing_and_leaves_no_folder(tmp_path):
    lake = Lake(str(tmp_path))
    lake.publish_all({"quarantine": (quarantine_rows("a"), None)}, "run1", {})
    broken = pa.table({"not": ["the schema"]})
    with pytest.raises(KeyError):
        lake.publish_all({"quarantine": (quarantine_rows("b"), None), "articles": (broken, None)}, "run2", {})
    assert (tmp_path / "quarantine" / "_CURRENT").read_text().strip() == "v000001"
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == ["_CURRENT", "v000001"]
    assert not (tmp_path / "articles").exists() or not any((tmp_path / "articles").glob("v*"))


def test_an_orphan_folder_from_a_crashed_run_is_never_reused_or_read(tmp_path):
    lake = Lake(str(tmp_path))
    lake.publish_all({"quarantine": (quarantine_rows("a"), None)}, "run1", {})
    (tmp_path / "quarantine" / "v000002").mkdir()  # a run died before writing its manifest
    (tmp_path / "quarantine" / "v000002" / "part-00000.parquet").write_bytes(b"half")
    assert lake.publish_all({"quarantine": (quarantine_rows("b"), None)}, "run2", {}) == {"quarantine": "v000003"}
    assert [v["version"] for v in lake.versions("quarantine")] == ["v000001", "v000003"]
    with pytest.raises(LakeError):
        lake.commit("quarantine", "v000002")
