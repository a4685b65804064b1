"""verify: a real lake, damaged one way at a time, and what verify_lake finds."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pytest

from conflict_events.lake.factory import open_lake
from conflict_events.lake.interface import Lake
from conflict_events.schemas import SCHEMAS
from conflict_events.lake.verify import verify_lake

from conftest import articles_table as articles
from conftest import flip_byte_in_place
from conftest import quarantine_table as quarantine_rows


def events(*texts):
    rows = [{"event_id": f"e-{t}", "article_id": hashlib.sha256(t.encode()).hexdigest(), "fatalities": 1, "notes": t} for t in texts]
    return pa.Table.from_pylist(rows, schema=SCHEMAS["events"])


def publish_run(lake: Lake, run_id: str, *texts: str) -> None:
    """What a pipeline run publishes: its articles and events (replacing rows of those articles) and quarantine rows."""
    coded = {hashlib.sha256(t.encode()).hexdigest() for t in texts}
    tables = {"articles": (articles(*texts), coded), "events": (events(*texts), coded), "quarantine": (quarantine_rows(*texts), None)}
    lake.publish_all(tables, run_id, {})


@pytest.fixture
def lake(tmp_path):
    """Two versions of every dataset; each v000002 hard-links v000001's file and adds one of its own."""
    root = tmp_path / "lake"
    lake = open_lake(str(root))
    publish_run(lake, "run1", "first text", "second text")
    publish_run(lake, "run2", "third text")
    return root


def kinds(findings):
    return sorted((f.path, f.kind) for f in findings)


def test_a_clean_lake_has_no_problems_and_every_version_and_file_is_counted(lake):
    report = verify_lake(str(lake))
    assert report.problems == [] and report.notes == [] and report.ok
    manifests = [json.loads(p.read_text()) for p in lake.glob("*/v*/_manifest.json")]
    assert report.versions == len(manifests) == 8  # articles, events, quarantine, incidents: two each
    assert report.files == sum(len(m["files"]) for m in manifests) == 12
    assert report.bytes == sum(f["size"] for m in manifests for f in m["files"])
    assert json.loads(json.dumps(report.to_dict()))["ok"] is True


def test_a_flipped_byte_is_a_checksum_mismatch_in_every_version_that_links_the_file(lake):
    first = lake / "articles" / "v000001" / "part-00000.parquet"
    assert first.stat().st_nlink == 2  # linked into v000002 too
    flip_byte_in_place(first)
    report = verify_lake(str(lake))
    assert kinds(report.problems) == [
        ("articles/v000001/part-00000.parquet", "checksum_mismatch"),
        ("articles/v000002/part-00000.parquet", "checksum_mismatch"),
    ]
    assert {(f.dataset, f.version) for f in report.problems} == {("articles", "v000001"), ("articles", "v000002")}


def test_a_deleted_file_is_missing(lake):
    (lake / "events" / "v000002" / "part-00001.parquet").unlink()
    assert kinds(verify_lake(str(lake)).problems) == [("events/v000002/part-00001.parquet", "missing_file")]


def test_a_parquet_file_the_manifest_does_not_list_is_reported(lake):
    extra = lake / "quarantine" / "v000002" / "part-00099.parquet"
    extra.write_bytes((lake / "quarantine" / "v000001" / "part-00000.parquet").read_bytes())
    assert kinds(verify_lake(str(lake)).problems) == [("quarantine/v000002/part-00099.parquet", "unlisted_file")]


def test_a_truncated_file_is_a_size_mismatch(lake):
    part = lake / "events" / "v000002" / "part-00001.parquet"
    part.write_bytes(part.read_bytes()[:-10])
    assert kinds(verify_lake(str(lake)).problems) == [("events/v000002/part-00001.parquet", "size_mismatch")]


def test_row_counts_that_disagree_with_the_footer_or_the_total_are_reported(lake):
    path = lake / "articles" / "v000002" / "_manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][0]["rows"] += 1  # the file's footer and the manifest's row_count both disagree now
    path.write_text(json.dumps(manifest))
    assert kinds(verify_lake(str(lake)).problems) == [
        ("articles/v000002/_manifest.json", "row_count_mismatch"),
        ("articles/v000002/part-00000.parquet", "row_count_mismatch"),
    ]


def test_a_manifest_that_is_not_json_or_has_no_file_list_is_bad(lake):
    (lake / "articles" / "v000001" / "_manifest.json").write_text("{half")
    (lake / "events" / "v000001" / "_manifest.json").write_text(json.dumps({"row_count": 2}))
    report = verify_lake(str(lake))
    assert kinds(report.problems) == [("articles/v000001/_manifest.json", "bad_manifest"), ("events/v000001/_manifest.json", "bad_manifest")]
    assert report.versions == 8  # still counted: it has a manifest, just not a usable one


@pytest.mark.parametrize(
    ("pointer", "kind"),
    [("v000009\n", "current_incomplete"), ("garbage\n", "bad_pointer"), (None, "no_current")],
)
def test_a_pointer_that_names_no_complete_version_is_a_problem(lake, pointer, kind):
    current = lake / "events" / "_CURRENT"
    if pointer is None:
        current.unlink()
    else:
        current.write_text(pointer)
    assert kinds(verify_lake(str(lake)).problems) == [("events/_CURRENT", kind)]


def test_a_pointer_at_a_folder_without_manifest_is_incomplete(lake):
    (lake / "events" / "v000002" / "_manifest.json").unlink()
    report = verify_lake(str(lake))
    assert kinds(report.problems) == [("events/_CURRENT", "current_incomplete")]
    assert kinds(report.notes) == [("events/v000002", "incomplete_version")]


A, B = "0123abcd" * 4, "4567ef01" * 4


def test_leftovers_of_killed_runs_are_notes_not_problems(lake):
    orphan = lake / "quarantine" / "v000003"
    orphan.mkdir()
    (orphan / "part-00002.parquet").write_bytes(b"half")
    # The names write_bytes_atomically gives its temporary files: <name>.tmp-<uuid4 hex>.
    (lake / "articles" / f"_CURRENT.tmp-{A}").write_text("v0000")
    (lake / "events" / "v000002" / f"_manifest.json.tmp-{B}").write_text("{")
    (lake / "_publishing.json").write_text(json.dumps({"run_id": "run3"}))
    report = verify_lake(str(lake))
    assert report.problems == [] and report.ok
    assert kinds(report.notes) == [
        ("_publishing.json", "publish_journal"),
        (f"articles/_CURRENT.tmp-{A}", "temp_file"),
        (f"events/v000002/_manifest.json.tmp-{B}", "temp_file"),
        ("quarantine/v000003", "incomplete_version"),
    ]
    assert report.versions == 8


def test_a_missing_lake_is_an_error_not_an_empty_report(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        verify_lake(str(tmp_path / "nowhere"))


@pytest.mark.parametrize("name", ["part-00000.parquet.bak", "README", "_SUCCESS", "nested/part-00000.parquet"])
def test_any_file_the_manifest_does_not_list_is_reported_not_only_parquet_names(lake, name):
    import pyarrow.parquet as pq

    folder = lake / "articles" / "v000002"
    extra = folder / name
    extra.parent.mkdir(exist_ok=True)
    extra.write_bytes((folder / "part-00000.parquet").read_bytes())  # a backup copy: readers would count its rows twice
    if name == "part-00000.parquet.bak":
        assert pq.read_table(folder).num_rows == 5  # what a reader of the folder gets; the manifest says 3
    report = verify_lake(str(lake))
    assert kinds(report.problems) == [(f"articles/v000002/{name}", "unlisted_file")]
    assert report.problems[0].detail.startswith("not in the manifest: ")


def test_a_manifest_replaced_by_a_folder_is_a_problem_not_an_error(lake):
    manifest = lake / "events" / "v000001" / "_manifest.json"
    manifest.unlink()
    manifest.mkdir()
    report = verify_lake(str(lake))
    assert kinds(report.problems) == [("events/v000001/_manifest.json", "bad_manifest")]


def test_current_events_of_articles_the_current_articles_lack_are_a_dangling_reference(lake):
    (lake / "articles" / "_CURRENT").write_text("v000001\n")  # an operator reset articles; events still hold "third text"'s
    report = verify_lake(str(lake))
    assert kinds(report.problems) == [("articles/_CURRENT", "dangling_reference")]
    detail = report.problems[0].detail
    assert "current events (v000002) reference 1 article_id values that current articles (v000001) lacks" in detail
    assert hashlib.sha256(b"third text").hexdigest()[:12] in detail


def test_a_lost_pointer_is_a_problem_that_names_the_newest_version_but_a_first_publish_under_way_is_not(tmp_path, lake):
    (lake / "articles" / "_CURRENT").unlink()
    report = verify_lake(str(lake))
    assert kinds(report.problems) == [("articles/_CURRENT", "no_current")]
    assert "the newest v000002" in report.problems[0].detail
    from conflict_events.lake.staging import stage

    fresh = open_lake(str(tmp_path / "fresh"))
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "_publishing.json").write_text(json.dumps({"run_id": "run1", "datasets": ["articles"]}))
    stage(fresh, "articles", articles("text"), "run1")
    report = verify_lake(str(tmp_path / "fresh"))
    assert report.problems == [] and kinds(report.notes) == [("_publishing.json", "publish_journal")]
