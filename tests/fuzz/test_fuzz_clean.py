"""Property: clean accounts for every record of any batch, once, and a second pass over it finds nothing new."""

from __future__ import annotations

from hypothesis import given

from conflict_events.models import RawRecord
from tasks.clean import clean_records
from tests.fuzz.invariants import accounted_refs, check_quarantine, table_of, within
from tests.fuzz.profiles import BATCH_BUDGET, PROFILE
from tests.fuzz.texts import RUN_DATE, record_batches


@PROFILE
@given(batch=record_batches())
def test_every_record_of_a_batch_is_accounted_for_once(batch: list[RawRecord]):
    with within(BATCH_BUDGET, f"cleaning {len(batch)} records twice"):
        first = clean_records(batch, RUN_DATE, {})
        # The same records again, incremental against what the first pass would publish.
        again = clean_records(batch, RUN_DATE, {}, published={a["article_id"]: a["source_ref"] for a in first.articles})
    for result in (first, again):
        accounted_refs(batch, result.articles, result.quarantined, result.unchanged)
        check_quarantine(result.quarantined, ("clean",))
        table_of([{**a, "run_id": "fuzz"} for a in result.articles], "articles")
    assert not again.articles, "a record published by the first pass came back as new"
