"""What a run shows in the Prefect UI and the Data Docs site: pure builders of markdown, table rows and HTML.

Every value that can come from input (paths, reasons, actor names, notes) is escaped: article text
must never become markup in the UI or the report (markdown by `md`, the HTML page by Jinja's autoescape).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from jinja2 import Environment, PackageLoader, StrictUndefined

from conflict_events.models import RunSummary

# Stable keys: the Prefect UI shows each key's history across runs.
SUMMARY_KEY = "conflict-events-run-summary"
EVENTS_KEY = "conflict-events-new-events"
REPORT_KEY = "conflict-events-data-quality"
LAKE_REPORT_KEY = "conflict-events-report"
MAX_TABLE_ROWS = 500  # the UI table is for a look, not the dataset; the summary says how many there are
EVENT_COLUMNS = (
    "event_date", "sub_event_type", "actor1", "actor2", "country", "admin1", "location", "fatalities", "confidence", "event_id",
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
# Autoescape: every value the run page shows is text, never markup.
TEMPLATES = Environment(
    loader=PackageLoader("conflict_events.reports"), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
)


def md(value: Any) -> str:
    """A value as inert markdown text: HTML escaped, markdown punctuation backslashed, one line."""
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def stage_counts(summary: RunSummary) -> list[tuple[str, int]]:
    """Records and rows per stage: in, skipped as unchanged, quarantined at each stage, published."""
    by_stage: Counter = Counter()
    for key, count in summary.quarantined_by_reason.items():
        by_stage[key.split(":", 1)[0]] += count
    return [
        ("records in", summary.records_in),
        ("unchanged (already published)", summary.unchanged),
        ("quarantined at ingest", by_stage["ingest"]),
        ("quarantined at clean", by_stage["clean"]),
        ("quarantined at extract", by_stage["extract"]),
        ("quarantined at validate (articles and events)", by_stage["validate"]),
        ("articles coded", summary.articles),
        ("articles coded again from the lake", summary.recoded_from_lake),
        ("events coded", summary.events),
        ("quarantine rows already published", summary.already_quarantined),
    ]


def summary_markdown(summary: RunSummary, failure: str | None = None, lake_report: str | None = None) -> str:
    """The run's report for the Prefect UI: outcome, counts per stage, quarantine reasons, expectations."""
    lines = [f"# conflict-events run `{md(summary.run_id)}`", ""]
    if failure:
        lines += [f"**Run failed:** {md(failure)}", "", "Nothing was published; the current versions are unchanged:", ""]
        lines += [f"- {md(d)}: {md(v or 'none')}" for d, v in summary.current_before.items()]
        return "\n".join(lines) + "\n"
    lines.append(f"Mode: **{md(summary.mode)}**" + (f" ({md(summary.recode_reason)})" if summary.recode_reason else ""))
    lines.append("")
    if summary.versions:
        lines.append("Published: " + ", ".join(f"{md(d)} **{md(v)}**" for d, v in summary.versions.items()))
    else:
        lines.append("Published: **nothing new** (no new version of any dataset)")
    lines += ["", "## Counts", "", "| stage | count |", "|---|---:|"]
    lines += [f"| {md(name)} | {count} |" for name, count in stage_counts(summary)]
    lines += ["", "## Quarantine reasons", ""]
    if summary.quarantined_by_reason:
        lines += ["| stage:reason | rows |", "|---|---:|"]
        lines += [f"| {md(reason)} | {count} |" for reason, count in summary.quarantined_by_reason.items()]
    else:
        lines.append("None.")
    lines += ["", "## Expectations", "", "| dataset | rows checked | rows failed | expectations passed | failed |", "|---|---:|---:|---:|---|"]
    for dataset, report in summary.validation.items():
        failed = report["expectations_failed"]
        passed = report["expectations_evaluated"] - sum(failed.values())
        names = ", ".join(f"{md(k)} ×{v}" for k, v in failed.items()) or "none"
        lines.append(f"| {md(dataset)} | {report['rows_checked']} | {report['rows_failed']} | {passed} | {names} |")
    if summary.report_page:
        lines += ["", f"Data Docs page of this run: `{md(summary.report_page)}`"]
    if lake_report:
        lines += ["", f"Report of the lake after this run (charts, map, newest events): `{md(lake_report)}`"]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    return value


def events_table_rows(events: pa.Table, limit: int = MAX_TABLE_ROWS) -> list[dict[str, Any]]:
    """The run's new events for the UI's table artifact: the columns people scan, at most `limit` rows."""
    if not events.num_rows:
        return []
    return [{k: _cell(v) for k, v in row.items()} for row in events.slice(0, limit).select(list(EVENT_COLUMNS)).to_pylist()]


def run_page_path(report_index: str, run_id: str) -> str:
    """Where a run's own Data Docs page lives: runs/<run id>.html beside the site's index."""
    return str(Path(report_index).parent / "runs" / f"{run_id}.html")


def lake_report_path(run_page: str) -> str:
    """Where a run writes the report of the lake it published to: beside its run page."""
    page = Path(run_page)
    return str(page.with_name(f"{page.stem}-report.html"))


def run_page_html(summary: RunSummary, pages: list[str], site_dir: Path, lake_report: str | None = None) -> str:
    """One Data Docs page per run: its counts, links to its validation pages (one per dataset: the merge of its batches) and its report."""
    links = [
        {"href": str(Path(p).relative_to(site_dir)), "dataset": Path(p).parts[-4], "batch": Path(p).parts[-2]} for p in pages
    ]
    published = ", ".join(f"{d} {v}" for d, v in summary.versions.items())
    return TEMPLATES.get_template("run_page.html").render(
        summary=summary, counts=stage_counts(summary), published=published, pages=links,
        lake_report=Path(lake_report).name if lake_report else None,
    )
