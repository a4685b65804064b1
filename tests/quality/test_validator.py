"""validate: the stored GX suites pass good rows, quarantine bad ones by name, and fail the run on a wrong shape."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from scripts.build_suites import SUITES, render
from conflict_events.schemas import SCHEMAS
from conflict_events.quality.results import PARTIAL_VALUES, UNEXPECTED_VALUES, RunValidation, merge_outcome_result
from conflict_events.quality.validator import TableValidationError, Validator, rebuild_data_docs, remove_run_results

from conftest import PROJECT_ROOT, articles_table

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


class Runs:
    """A Validator used as the batch loop uses it: each run folds its batches' checks into its own RunValidation."""

    def __init__(self, validator: Validator):
        self.validator = validator
        self.project_dir, self.context = validator.project_dir, validator.context
        self.runs: dict[str, RunValidation] = {}
        self.last_counts = None  # the counts of the last batch checked

    def validate(self, dataset: str, table: pa.Table, run_id: str):
        kept, quarantined, check = self.validator.validate(dataset, table, run_id)
        self.runs[run_id] = self.runs.get(run_id, RunValidation(started=datetime.now(timezone.utc))).with_batch(check)
        self.last_counts = check.counts
        return kept, quarantined

    def build_report(self, run_id: str) -> dict:
        return self.validator.build_report(run_id, self.runs[run_id])


def runs_on(project_dir: Path) -> Runs:
    return Runs(Validator(PROJECT_ROOT / "expectations", project_dir, RUN_DATE))


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    return runs_on(tmp_path_factory.mktemp("gx"))


def test_stored_suites_match_their_generator():
    for name in SUITES:
        assert (PROJECT_ROOT / "expectations" / f"{name}.json").read_text() == render(name), f"run python -m scripts.build_suites ({name})"


def test_good_rows_pass(validator):
    table = pa.Table.from_pylist([event(), event(event_id="x-1", event_date=None, admin1=None, latitude=None, longitude=None)], schema=SCHEMAS["events"])
    kept, quarantined = validator.validate("events", table, "run")
    report = validator.last_counts
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
    kept, quarantined = validator.validate("events", pa.Table.from_pylist(rows, schema=SCHEMAS["events"]), "run")
    report = validator.last_counts
    assert kept.column("event_id").to_pylist() == ["ok"]
    detail = {q.record_ref: q.detail for q in quarantined}
    assert "expect_column_values_to_be_in_set(sub_event_type)" in detail["bad-type"]
    assert "expect_column_values_to_be_between(fatalities)" in detail["bad-counts"] and "(injuries)" in detail["bad-counts"]
    assert "expect_column_values_to_be_between(event_date)" in detail["future"]
    assert "expect_column_values_to_be_between(event_date)" in detail["ancient"]
    assert "(latitude)" in detail["bad-geo"] and "(geo_precision)" in detail["bad-geo"]
    assert "(inter1)" in detail["bad-actor"] and "expect_column_values_to_not_be_null(actor1)" in detail["bad-actor"]
    assert "expect_column_pair_values_to_be_in_set" in detail["pair"]
    assert all(q.stage == "validate" and q.reason == "failed_expectations" for q in quarantined)
    assert json.loads(next(q.payload for q in quarantined if q.record_ref == "bad-type"))["sub_event_type"] == "Bombing"
    assert report.rows_failed == 7


def test_a_wrong_shape_fails_instead_of_quarantining(validator):
    table = pa.Table.from_pylist([event()], schema=SCHEMAS["events"]).drop_columns(["notes"])
    with pytest.raises(TableValidationError, match="expect_table_columns_to_match_ordered_list"):
        validator.validate("events", table, "run")
    wrong_type = pa.Table.from_pylist([event()], schema=SCHEMAS["events"]).set_column(
        22, "fatalities", pa.array(["zero"], pa.string())
    )
    with pytest.raises(TableValidationError, match="of_type\\(fatalities\\)"):
        validator.validate("events", wrong_type, "run")


def test_articles_suite(validator):
    now = datetime.now(timezone.utc)
    good = {"article_id": ARTICLE_ID, "source_ref": "x.txt", "source_name": None, "url": None, "title": "T", "published_date": date(2024, 1, 1),
            "date_source": "header", "language": "en", "text": "Some text", "n_chars": 9, "ingested_at": now, "run_id": "run"}
    bad = {**good, "article_id": "not-a-hash", "date_source": "guess"}
    kept, quarantined = validator.validate("articles", pa.Table.from_pylist([good, bad], schema=SCHEMAS["articles"]), "run")
    assert kept.num_rows == 1
    assert "match_regex(article_id)" in quarantined[0].detail and "(date_source)" in quarantined[0].detail


def test_the_report_is_a_data_docs_site_with_pages_for_the_run(validator):
    validator.validate("events", pa.Table.from_pylist([event(event_id="bad", fatalities=-1)], schema=SCHEMAS["events"]), "run-42")
    report = validator.build_report("run-42")
    assert report["index"].endswith("index.html")
    assert len(report["pages"]) == 1 and "/run-42/" in report["pages"][0]
    page = open(report["pages"][0], encoding="utf-8").read()
    assert "fatalities" in page and "run-42" in page


def test_batches_with_all_null_optional_columns_or_no_rows_pass(validator):
    blanks = dict(event_date=None, assoc_actor_1=None, actor2=None, assoc_actor_2=None, inter2=None, civilian_targeting=None,
                  admin1=None, admin2=None, latitude=None, longitude=None)
    table = pa.Table.from_pylist([event(**blanks), event(event_id="b", **blanks)], schema=SCHEMAS["events"])
    kept, quarantined = validator.validate("events", table, "run")
    assert kept.num_rows == 2 and quarantined == []
    kept, quarantined = validator.validate("events", SCHEMAS["events"].empty_table(), "run")
    assert kept.num_rows == 0 and quarantined == []


def test_events_of_a_rejected_article_go_to_quarantine_with_it():
    from tasks.validate import drop_orphan_events

    table = pa.Table.from_pylist([event(event_id="e1"), event(event_id="e2", article_id="b" * 64)], schema=SCHEMAS["events"])
    kept, quarantined = drop_orphan_events(table, {"b" * 64}, "run")
    assert kept.column("event_id").to_pylist() == ["e2"]
    assert [(q.record_ref, q.reason) for q in quarantined] == [("e1", "article_rejected")]


def test_data_docs_show_article_values_as_text_never_as_markup(tmp_path):
    validator = runs_on(tmp_path / "gx-escape")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    table = pa.Table.from_pylist([event(), event(event_id="evil", sub_event_type=attack, iso3=attack)], schema=SCHEMAS["events"])
    kept, quarantined = validator.validate("events", table, "run-escape")
    assert quarantined[0].record_ref == "evil" and json.loads(quarantined[0].payload)["iso3"] == attack  # the data itself is kept as it was
    pages = validator.build_report("run-escape")["pages"]
    assert pages
    for page in pages:
        text = open(page, encoding="utf-8").read()
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert" in text and "&amp;lt;" not in text  # escaped once, so the reader sees the value
    validator.context.build_data_docs()  # a later rebuild from the stored results stays escaped
    assert all("<script>alert" not in open(p, encoding="utf-8").read() for p in pages)


def events_batch(first: int, n: int, bad: dict[int, int] | None = None) -> pa.Table:
    """n events with ids e<first>..; `bad` maps a row's number to the (negative) fatalities that fail it."""
    bad = bad or {}
    return pa.Table.from_pylist(
        [event(event_id=f"e{i:04d}", fatalities=bad.get(i, 0)) for i in range(first, first + n)], schema=SCHEMAS["events"]
    )


def stored_results(validator: Validator, run_id: str) -> dict[str, dict]:
    """The run's stored GX results by suite: validations/<suite>/<run id>/<run time>/<batch>.json."""
    found = sorted((validator.project_dir / "gx" / "uncommitted" / "validations").glob(f"*/{run_id}/*/*.json"))
    assert len({p.parts[-4] for p in found}) == len(found), "more than one stored result for a suite"
    return {p.parts[-4]: json.loads(p.read_text()) for p in found}


def outcome(stored: dict, type_: str, column: str) -> dict:
    return next(r for r in stored["results"] if r["expectation_config"]["type"] == type_ and r["expectation_config"]["kwargs"].get("column") == column)


def test_a_run_stores_one_merged_result_per_dataset_however_many_batches(tmp_path):
    validator = runs_on(tmp_path / "gx")
    now = datetime.now(timezone.utc)
    article = {"source_ref": "x.txt", "source_name": None, "url": None, "title": "T", "published_date": date(2024, 1, 1), "date_source": "header",
               "language": "en", "text": "Some text", "n_chars": 9, "ingested_at": now, "run_id": "run"}
    kept_events, kept_articles = [], []
    for number, (size, bad) in enumerate([(4, {}), (5, {12: -2}), (6, {})]):  # only the middle batch has a failing row
        first = number * 10
        kept, quarantined = validator.validate("events", events_batch(first, size, bad), "run-a")
        kept_events.append(kept.num_rows)
        assert [q.record_ref for q in quarantined] == [f"e{i:04d}" for i in bad]
        rows = [{**article, "article_id": f"{first + i:064x}", "date_source": "guess" if i == 0 and number != 1 else "header"} for i in range(size)]
        kept, _ = validator.validate("articles", pa.Table.from_pylist(rows, schema=SCHEMAS["articles"]), "run-a")
        kept_articles.append(kept.num_rows)
    assert kept_events == [4, 4, 6] and kept_articles == [3, 5, 5]  # batch by batch, as before
    assert stored_results(validator, "run-a") == {}  # nothing is stored per batch

    report = validator.build_report("run-a")
    stored = stored_results(validator, "run-a")
    assert set(stored) == {"events", "articles"}
    events, articles = stored["events"], stored["articles"]
    assert events["meta"]["batches"] == 3 and events["meta"]["rows"] == 15 and events["meta"]["run_id"]["run_name"] == "run-a"
    fatalities = outcome(events, "expect_column_values_to_be_between", "fatalities")
    assert fatalities["success"] is False and events["success"] is False  # a failure in batch 2 of 3 is not outvoted
    assert fatalities["result"]["element_count"] == 15 and fatalities["result"]["unexpected_count"] == 1
    assert fatalities["result"]["unexpected_percent"] == pytest.approx(100 / 15)
    assert fatalities["result"]["unexpected_index_list"] == ["e0012"]  # the record's id, not its row in a batch
    assert outcome(events, "expect_column_values_to_be_between", "injuries")["success"] is True
    assert events["statistics"]["unsuccessful_expectations"] == 1 and events["statistics"]["evaluated_expectations"] > 40
    date_source = outcome(articles, "expect_column_values_to_be_in_set", "date_source")["result"]
    assert date_source["element_count"] == 15 and date_source["unexpected_count"] == 2
    assert outcome(articles, "expect_table_columns_to_match_ordered_list", None)["result"]["observed_value"][0] == "article_id"

    assert [Path(p).parts[-4] for p in report["pages"]] == ["articles", "events"]  # one page per dataset of the run
    pages = sorted((Path(report["index"]).parent / "validations").glob("*/run-a/*/*.html"))
    assert [str(p) for p in pages] == report["pages"]
    assert "run-a" in pages[1].read_text(encoding="utf-8") and "e0012" in pages[1].read_text(encoding="utf-8")


def test_runs_on_one_validator_keep_apart_and_a_report_renders_only_its_run(tmp_path):
    validator = runs_on(tmp_path / "gx")
    for number in range(2):  # two runs' batches interleaved on one Validator (stages.validator_for shares it)
        validator.validate("events", events_batch(number * 10, 3), "run-a")
        validator.validate("events", events_batch(100 + number * 10, 7, {100: -1}), "run-b")
    first = validator.build_report("run-a")
    assert len(first["pages"]) == 1
    page_a = Path(first["pages"][0])
    os.utime(page_a, ns=(1_000_000_000, 1_000_000_000))  # an old mtime: any rewrite would change it

    validator.validate("events", events_batch(200, 2), "run-b")
    second = validator.build_report("run-b")
    assert len(second["pages"]) == 1 and "/run-b/" in second["pages"][0] and Path(second["pages"][0]).is_file()
    assert page_a.is_file() and page_a.stat().st_mtime_ns == 1_000_000_000  # run-a's page was not rendered again
    a, b = stored_results(validator, "run-a")["events"], stored_results(validator, "run-b")["events"]
    assert (a["meta"]["rows"], a["meta"]["batches"], a["success"]) == (6, 2, True)
    assert (b["meta"]["rows"], b["meta"]["batches"], b["success"]) == (16, 3, False)


def test_a_batch_check_makes_a_new_run_validation_and_leaves_the_old_one_as_it_was(tmp_path):
    validator = Validator(PROJECT_ROOT / "expectations", tmp_path / "gx", RUN_DATE)
    empty = RunValidation(started=datetime.now(timezone.utc))
    _, _, check = validator.validate("events", events_batch(0, 3, {1: -1}), "run-r")
    once = empty.with_batch(check)
    twice = once.with_batch(check)
    # A retried validate task, or one on another worker, cannot change a run's state behind the loop's back.
    assert empty.merged == {} and empty.reports == {}
    assert (once.report("events").rows_checked, once.report("events").rows_failed) == (3, 1)
    assert (twice.report("events").rows_checked, twice.report("events").rows_failed) == (6, 2)
    assert once.merged["events"].meta["rows"] == 3 and twice.merged["events"].meta["rows"] == 6


def test_merged_value_lists_stay_capped(tmp_path):
    validator = runs_on(tmp_path / "gx")
    for number in range(3):  # 10 failing rows a batch, each with its own value
        first = number * 20
        validator.validate("events", events_batch(first, 12, {i: -1 - i for i in range(first, first + 10)}), "run-c")
    validator.build_report("run-c")
    result = outcome(stored_results(validator, "run-c")["events"], "expect_column_values_to_be_between", "fatalities")["result"]
    assert result["unexpected_count"] == 30 and result["element_count"] == 36
    assert result["partial_unexpected_list"] == [-1 - i for i in [*range(10), *range(20, 30)]]  # the first 20 over the batches
    assert len(result["partial_unexpected_counts"]) == PARTIAL_VALUES
    assert len(result["unexpected_list"]) == 30 and result["unexpected_index_list"][-1] == "e0049"
    assert "partial_unexpected_index_list" not in result and "unexpected_index_query" not in result  # batch row numbers


def test_merging_recomputes_percents_and_caps_the_unexpected_values():
    def batch(elements, missing, values):
        return {"element_count": elements, "missing_count": missing, "unexpected_count": len(values), "unexpected_list": values,
                "partial_unexpected_list": values[:PARTIAL_VALUES], "unexpected_index_list": list(range(len(values))),
                "partial_unexpected_counts": [{"value": v, "count": values.count(v)} for v in sorted(set(values))][:PARTIAL_VALUES],
                "unexpected_percent": 99.0}

    ids = [f"id{i}" for i in range(300)]
    merged = merge_outcome_result(None, batch(10, 2, ["a"]), ids, shown=True)
    merged = merge_outcome_result(merged, batch(10, 0, ["b", "b", "a"]), ids, shown=False)
    assert merged["element_count"] == 20 and merged["missing_count"] == 2 and merged["unexpected_count"] == 4
    assert merged["unexpected_percent"] == pytest.approx(4 / 18 * 100) and merged["unexpected_percent_total"] == pytest.approx(20.0)
    assert merged["missing_percent"] == pytest.approx(10.0)
    assert merged["partial_unexpected_counts"] == [{"value": "a", "count": 2}, {"value": "b", "count": 2}]
    assert merged["unexpected_index_list"] == ["id0", "id0", "id1", "id2"]
    for _ in range(3):
        merged = merge_outcome_result(merged, batch(100, 0, ["c"] * 90), ids, shown=False)
    assert merged["unexpected_count"] == 274 and len(merged["unexpected_list"]) == UNEXPECTED_VALUES
    assert len(merged["unexpected_index_list"]) == UNEXPECTED_VALUES and len(merged["partial_unexpected_list"]) == PARTIAL_VALUES
    assert merged["partial_unexpected_counts"][0] == {"value": "c", "count": 270}
    empty = merge_outcome_result(None, batch(0, 0, []), ids, shown=True)
    assert empty["unexpected_percent"] is None and empty["missing_percent"] is None


def test_removing_a_run_removes_its_stored_result_and_page(tmp_path):
    validator = runs_on(tmp_path / "gx")
    for run_id in ("run-keep", "run-drop"):
        validator.validate("events", events_batch(0, 2), run_id)
        validator.validate("articles", articles_table("a text", "another text"), run_id)
    kept_page = validator.build_report("run-keep")["pages"]
    index = Path(validator.build_report("run-drop")["index"])
    assert "run-drop" in index.read_text(encoding="utf-8")
    removed = remove_run_results(validator.project_dir, {"run-drop"})
    assert len(removed) == 4 and not any(p.exists() for p in removed)  # results and pages, of both suites
    assert stored_results(validator, "run-drop") == {} and not list(index.parent.glob("validations/*/run-drop"))
    rebuild_data_docs(validator.project_dir)
    assert "run-drop" not in index.read_text(encoding="utf-8") and all(Path(p).is_file() for p in kept_page)
