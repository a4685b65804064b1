"""Property: any article, however hostile, is cleaned and coded within its budget, accounted for, in the published schema."""

from __future__ import annotations

from hypothesis import given

from conflict_events.models import RawRecord
from tests.fuzz.invariants import clean_and_extract
from tests.fuzz.profiles import PROFILE, article_budget
from tests.fuzz.texts import RUN_DATE, article_records


@PROFILE
@given(record=article_records)
def test_any_article_is_cleaned_and_coded_within_its_budget(resources, record: RawRecord):
    clean_and_extract(record, resources, article_budget(record.text), RUN_DATE)
