"""A run's validation results: each batch's suite result merged into one per dataset, and the counts.

Batches are validated one by one and stored nowhere; the run keeps, per dataset, one result merged
over its batches (counts summed, percents recomputed, value samples capped), in memory bounded by
the suite's size. The run owns this state (`RunValidation`, immutable: each batch gives a new one),
so a retried or remote validate task can neither lose nor double it.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

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


def escaped_result(result: Any, meta: dict[str, Any] | None = None) -> Any:
    """A copy of a suite result whose data values are HTML-escaped and marked so in `meta` (plus `meta` given).

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
    return _suite_result(result, outcomes, {**result.meta, **(meta or {}), ESCAPED_MARK: True})


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


@dataclass
class DatasetReport:
    """What validation found for one dataset over a run."""

    rows_checked: int = 0
    rows_failed: int = 0
    expectations_evaluated: int = 0
    expectations_failed: Counter = field(default_factory=Counter)

    def plus(self, other: "DatasetReport") -> "DatasetReport":
        return DatasetReport(
            self.rows_checked + other.rows_checked, self.rows_failed + other.rows_failed,
            self.expectations_evaluated + other.expectations_evaluated, self.expectations_failed + other.expectations_failed,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_checked": self.rows_checked,
            "rows_failed": self.rows_failed,
            "expectations_evaluated": self.expectations_evaluated,
            "expectations_failed": dict(self.expectations_failed),
        }


@dataclass(frozen=True)
class BatchCheck:
    """One batch of one dataset through its suite: the GX result, the rows' record ids, and the counts."""

    dataset: str
    result: Any
    ids: list[Any]
    counts: DatasetReport


@dataclass(frozen=True)
class RunValidation:
    """A run's validation so far, per dataset: the suite result merged over its batches, and summed counts."""

    started: datetime  # one run time for the run's pages: they share a folder, <suite>/<run id>/<run time>/
    merged: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, DatasetReport] = field(default_factory=dict)

    def with_batch(self, check: BatchCheck) -> "RunValidation":
        """This run's validation with one more batch folded in (self is unchanged)."""
        merged = merge_suite_results(self.merged.get(check.dataset), check.result, check.ids, len(check.ids))
        report = self.reports.get(check.dataset, DatasetReport()).plus(check.counts)
        return replace(self, merged={**self.merged, check.dataset: merged}, reports={**self.reports, check.dataset: report})

    def report(self, dataset: str) -> DatasetReport:
        return self.reports.get(dataset, DatasetReport())
