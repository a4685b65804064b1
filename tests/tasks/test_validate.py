"""validate: the stored GX suites pass good rows, quarantine bad ones by name, and fail the run on a wrong shape."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pyarrow as pa
import pytest

from scripts.build_suites import SUITES, render
from tasks.schemas import SCHEMAS
from tasks.validate import DatasetReport, TableValidationError, Validator

from conftest import PROJECT_ROOT

RUN_DATE = date(2026, 11, 21)
ARTICLE_ID = "a" * 64


def event(**changes):
    row = {
        "event_id": f"{ARTICLE_ID[:16]}-000", "article_id": ARTICLE_ID, "event_date": date(2024, 3, 18), "time_precision": 1,
        "disorder_type": "Political violence", "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
        "actor1": "Military Forces of Israel", "assoc_actor_1": None, "inter1": "External/Other forces",
        "actor2": "Military Forces of Syria", "assoc_actor_2": None, "inter2": "State forces", "civilian_targeting": None,
        "country": "Syria", "iso3": "SYR", "admin1": "Daraa", "admin2": None, "location": "Daraa", "latitude": 32.6, "longitude": 36.1,
        "geo_precision": 3, "fatalities": 0, "injuries": 1, "notes": "Israel launched airstrikes.", "confidence": 0.8,
        "extractor_version": "test",
    }
    row.update(changes)
    return row


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    return Validator(PROJECT_ROOT / "expectations", tmp_path_factory.mktemp("gx"), RUN_DATE)


def test_stored_suites_match_their_generator():
    for name in SUITES:
        assert (PROJECT_ROOT / "expectations" / f"{name}.json").read_text() == render(name), f"run python -m scripts.build_suites ({name})"


def test_good_rows_pass(validator):
    report = DatasetReport()
    table = pa.Table.from_pylist([event(), event(event_id="x-1", event_date=None, admin1=None, latitude=None, longitude=None)], schema=SCHEMAS["events"])
    kept, quarantined = validator.validate("events", table, "run", report)
    assert kept.num_rows == 2 and quarantined == []
    assert report.rows_checked == 2 and report.expectations_evaluated > 40 and not report.expectations_failed


def test_bad_rows_are_quarantined_with_the_expectations_they_failed(validator):
    rows = [
        event(event_id="ok"),
        event(event_id="bad-type", sub_event_type="Bombing"),
        event(event_id="bad-counts", fatalities=-3, injuries=200_000),
        event(event_id="future", event_date=date(2030, 1, 1)),
        event(event_id="ancient", event_date=date(1970, 1, 1)),
        event(event_id="bad-geo", latitude=95.0, geo_precision=4),
        event(event_id="bad-actor", inter1="Terrorists", actor1=None),
        event(event_id="pair", event_type="Battles"),
    ]
    report = DatasetReport()
    kept, quarantined = validator.validate("events", pa.Table.from_pylist(rows, schema=SCHEMAS["events"]), "run", report)
    assert kept.column("event_id").to_pylist() == ["ok"]
    detail = {q["record_ref"]: q["detail"] for q in quarantined}
    assert "expect_column_values_to_be_in_set(sub_event_type)" in detail["bad-type"]
    assert "expect_column_values_to_be_between(fatalities)" in detail["bad-counts"] and "(injuries)" in detail["bad-counts"]
    assert "expect_column_values_to_be_between(event_date)" in detail["future"]
    assert "expect_column_values_to_be_between(event_date)" in detail["ancient"]
    assert "(latitude)" in detail["bad-geo"] and "(geo_precision)" in detail["bad-geo"]
    assert "(inter1)" in detail["bad-actor"] and "expect_column_values_to_not_be_null(actor1)" in detail["bad-actor"]
    assert "expect_column_pair_values_to_be_in_set" in detail["pair"]
    assert all(q["stage"] == "validate" and q["reason"] == "failed_expectations" for q in quarantined)
    assert json.loads(next(q["payload"] for q in quarantined if q["record_ref"] == "bad-type"))["sub_event_type"] == "Bombing"
    assert report.rows_failed == 7


def test_a_wrong_shape_fails_instead_of_quarantining(validator):
    table = pa.Table.from_pylist([event()], schema=SCHEMAS["events"]).drop_columns(["notes"])
    with pytest.raises(TableValidationError, match="expect_table_columns_to_match_ordered_list"):
        validator.validate("events", table, "run", DatasetReport())
    wrong_type = pa.Table.from_pylist([event()], schema=SCHEMAS["events"]).set_column(
        22, "fatalities", pa.array(["zero"], pa.string())
    )
    with pytest.raises(TableValidationError, match="of_type\\(fatalities\\)"):
        validator.validate("events", wrong_type, "run", DatasetReport())


def test_articles_suite(validator):
    now = datetime.now(timezone.utc)
    good = {"article_id": ARTICLE_ID, "source_ref": "x.txt", "source_name": None, "url": None, "title": "T", "published_date": date(2024, 1, 1),
            "date_source": "header", "language": "en", "text": "Some text", "n_chars": 9, "ingested_at": now, "run_id": "run"}
    bad = {**good, "article_id": "not-a-hash", "date_source": "guess"}
    kept, quarantined = validator.validate("articles", pa.Table.from_pylist([good, bad], schema=SCHEMAS["articles"]), "run", DatasetReport())
    assert kept.num_rows == 1
    assert "match_regex(article_id)" in quarantined[0]["detail"] and "(date_source)" in quarantined[0]["detail"]


def test_the_report_is_a_data_docs_site_with_pages_for_the_run(validator):
    validator.validate("events", pa.Table.from_pylist([event(event_id="bad", fatalities=-1)], schema=SCHEMAS["events"]), "run-42", DatasetReport())
    report = validator.build_report("run-42")
    assert report["index"].endswith("index.html")
    assert len(report["pages"]) == 1 and "/run-42/" in report["pages"][0]
    page = open(report["pages"][0], encoding="utf-8").read()
    assert "fatalities" in page and "run-42" in page


def test_batches_with_all_null_optional_columns_or_no_rows_pass(validator):
    blanks = dict(event_date=None, assoc_actor_1=None, actor2=None, assoc_actor_2=None, inter2=None, civilian_targeting=None,
                  admin1=None, admin2=None, latitude=None, longitude=None)
    table = pa.Table.from_pylist([event(**blanks), event(event_id="b", **blanks)], schema=SCHEMAS["events"])
    kept, quarantined = validator.validate("events", table, "run", DatasetReport())
    assert kept.num_rows == 2 and quarantined == []
    kept, quarantined = validator.validate("events", SCHEMAS["events"].empty_table(), "run", DatasetReport())
    assert kept.num_rows == 0 and quarantined == []


def test_events_of_a_rejected_article_go_to_quarantine_with_it():
    from tasks.validate import drop_orphan_events

    table = pa.Table.from_pylist([event(event_id="e1"), event(event_id="e2", article_id="b" * 64)], schema=SCHEMAS["events"])
    kept, quarantined = drop_orphan_events(table, {"b" * 64}, "run")
    assert kept.column("event_id").to_pylist() == ["e2"]
    assert [(q["record_ref"], q["reason"]) for q in quarantined] == [("e1", "article_rejected")]


def test_data_docs_show_article_values_as_text_never_as_markup(tmp_path):
    validator = Validator(PROJECT_ROOT / "expectations", tmp_path / "gx-escape", RUN_DATE)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    table = pa.Table.from_pylist([event(), event(event_id="evil", sub_event_type=attack, iso3=attack)], schema=SCHEMAS["events"])
    kept, quarantined = validator.validate("events", table, "run-escape", DatasetReport())
    assert quarantined[0]["record_ref"] == "evil" and json.loads(quarantined[0]["payload"])["iso3"] == attack  # the data itself is kept as it was
    pages = validator.build_report("run-escape")["pages"]
    assert pages
    for page in pages:
        text = open(page, encoding="utf-8").read()
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert" in text and "&amp;lt;" not in text  # escaped once, so the reader sees the value
    validator.context.build_data_docs()  # a later rebuild from the stored results stays escaped
    assert all("<script>alert" not in open(p, encoding="utf-8").read() for p in pages)
