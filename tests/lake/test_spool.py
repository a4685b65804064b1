"""The run spool: batches appended as row groups, read back whole and in order with plain pyarrow."""

from __future__ import annotations

import os

import pyarrow.parquet as pq

from conftest import articles_table, quarantine_table
from conflict_events.lake import spool as spool_module
from conflict_events.lake.spool import RunSpool, iter_spooled


def test_batches_come_back_in_order_as_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(spool_module, "ROW_GROUP_ROWS", 4)
    texts = [f"article {i}" for i in range(10)]
    with RunSpool(tmp_path) as spool:
        for start in range(0, 10, 3):  # batches of 3, 3, 3, 1: row groups of 6 (flushed past 4) and 4
            batch = articles_table(*texts[start : start + 3])
            spool.add("articles", batch.select(list(reversed(batch.column_names))))  # any column order
        finished = spool.finish("articles")
        read = pq.read_table(finished.path)
        assert read.column("title").to_pylist() == texts
        assert finished.num_rows == 10
        assert pq.ParquetFile(finished.path).num_row_groups == 2  # written as it went, not at the end
        assert [t.num_rows for t in iter_spooled(finished.path)] == [6, 4]
        folder = spool.folder
    assert not folder.exists()  # closing removes the run's files


def test_a_dataset_with_no_rows_is_an_empty_file_with_the_schema(tmp_path):
    from conflict_events.schemas import SCHEMAS

    with RunSpool(tmp_path) as spool:
        spool.add_rows("quarantine", [])
        finished = spool.finish("events")
        assert finished.num_rows == 0
        assert pq.read_schema(finished.path).equals(SCHEMAS["events"])


def test_rows_are_cast_to_the_dataset_schema(tmp_path):
    from conflict_events.schemas import SCHEMAS

    with RunSpool(tmp_path) as spool:
        rows = quarantine_table("a.txt", "b.txt").to_pylist()
        spool.add_rows("quarantine", rows)
        finished = spool.finish("quarantine")
        assert pq.read_schema(finished.path).equals(SCHEMAS["quarantine"])
        assert pq.read_table(finished.path).column("record_ref").to_pylist() == ["a.txt", "b.txt"]


def test_a_killed_runs_spool_is_removed_by_the_next_run_and_a_live_ones_is_kept(tmp_path):
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    host = spool_module._host()
    dead = tmp_path / f"conflict-events-run-{host}-{finished.stdout.strip()}-abc"
    live = tmp_path / f"conflict-events-run-{host}-{os.getpid()}-def"
    elsewhere = tmp_path / f"conflict-events-run-other-host-{finished.stdout.strip()}-ghi"  # a shared volume: not ours to judge
    for folder in (dead, live, elsewhere):
        folder.mkdir()
        (folder / "articles.parquet").write_bytes(b"half")
    with RunSpool(tmp_path) as spool:
        assert not dead.exists() and live.exists() and elsewhere.exists()
        assert spool.folder.name.startswith(f"conflict-events-run-{host}-{os.getpid()}-")


def test_long_rows_are_written_out_by_size_before_the_row_count_is_reached(tmp_path, monkeypatch):
    monkeypatch.setattr(spool_module, "ROW_GROUP_BYTES", 50_000)
    with RunSpool(tmp_path) as spool:
        for n in range(4):  # ~45 kB a row (text, title and ref): a row group every second batch, far below 5,000 rows
            spool.add("articles", articles_table(f"{n} " + "x" * 15_000))
        writer = spool._writers["articles"]
        assert writer.buffered_rows == 0 and writer.writer is not None  # written out, not held
        finished = spool.finish("articles")
        assert [t.num_rows for t in iter_spooled(finished.path)] == [2, 2]
        assert finished.head.num_rows == 0  # only events keep a head (for the run's artifact table)


def test_events_keep_their_first_rows_for_the_artifacts(tmp_path, monkeypatch):
    import pyarrow as pa

    from conflict_events.schemas import SCHEMAS

    monkeypatch.setitem(spool_module.HEAD_ROWS, "events", 3)
    rows = [{name: None for name in SCHEMAS["events"].names} | {"event_id": f"e{i}", "article_id": "a"} for i in range(5)]
    with RunSpool(tmp_path) as spool:
        spool.add("events", pa.Table.from_pylist(rows[:2], schema=SCHEMAS["events"]))
        spool.add("events", pa.Table.from_pylist(rows[2:], schema=SCHEMAS["events"]))
        assert spool.finish("events").head.column("event_id").to_pylist() == ["e0", "e1", "e2"]
