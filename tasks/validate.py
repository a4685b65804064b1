"""validate: Great Expectations suites (expectations/*.json) over each dataset batch; failing rows go to quarantine.

A failure of a table-level expectation (column set, column types) means the code produced the wrong
shape: the run fails and nothing is published. A failure of a row-level expectation (a vocabulary,
a range, a null) quarantines just the rows that broke it, naming the expectations they broke.
"""

from __future__ import annotations

import html
import json
import logging
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from tasks.lock import exclusive
from tasks.records import quarantine_row

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


def _escape_strings(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, list):
        return [_escape_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_strings(v) for k, v in value.items()}
    return value


def escape_stored_results(project_dir: Path, run_id: str, done: set[Path] | None = None) -> int:
    """HTML-escape the data values in a run's stored validation results; return how many files were escaped.

    GX 1.24 writes unexpected values (article titles, actor names, ids) into Data Docs pages as
    raw HTML, so a `<script>` in an article would run in the reader's browser. The stored results
    are what the pages are rendered from: escaping them there (once, marked in `meta`) makes every
    later docs build safe too. Only the `result` part of each outcome holds data values. `done`
    holds the files already handled (and gains this call's), so a run of many batches reads each once.
    """
    done = set() if done is None else done
    escaped = 0
    for path in sorted((project_dir / "gx" / "uncommitted" / "validations").glob(f"*/{run_id}/*/*.json")):
        if path in done:
            continue
        done.add(path)
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("meta", {}).get(ESCAPED_MARK):
            continue
        for outcome in stored.get("results", []):
            outcome["result"] = _escape_strings(outcome.get("result") or {})
        stored.setdefault("meta", {})[ESCAPED_MARK] = True
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(stored, indent=2), encoding="utf-8")
        tmp.replace(path)  # a reader (a docs build) sees the raw or the escaped file, never half of one
        escaped += 1
    return escaped


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
        quarantine_row(row["event_id"], "validate", "article_rejected", "its article failed validation", row, run_id)
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
        self._escaped: set[Path] = set()  # stored results already escaped (see escape_stored_results)
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

    def validate(self, dataset: str, table: pa.Table, run_id: str, report: DatasetReport) -> tuple[pa.Table, list[dict]]:
        """Rows that pass, and quarantine rows for those that fail; raise TableValidationError on a shape failure."""
        from great_expectations.core.run_identifier import RunIdentifier

        frame = to_validation_frame(table)
        result = self.definitions[dataset].run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=suite_parameters(self.run_date),
            result_format={"result_format": "COMPLETE"},
            run_id=RunIdentifier(run_name=run_id),  # Data Docs file each batch's page under the run's id
        )
        escape_stored_results(self.project_dir, run_id, self._escaped)
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
                quarantine_row(
                    str(row.get(id_column)), "validate", "failed_expectations",
                    f"{dataset} row failed: {', '.join(sorted(set(labels)))}", row, run_id,
                )
            )
        keep = [i for i in range(table.num_rows) if i not in failed_rows]
        return table.take(pa.array(keep, pa.int64())), quarantined

    def build_report(self, run_id: str) -> dict[str, Any]:
        """Rebuild the Data Docs site: its index page, and this run's validation pages.

        The run's pages (one per dataset and batch) are static HTML that reads offline, unlike the
        site index, whose list GX draws with scripts from a CDN.
        """
        with exclusive(self.project_dir / SETUP_LOCK):  # two runs must not write the index at once
            self.context.build_data_docs()
        sites = self.context.get_docs_sites_urls()
        index = (sites[0]["site_url"] if sites else "").removeprefix("file://")
        pages = sorted(str(p) for p in Path(index).parent.glob(f"validations/*/{run_id}/*/*.html")) if index else []
        return {"index": index, "pages": pages}


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
