"""Property: reading any folder accounts for every entry and every record in it, and clean for every record read."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import event, given

from conflict_events.models import RawRecord
from tasks.clean import clean_records
from tasks.ingest import FileSource
from tests.fuzz.files import FuzzTree, fuzz_trees, write_tree
from tests.fuzz.invariants import accounted_refs, check_read, within
from tests.fuzz.profiles import INGEST_BUDGET, PROFILE
from tests.fuzz.texts import RUN_DATE


@PROFILE
@given(tree=fuzz_trees())
def test_every_entry_and_record_of_a_folder_is_accounted_for(tree: FuzzTree):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "input"
        root.mkdir()
        expected = write_tree(tree, root)
        sizes = {"/".join(f.path): len(f.data) for f in tree.files}
        event(f"largest file {max(sizes.values()) // 10**5 * 100} kB and up")  # --hypothesis-show-statistics: are big files reached
        with within(INGEST_BUDGET, f"reading and cleaning a folder (file sizes {sizes})"):
            items = list(FileSource(root, tree.max_record_bytes, tree.max_records).read())
            records = [i for i in items if isinstance(i, RawRecord)]
            cleaned = clean_records(records, RUN_DATE, {})
    check_read(items, expected)
    accounted_refs(records, cleaned.articles, cleaned.quarantined, cleaned.unchanged)
