"""What the command line prints of a run and of a lake check: plain text for a terminal or a log."""

from __future__ import annotations

from pathlib import Path

from conflict_events.lake.verify import Finding
from conflict_events.models import RunSummary
from conflict_events.reports.artifacts import lake_report_path


def format_summary(summary: RunSummary) -> str:
    """The end-of-run summary a person reads."""
    lines = [
        f"run {summary.run_id} ({summary.mode}" + (f": {summary.recode_reason}" if summary.recode_reason else "") + ")",
        f"  records in:   {summary.records_in}",
        f"  unchanged:    {summary.unchanged} (already published)",
        f"  articles:     {summary.articles}" + (f" (+{summary.recoded_from_lake} coded again from the lake)" if summary.recoded_from_lake else ""),
        f"  events:       {summary.events}",
        f"  quarantined:  {summary.records_quarantined} records ({summary.duplicates} duplicates), {summary.events_quarantined} events"
        + (f" ({summary.already_quarantined} rows already in quarantine, not added again)" if summary.already_quarantined else ""),
        f"  accounted:    {summary.records_in - summary.unaccounted} of {summary.records_in} records in "
        "(articles + quarantined + unchanged)",
    ]
    if summary.fetched:
        fetched = summary.fetched
        lines.append(
            f"  fetched:      {fetched.get('records', 0)} records, {fetched.get('quarantined', 0)} failures quarantined, "
            f"{fetched.get('unchanged', 0) + fetched.get('skipped', 0)} unchanged (not fetched again or same text)"
        )
    if summary.copies or summary.updated:
        lines.append(f"  copies:       {summary.copies} articles linked to an earlier copy of their story; {summary.updated} updated texts replaced their earlier version")
    if summary.incidents:
        lines.append(f"  incidents:    {summary.incidents} incidents new or changed (one row per real incident, across articles)")
    if summary.published_meanwhile:
        lines.append(f"  meanwhile:    {summary.published_meanwhile} articles were published first by another run (counted above)")
    for reason, count in summary.quarantined_by_reason.items():
        lines.append(f"    {count:5d}  {reason}")
    if summary.versions:
        published = ", ".join(f"{d} {v}" for d, v in summary.versions.items())
        lines.append(f"  published:    {published} in {summary.lake}")
    else:
        lines.append("  published:    nothing new: no new version of any dataset")
    for dataset, report in summary.validation.items():
        failed = report["expectations_failed"]
        lines.append(
            f"  validation:   {dataset}: {report['rows_checked']} rows checked, {report['rows_failed']} failed"
            + (f" ({', '.join(f'{k} x{v}' for k, v in failed.items())})" if failed else "")
        )
    if summary.report:
        lines.append(f"  report:       {summary.report}")
        lines.append(f"  this run:     {summary.report_page}")
        if summary.report_page and Path(lake_report_path(summary.report_page)).exists():
            lines.append(f"  lake report:  {lake_report_path(summary.report_page)}")
    return "\n".join(lines)


def format_finding(label: str, finding: Finding) -> str:
    """One finding of `verify` as one line, led by its path from the lake root."""
    return f"{label} {finding.path}: {finding.kind}: {finding.detail}"
