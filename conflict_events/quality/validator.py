"""validate: Great Expectations suites (expectations/*.json) over each dataset batch; failing rows go to quarantine.

A failure of a table-level expectation (column set, column types) means the code produced the wrong
shape: the run fails and nothing is published. A failure of a row-level expectation (a vocabulary,
a range, a null) quarantines just the rows that broke it, naming the expectations they broke.

Batches are validated one by one and stored nowhere; each run keeps, per dataset, one result merged
over its batches (counts summed, value samples capped), which build_report stores and renders as
the run's one Data Docs page per dataset.
"""

from __future__ import annotations

import html
import json
import logging
import shutil
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from conflict_events.lake.lock import exclusive
from conflict_events.models import QuarantineRow

log = logging.getLogger(__name__)

TABLE_LEVEL = frozenset(
    {"expect_table_columns_to_match_ordered_list", "expect_table_columns_to_match_set", "expect_column_values_to_be_of_type"}
)
ID_COLUMNS = {"articles": "article_id", "events": "event_id"}
SETUP_LOCK = "_gx.lock"


def _expectations(suite: Any) -> list[dict]:
    """A suite's expectations without their generated ids, to tell whether the stored suite is still current."""
    return [{k: v for k, v in e.configuration.to_json_dict().items() if k != "id"} for e in suite.expectations]


ESCAPED_MARK = "conflict_events_values_escaped"
PARTIAL_VALUES = 20  # GX's own partial_unexpected_count: the sample a Data Docs page shows
UNEXPECTED_VALUES = 200  # unexpected values (and their record ids) a run's merged result keeps per expectation
SUMMED = ("element_count", "missing_count", "unexpected_count")
# Keys of an outcome's `result` that a merge computes (or drops: batch row numbers) instead of copying.
MERGED = frozenset(
    {*SUMMED, "missing_percent", "unexpected_percent", "unexpected_percent_total", "unexpected_percent_nonmissing",
     "partial_unexpected_list", "partial_unexpected_counts", "unexpected_list", "unexpected_index_list",
     "partial_unexpected_index_list", "unexpected_index_query"}
)


def _escape_strings(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, (list, tuple)):
        return [_escape_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_strings(v) for k, v in value.items()}
    return value


def escaped_result(result: Any) -> Any:
    """A copy of a suite result whose data values are HTML-escaped and marked so in `meta`.

    GX 1.24 writes unexpected values (article titles, actor names, ids) into Data Docs pages as
    raw HTML, so a `<script>` in an article would run in the reader's browser. Escaping the result
    before it is stored makes every later docs build from it safe too. Only the `result` part of
    each outcome holds data values; they are made JSON values first, as the store would.
    """
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.util import convert_to_json_serializable

    outcomes = [
        ExpectationValidationResult(
            success=o.success, expectation_config=o.expectation_config, meta=o.meta, exception_info=o.exception_info,
            result=_escape_strings(convert_to_json_serializable(o.result or {})),
        )
        for o in result.results
    ]
    return _suite_result(result, outcomes, {**result.meta, ESCAPED_MARK: True})


def _values(result: dict, key: str) -> list:
    return result.get(key) or []


def _percent(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole > 0 else None


def _merged_counts(first: list[dict], second: list[dict]) -> list[dict]:
    """Two `partial_unexpected_counts` as one top list (summed counts of the values either names)."""
    if not all("value" in c for c in first + second):  # GX's {"error": ...} for unhashable values
        return first or second
    counts: dict[str, dict] = {}
    for c in first + second:
        counts.setdefault(repr(c["value"]), {"value": c["value"], "count": 0})["count"] += c["count"]
    return sorted(counts.values(), key=lambda c: -c["count"])[:PARTIAL_VALUES]


def merge_outcome_result(merged: dict | None, batch: dict, ids: list[Any], shown: bool) -> dict:
    """One expectation's `result` over the batches so far and one more: counts summed, percents recomputed, samples capped."""
    merged = merged or {}
    # Other keys (an observed_value) describe one batch: the one the page shows.
    out = {k: v for k, v in (batch if shown else merged).items() if k not in MERGED}
    for key in SUMMED:
        if key in batch or key in merged:
            out[key] = (merged.get(key) or 0) + (batch.get(key) or 0)
    if "unexpected_count" in out:
        elements, missing = out.get("element_count") or 0, out.get("missing_count") or 0
        out["unexpected_percent_total"] = _percent(out["unexpected_count"], elements)
        # As GX: the share of non-null values when nulls are counted apart, else of all values.
        nonmissing = _percent(out["unexpected_count"], elements - missing) if elements > 0 else None
        out["unexpected_percent"] = nonmissing if "missing_count" in out else out["unexpected_percent_total"]
        if "missing_count" in out:
            out["missing_percent"] = _percent(missing, elements)
            out["unexpected_percent_nonmissing"] = nonmissing
        else:
            out.pop("unexpected_percent_total")
    if "partial_unexpected_list" in batch or "partial_unexpected_list" in merged:
        values = [*_values(merged, "partial_unexpected_list"), *_values(batch, "partial_unexpected_list")]
        out["partial_unexpected_list"] = values[:PARTIAL_VALUES]
    if "partial_unexpected_counts" in batch or "partial_unexpected_counts" in merged:
        key = "partial_unexpected_counts"
        out[key] = _merged_counts(_values(merged, key), _values(batch, key))
    if "unexpected_list" in batch or "unexpected_list" in merged:
        kept = _values(merged, "unexpected_list")
        added = _values(batch, "unexpected_list")[: UNEXPECTED_VALUES - len(kept)]
        out["unexpected_list"] = [*kept, *added]
        # Batch row numbers mean nothing once batches are merged: the page names the records instead,
        # one id per kept value, for as long as the two lists pair up.
        rows = _values(batch, "unexpected_index_list")[: len(added)]
        named = [*_values(merged, "unexpected_index_list"), *(ids[int(i)] for i in rows)]
        if len(named) == len(out["unexpected_list"]):
            out["unexpected_index_list"] = named
    return out


def merge_outcome(merged: Any | None, batch: Any, ids: list[Any]) -> Any:
    """One expectation's outcome over the batches so far and one more: it succeeds only if every batch did."""
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

    # A page shows the first batch's details, or those of the first batch that failed.
    shown = merged is None or (merged.success and not batch.success)
    raised = merged is not None and (merged.exception_info or {}).get("raised_exception")
    return ExpectationValidationResult(
        success=bool(batch.success) and (merged is None or bool(merged.success)),
        expectation_config=batch.expectation_config,
        result=merge_outcome_result(None if merged is None else merged.result, batch.result or {}, ids, shown),
        meta=(batch if shown else merged).meta,
        exception_info=merged.exception_info if raised else batch.exception_info,
    )


def _suite_result(like: Any, outcomes: list[Any], meta: dict) -> Any:
    """A suite result with these outcomes and meta, its statistics and success recomputed."""
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
    from great_expectations.validator.validation_statistics import calc_validation_statistics

    stats = calc_validation_statistics(outcomes)
    return ExpectationSuiteValidationResult(
        success=stats.success, results=outcomes, suite_name=like.suite_name, suite_parameters=like.suite_parameters,
        statistics={
            "evaluated_expectations": stats.evaluated_expectations, "successful_expectations": stats.successful_expectations,
            "unsuccessful_expectations": stats.unsuccessful_expectations, "success_percent": stats.success_percent,
        },
        meta=meta, batch_id=like.batch_id,
    )


def _expectation_key(outcome: Any) -> str:
    config = outcome.expectation_config
    return config.id or json.dumps(config.to_json_dict(), sort_keys=True, default=str)


def merge_suite_results(merged: Any | None, batch: Any, ids: list[Any], rows: int) -> Any:
    """A run's suite result over the batches so far and one more, in memory bounded by the suite's size."""
    if merged is None:
        outcomes = [merge_outcome(None, b, ids) for b in batch.results]
    else:
        # GX lists the outcomes in another order when some raised (a wrong shape): match them by expectation.
        by_expectation = {_expectation_key(b): b for b in batch.results}
        if len(by_expectation) != len(batch.results) or set(by_expectation) != {_expectation_key(m) for m in merged.results}:
            raise ValueError(f"suite {batch.suite_name} gave other expectations than in the run's earlier batches")
        outcomes = [merge_outcome(m, by_expectation[_expectation_key(m)], ids) for m in merged.results]
    meta = dict(batch.meta if merged is None else merged.meta)
    meta["batches"] = meta.get("batches", 0) + 1
    meta["rows"] = meta.get("rows", 0) + rows
    # The page shows batch_markers: the run's counts, not the first batch's fingerprint.
    markers = {k: v for k, v in meta.get("batch_markers", {}).items() if k != "pandas_data_fingerprint"}
    meta["batch_markers"] = {**markers, "batches": meta["batches"], "rows": meta["rows"]}
    return _suite_result(batch, outcomes, meta)


class TableValidationError(RuntimeError):
    """A table-level expectation failed: the dataset has the wrong shape and must not be published."""


@dataclass
class DatasetReport:
    """What validation found for one dataset over a run."""

    rows_checked: int = 0
    rows_failed: int = 0
    expectations_evaluated: int = 0
    expectations_failed: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_checked": self.rows_checked,
            "rows_failed": self.rows_failed,
            "expectations_evaluated": self.expectations_evaluated,
            "expectations_failed": dict(self.expectations_failed),
        }


def suite_parameters(run_date: date) -> dict[str, str]:
    """Values the stored suites leave as $PARAMETERs (they depend on the day of the run)."""
    return {"min_event_date": "1989-01-01", "max_event_date": (run_date + timedelta(days=1)).isoformat()}


def to_validation_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas the way the suites expect: nullable Int64, str, date objects, UTC Timestamps."""
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).reset_index(drop=True)


def expectation_label(config: Any) -> str:
    """A short, stable name for an expectation: type(column)."""
    column = config.kwargs.get("column")
    return f"{config.type}({column})" if column else config.type


def drop_orphan_events(events: pa.Table, kept_article_ids: set[str], run_id: str) -> tuple[pa.Table, list[dict]]:
    """Events whose article failed validation go to quarantine with it: no event without its article."""
    orphan = [i for i, a in enumerate(events.column("article_id").to_pylist()) if a not in kept_article_ids]
    if not orphan:
        return events, []
    quarantined = [
        QuarantineRow.of(row["event_id"], "validate", "article_rejected", "its article failed validation", row, run_id)
        for row in events.take(pa.array(orphan, pa.int64())).to_pylist()
    ]
    keep = [i for i in range(events.num_rows) if i not in set(orphan)]
    return events.take(pa.array(keep, pa.int64())), quarantined


class Validator:
    """One Great Expectations file context per lake; suites loaded from expectations/*.json."""

    def __init__(self, expectations_dir: Path, project_dir: Path, run_date: date):
        import great_expectations as gx  # ~10 s to import: only the validate stage pays for it

        self.gx = gx
        self.run_date = run_date
        # (run id, dataset) -> the run's suite result merged over its batches so far; stored by build_report.
        self._merged: dict[tuple[str, str], Any] = {}
        self._merging = threading.Lock()  # two runs on one lake and day share this object (stages.validator_for)
        self.project_dir = project_dir
        project_dir.mkdir(parents=True, exist_ok=True)
        # Runs on the same lake share this GX project. Its suites, assets and validation definitions
        # are written once and then only read: a run that re-saved them would leave another run's
        # copies stale (GX then refuses to validate with them).
        with exclusive(project_dir / SETUP_LOCK):
            self.context = gx.get_context(mode="file", project_root_dir=str(project_dir))
            self._quiet_progress_bars()
            try:
                self.datasource = self.context.data_sources.get("conflict_events")
            except KeyError:
                self.datasource = self.context.data_sources.add_pandas("conflict_events")
            self.definitions = {dataset: self._definition(dataset, expectations_dir) for dataset in ID_COLUMNS}

    def _quiet_progress_bars(self) -> None:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        bars = self.context.variables.progress_bars
        # A fresh project has no setting; a reopened one gives it back as a plain dict.
        shown = bars is None or (bars.get("globally") if isinstance(bars, dict) else bars.globally)
        if shown:
            # Progress bars would flood the run log with one line per metric batch.
            self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
            self.context.variables.save()

    def _definition(self, dataset: str, expectations_dir: Path) -> Any:
        """The stored validation definition of a dataset; (re)written only when expectations/ changed."""
        from great_expectations.exceptions import DataContextError

        gx = self.gx
        suite_dict = json.loads((expectations_dir / f"{dataset}.json").read_text())
        suite_dict.pop("id", None)
        wanted = gx.ExpectationSuite(**suite_dict)
        try:
            suite = self.context.suites.get(wanted.name)
        except DataContextError:
            suite = None
        if suite is None or _expectations(suite) != _expectations(wanted):
            suite = self.context.suites.add_or_update(wanted)
        try:
            asset = self.datasource.get_asset(dataset)
        except LookupError:
            asset = self.datasource.add_dataframe_asset(dataset)
        try:
            batch = asset.get_batch_definition("whole")
        except (LookupError, KeyError):
            batch = asset.add_batch_definition_whole_dataframe("whole")
        try:
            definition = self.context.validation_definitions.get(f"{dataset}_suite")
            if definition.suite.id == suite.id and definition.batch_definition.id == batch.id:
                return definition
        except DataContextError:
            pass
        return self.context.validation_definitions.add_or_update(gx.ValidationDefinition(name=f"{dataset}_suite", data=batch, suite=suite))

    def _check_fresh(self, definition: Any) -> None:
        """Refuse a validation definition whose stored copy changed, as ValidationDefinition.run does."""
        diagnostics = definition.is_fresh()
        if not diagnostics.success:
            if not diagnostics.parent_added and diagnostics.children_added:
                definition._add_to_store()
            else:
                diagnostics.raise_for_error()

    def _run_suite(self, dataset: str, frame: pd.DataFrame) -> Any:
        """The suite's result over one batch, stored nowhere (build_report stores the run's merge)."""
        from great_expectations.validator.v1_validator import Validator as BatchValidator

        definition = self.definitions[dataset]
        return BatchValidator(
            batch_definition=definition.batch_definition, batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE"},
        ).validate_expectation_suite(definition.suite, suite_parameters(self.run_date))

    def _merge(self, dataset: str, run_id: str, result: Any, table: pa.Table) -> None:
        """Fold a batch's result into its run's merged result."""
        from great_expectations.constants import DATAFRAME_REPLACEMENT_STR
        from great_expectations.core.run_identifier import RunIdentifier

        # Record ids name the failing rows on the run's page; a table without its id column (a wrong shape)
        # numbers them.
        id_column = ID_COLUMNS[dataset]
        ids = table.column(id_column).to_pylist() if id_column in table.column_names else list(range(table.num_rows))
        with self._merging:
            merged = self._merged.get((run_id, dataset))
            if merged is None:
                # Checked once a run: its batches all go through the definitions this object loaded.
                self._check_fresh(self.definitions[dataset])
                # One run time for the run's datasets: their pages share a folder, <suite>/<run id>/<run time>/.
                earlier = [m.meta["validation_time"] for (run, _), m in self._merged.items() if run == run_id]
                started = earlier[0] if earlier else datetime.now(timezone.utc)
                result.meta.update(
                    run_id=RunIdentifier(run_name=run_id, run_time=started), validation_time=started,
                    validation_id=self.definitions[dataset].id, checkpoint_id=None,
                    batch_parameters={"dataframe": DATAFRAME_REPLACEMENT_STR},
                )
            self._merged[(run_id, dataset)] = merge_suite_results(merged, result, ids, table.num_rows)

    def validate(self, dataset: str, table: pa.Table, run_id: str, report: DatasetReport) -> tuple[pa.Table, list[dict]]:
        """Rows that pass, and quarantine rows for those that fail; raise TableValidationError on a shape failure."""
        result = self._run_suite(dataset, to_validation_frame(table))
        self._merge(dataset, run_id, result, table)
        failed_rows: dict[int, list[str]] = {}
        table_failures: list[str] = []
        for outcome in result.results:
            report.expectations_evaluated += 1
            label = expectation_label(outcome.expectation_config)
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                table_failures.append(f"{label} raised {outcome.exception_info.get('exception_message')}")
                continue
            if outcome.success:
                continue
            report.expectations_failed[label] += 1
            if outcome.expectation_config.type in TABLE_LEVEL:
                table_failures.append(f"{label}: observed {outcome.result.get('observed_value')}")
                continue
            for index in outcome.result.get("unexpected_index_list") or []:
                failed_rows.setdefault(int(index), []).append(label)
        if table_failures:
            raise TableValidationError(f"{dataset} does not have the published shape: " + "; ".join(table_failures))
        report.rows_checked += table.num_rows
        report.rows_failed += len(failed_rows)
        quarantined = []
        records = table.to_pylist()
        id_column = ID_COLUMNS[dataset]
        for index, labels in sorted(failed_rows.items()):
            row = records[index]
            quarantined.append(
                QuarantineRow.of(
                    str(row.get(id_column)), "validate", "failed_expectations",
                    f"{dataset} row failed: {', '.join(sorted(set(labels)))}", row, run_id,
                )
            )
        keep = [i for i in range(table.num_rows) if i not in failed_rows]
        return table.take(pa.array(keep, pa.int64())), quarantined

    def forget(self, run_id: str) -> None:
        """Drop a run's merged results (a failed run never reports; the Validator outlives it in serve)."""
        with self._merging:
            for key in [k for k in self._merged if k[0] == run_id]:
                del self._merged[key]

    def build_report(self, run_id: str) -> dict[str, Any]:
        """Store the run's merged results (one per dataset) and render their Data Docs pages and the site index.

        Only this run's pages are rendered, not every stored result again. The pages are static HTML
        that reads offline, unlike the site index, whose list GX draws with scripts from a CDN.
        """
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        with self._merging:
            merged = {key: result for key, result in self._merged.items() if key[0] == run_id}
        if not merged:
            log.warning("no batch of run %s was validated by this process: its report has no pages", run_id)
        # The suites' pages are rendered too (the run's pages link to them); never an empty list,
        # which GX would take as "render everything".
        suites = {d.suite.name: ExpectationSuiteIdentifier(name=d.suite.name) for d in self.definitions.values()}
        stored = [
            ValidationResultIdentifier(
                expectation_suite_identifier=suites[result.suite_name], run_id=result.meta["run_id"],
                batch_identifier=result.batch_id,
            )
            for result in merged.values()
        ]
        with exclusive(self.project_dir / SETUP_LOCK):  # two runs must not write the index at once
            for result, key in zip(merged.values(), stored, strict=True):
                self.context.validation_results_store.store_validation_results(
                    suite_validation_result=escaped_result(result), suite_validation_result_identifier=key,
                    expectation_suite_identifier=key.expectation_suite_identifier,
                )
            self.context.build_data_docs(resource_identifiers=[*suites.values(), *stored])
            pages = [_page_path(self.context, key) for key in stored]
        with self._merging:
            for key in merged:
                self._merged.pop(key, None)
        sites = self.context.get_docs_sites_urls()
        index = (sites[0]["site_url"] if sites else "").removeprefix("file://")
        return {"index": index, "pages": sorted(p for p in pages if p)}


def _page_path(context: Any, key: Any) -> str | None:
    """The file of a stored result's Data Docs page, if it was rendered (GX logs a failed render and goes on)."""
    sites = context.get_docs_sites_urls(resource_identifier=key, only_if_exists=True)
    url = sites[0]["site_url"] if sites else None
    if not url:
        log.warning("no Data Docs page was rendered for %s", key.to_tuple())
        return None
    return url.removeprefix("file://")


def remove_run_results(project_dir: Path, run_ids: set[str]) -> list[Path]:
    """Delete the stored validation results and Data Docs pages of these runs; return what was removed.

    GX files both under <suite>/<run id>/ (results in uncommitted/validations, pages in the site);
    a results file left behind would bring its page back at the next docs build.
    """
    uncommitted = project_dir / "gx" / "uncommitted"
    removed = []
    for run_id in sorted(run_ids):
        targets = [
            *uncommitted.glob(f"validations/*/{run_id}"),
            *uncommitted.glob(f"data_docs/*/validations/*/{run_id}"),
            *uncommitted.glob(f"data_docs/*/runs/{run_id}.html"),
        ]
        for target in targets:
            shutil.rmtree(target) if target.is_dir() else target.unlink()
            removed.append(target)
    return removed


def rebuild_data_docs(project_dir: Path) -> None:
    """Rebuild the Data Docs index from the stored results (after some were removed)."""
    import great_expectations as gx

    with exclusive(project_dir / SETUP_LOCK):
        gx.get_context(mode="file", project_root_dir=str(project_dir)).build_data_docs()
