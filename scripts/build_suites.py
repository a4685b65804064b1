"""Write expectations/{articles,events}.json (Great Expectations 1.x suites) from conflict_events/schemas.py.

The JSON files are the suites the pipeline runs; this script keeps their vocabularies and column
lists in step with the published schema. Run it after changing conflict_events/schemas.py; a test fails when
the committed files and this script disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa

from conflict_events.schemas import (
    ACLED_SUB_EVENT_TYPES,
    ACTOR_CATEGORIES,
    ARTICLES_SCHEMA,
    CIVILIAN_TARGETING,
    DATE_SOURCES,
    DISORDER_TYPES,
    EVENT_TYPES,
    EVENTS_SCHEMA,
    SUB_EVENT_TYPES,
)

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
MAX_COUNT = 100_000
SHA256_HEX = r"^[0-9a-f]{64}$"

# How pandas (as conflict_events/quality/validator.py builds the frame) shows each Arrow type to GX's type check.
PANDAS_TYPE = {
    pa.string(): "str",
    pa.int64(): "int64",
    pa.float64(): "float64",
    pa.date32(): "date",
    pa.timestamp("us", tz="UTC"): "Timestamp",
}


def _e(kind: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {}, "severity": "critical"}


def _shape(schema: pa.Schema) -> list[dict]:
    """Table-level expectations: the exact ordered column list and each column's type."""
    rules = [_e("expect_table_columns_to_match_ordered_list", column_list=schema.names)]
    rules += [_e("expect_column_values_to_be_of_type", column=f.name, type_=PANDAS_TYPE[f.type]) for f in schema]
    return rules


def _not_null(*columns: str) -> list[dict]:
    return [_e("expect_column_values_to_not_be_null", column=c) for c in columns]


def articles_suite() -> dict:
    rules = _shape(ARTICLES_SCHEMA)
    rules += _not_null("article_id", "source_ref", "title", "date_source", "language", "text", "n_chars", "ingested_at", "run_id")
    rules += [
        _e("expect_column_values_to_be_unique", column="article_id"),
        _e("expect_column_values_to_match_regex", column="article_id", regex=SHA256_HEX),
        _e("expect_column_values_to_be_in_set", column="date_source", value_set=list(DATE_SOURCES)),
        _e("expect_column_values_to_be_between", column="n_chars", min_value=1, max_value=10_000_000),
        _e(
            "expect_column_values_to_be_between", column="published_date",
            min_value="1900-01-01", max_value={"$PARAMETER": "max_event_date"},
        ),
    ]
    return {"name": "articles", "expectations": rules, "meta": {"generated_by": "scripts/build_suites.py"}, "notes": None}


def events_suite() -> dict:
    rules = _shape(EVENTS_SCHEMA)
    rules += _not_null(
        "event_id", "article_id", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1", "inter1",
        "country", "geo_precision", "fatalities", "injuries", "notes", "confidence", "extractor_version",
    )
    rules += [
        _e("expect_column_values_to_be_unique", column="event_id"),
        _e("expect_column_values_to_match_regex", column="article_id", regex=SHA256_HEX),
        _e(
            "expect_column_values_to_be_between", column="event_date",
            min_value={"$PARAMETER": "min_event_date"}, max_value={"$PARAMETER": "max_event_date"},
        ),
        _e("expect_column_values_to_be_in_set", column="time_precision", value_set=[1, 2, 3]),
        _e("expect_column_values_to_be_in_set", column="geo_precision", value_set=[1, 2, 3]),
        _e("expect_column_values_to_be_in_set", column="disorder_type", value_set=list(DISORDER_TYPES)),
        _e("expect_column_values_to_be_in_set", column="event_type", value_set=list(EVENT_TYPES)),
        _e("expect_column_values_to_be_in_set", column="sub_event_type", value_set=list(SUB_EVENT_TYPES)),
        _e(
            "expect_column_pair_values_to_be_in_set", column_A="event_type", column_B="sub_event_type",
            value_pairs_set=[[t, s] for t, subs in ACLED_SUB_EVENT_TYPES.items() for s in subs],
        ),
        _e("expect_column_values_to_be_in_set", column="inter1", value_set=list(ACTOR_CATEGORIES)),
        _e("expect_column_values_to_be_in_set", column="inter2", value_set=list(ACTOR_CATEGORIES)),
        _e("expect_column_values_to_be_in_set", column="civilian_targeting", value_set=[CIVILIAN_TARGETING]),
        _e("expect_column_values_to_match_regex", column="iso3", regex=r"^[A-Z]{3}$"),
        _e("expect_column_values_to_be_between", column="latitude", min_value=-90, max_value=90),
        _e("expect_column_values_to_be_between", column="longitude", min_value=-180, max_value=180),
        _e("expect_column_values_to_be_between", column="fatalities", min_value=0, max_value=MAX_COUNT),
        _e("expect_column_values_to_be_between", column="injuries", min_value=0, max_value=MAX_COUNT),
        _e("expect_column_values_to_be_between", column="confidence", min_value=0, max_value=1),
    ]
    return {"name": "events", "expectations": rules, "meta": {"generated_by": "scripts/build_suites.py"}, "notes": None}


SUITES = {"articles": articles_suite, "events": events_suite}


def render(name: str) -> str:
    return json.dumps(SUITES[name](), indent=2) + "\n"


def main() -> int:
    for name in SUITES:
        (EXPECTATIONS_DIR / f"{name}.json").write_text(render(name))
        print(f"wrote {EXPECTATIONS_DIR / f'{name}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
