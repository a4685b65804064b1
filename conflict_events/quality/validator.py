"""The Great Expectations project of a lake: suites (expectations/*.json) run over dataset batches, Data Docs.

A failure of a table-level expectation (column set, column types) means the code produced the wrong
shape: the run fails and nothing is published. A failure of a row-level expectation (a vocabulary,
a range, a null) quarantines just the rows that broke it, naming the expectations they broke.

A `Validator` holds only the GX context and the suites' definitions, so one can serve every run on
the lake; each run keeps its own merged results (`results.RunValidation`), which `build_report`
stores and renders as the run's one Data Docs page per dataset.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from conflict_events.file_lock import exclusive
from conflict_events.models import QuarantineRow
from conflict_events.quality.offline_docs import localize_site
from conflict_events.quality.results import BatchCheck, DatasetReport, RunValidation, escaped_result

log = logging.getLogger(__name__)

TABLE_LEVEL = frozenset(
    {"expect_table_columns_to_match_ordered_list", "expect_table_columns_to_match_set", "expect_column_values_to_be_of_type"}
)
ID_COLUMNS = {"articles": "article_id", "events": "event_id"}
SETUP_LOCK = "_gx.lock"


def _expectations(suite: Any) -> list[dict]:
    """A suite's expectations without their generated ids, to tell whether the stored suite is still current."""
    return [{k: v for k, v in e.configuration.to_json_dict().items() if k != "id"} for e in suite.expectations]


class TableValidationError(RuntimeError):
    """A table-level expectation failed: the dataset has the wrong shape and must not be published."""


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


class Validator:
    """One Great Expectations file context per lake; suites loaded from expectations/*.json."""

    def __init__(self, expectations_dir: Path, project_dir: Path, run_date: date):
        import great_expectations as gx  # ~10 s to import: only the validate stage pays for it

        self.gx = gx
        self.run_date = run_date
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

    def validate(self, dataset: str, table: pa.Table, run_id: str) -> tuple[pa.Table, list[QuarantineRow], BatchCheck]:
        """Rows that pass, quarantine rows for those that fail, and the batch's check for the run's report.

        Raises TableValidationError on a shape failure.
        """
        result = self._run_suite(dataset, to_validation_frame(table))
        report = DatasetReport()
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
        # Record ids name the failing rows on the run's page; a table without its id column (a wrong shape) numbers them.
        ids = table.column(id_column).to_pylist() if id_column in table.column_names else list(range(table.num_rows))
        return table.take(pa.array(keep, pa.int64())), quarantined, BatchCheck(dataset, result, ids, report)

    def build_report(self, run_id: str, run: RunValidation) -> dict[str, Any]:
        """Store the run's merged results (one per dataset) and render their Data Docs pages and the site index.

        Only this run's pages are rendered, not every stored result again. GX's pages load their
        scripts and styles from CDNs: `offline_docs.localize_site` points these pages, the index and
        the suites' pages at copies inside the site (and lists the run pages on the index), so the
        whole site opens offline without one network request.
        """
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        from great_expectations.constants import DATAFRAME_REPLACEMENT_STR
        from great_expectations.core.run_identifier import RunIdentifier

        if not run.merged:
            log.warning("no batch of run %s was validated by this process: its report has no pages", run_id)
        # The suites' pages are rendered too (the run's pages link to them); never an empty list,
        # which GX would take as "render everything".
        suites = {d.suite.name: ExpectationSuiteIdentifier(name=d.suite.name) for d in self.definitions.values()}
        run_identifier = RunIdentifier(run_name=run_id, run_time=run.started)
        stored = [
            ValidationResultIdentifier(
                expectation_suite_identifier=suites[result.suite_name], run_id=run_identifier, batch_identifier=result.batch_id,
            )
            for result in run.merged.values()
        ]
        with exclusive(self.project_dir / SETUP_LOCK):  # two runs must not write the index at once
            for (dataset, result), key in zip(run.merged.items(), stored, strict=True):
                # Checked once a run: its batches all went through the definitions this object loaded.
                self._check_fresh(self.definitions[dataset])
                meta = {
                    "run_id": run_identifier, "validation_time": run.started, "validation_id": self.definitions[dataset].id,
                    "checkpoint_id": None, "batch_parameters": {"dataframe": DATAFRAME_REPLACEMENT_STR},
                }
                self.context.validation_results_store.store_validation_results(
                    suite_validation_result=escaped_result(result, meta), suite_validation_result_identifier=key,
                    expectation_suite_identifier=key.expectation_suite_identifier,
                )
            self.context.build_data_docs(resource_identifiers=[*suites.values(), *stored])
            pages = sorted(p for p in (_page_path(self.context, key) for key in stored) if p)
            sites = self.context.get_docs_sites_urls()
            index = (sites[0]["site_url"] if sites else "").removeprefix("file://")
            if index:
                localize_site(Path(index).parent, pages)
        return {"index": index, "pages": pages}


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
            *uncommitted.glob(f"data_docs/*/runs/{run_id}-report.html"),  # the lake's report the run wrote beside its page
        ]
        for target in targets:
            shutil.rmtree(target) if target.is_dir() else target.unlink()
            removed.append(target)
    return removed


def rebuild_data_docs(project_dir: Path) -> None:
    """Rebuild the Data Docs (index and every page) from the stored results (after some were removed), offline-ready."""
    import great_expectations as gx

    with exclusive(project_dir / SETUP_LOCK):
        context = gx.get_context(mode="file", project_root_dir=str(project_dir))
        context.build_data_docs()
        for site in context.get_docs_sites_urls():
            if (site.get("site_url") or "").startswith("file://"):
                localize_site(Path(site["site_url"].removeprefix("file://")).parent)


def project_of_index(index: Path) -> Path:
    """The GX project folder of a Data Docs index (<project>/gx/uncommitted/data_docs/<site>/index.html)."""
    project = Path(index).parents[4]
    if Path(index).relative_to(project).parts[:3] != ("gx", "uncommitted", "data_docs"):
        raise ValueError(f"{index} is not the index of a Data Docs site of a GX project")
    return project


def refresh_run_list(project_dir: Path) -> None:
    """Write the run pages now in the site (runs/*.html) into the Data Docs index's run list.

    build_report lists the run pages present when it runs; a run's own page, written after it, shows
    on the index from the next build on, or at once when its writer calls this.
    """
    with exclusive(project_dir / SETUP_LOCK):
        for index in sorted((project_dir / "gx" / "uncommitted").glob("data_docs/*/index.html")):
            localize_site(index.parent, [])
