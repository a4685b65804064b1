"""The `conflict-events` command line (DESIGN.md): run, versions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from conflict_events.settings import apply_quiet_environment, get_settings

DATASETS = ("articles", "events", "quarantine")


def format_summary(summary: dict[str, Any]) -> str:
    """The end-of-run summary a person reads."""
    lines = [
        f"run {summary['run_id']}",
        f"  records in:   {summary['records_in']}",
        f"  articles:     {summary['articles']}",
        f"  events:       {summary['events']}",
        f"  quarantined:  {summary['records_quarantined']} records, {summary['events_quarantined']} events",
    ]
    for reason, count in summary["quarantined_by_reason"].items():
        lines.append(f"    {count:5d}  {reason}")
    if summary["versions"]:
        published = ", ".join(f"{d} {v}" for d, v in summary["versions"].items())
        lines.append(f"  published:    {published} in {summary['lake']}")
    else:
        lines.append("  published:    nothing (no new records)")
    for dataset, report in summary["validation"].items():
        failed = report["expectations_failed"]
        lines.append(
            f"  validation:   {dataset}: {report['rows_checked']} rows checked, {report['rows_failed']} failed"
            + (f" ({', '.join(f'{k} x{v}' for k, v in failed.items())})" if failed else "")
        )
    if summary.get("report"):
        lines.append(f"  report:       {summary['report']}")
        for page in summary.get("report_pages", []):
            lines.append(f"                {page}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    missing = [p for p in args.input if not Path(p).exists()]
    if missing:  # a typo in a scheduled command must not look like a successful run over nothing
        print(f"conflict-events: no such input: {', '.join(missing)}", file=sys.stderr)
        return 2
    from flows.pipeline import pipeline  # imports Prefect: only commands that run flows pay for it

    lake = args.lake or get_settings().lake
    try:
        summary = pipeline(inputs=args.input, lake=lake, batch_size=args.batch_size)
    except Exception as exc:  # the run itself failed: say why, publish nothing, exit non-zero
        print(f"conflict-events: run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(format_summary(summary))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from tasks.publish import Lake

    lake = Lake(args.lake or get_settings().lake)
    versions = lake.versions(args.dataset)
    if not versions:
        print(f"{args.dataset}: no versions in {lake.url}")
        return 0
    print(f"{'version':10} {'rows':>9}  {'created (UTC)':26} run")
    for v in versions:
        marker = " *" if v["current"] else ""
        print(f"{v['version']:10} {v['rows']:>9}  {v['created_at'][:26]:26} {v['run_id']}{marker}")
    print("(* = current)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="conflict-events", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="one pipeline run: ingest, clean, extract, validate, publish")
    run.add_argument("--input", action="append", required=True, metavar="PATH", help="folder or file of articles (repeatable)")
    run.add_argument("--lake", metavar="DIR", help="lake root (default data/lake or CONFLICT_EVENTS_LAKE)")
    run.add_argument("--batch-size", type=int, metavar="N", help="articles per batch")
    run.add_argument("--json", action="store_true", help="also print the summary as JSON")
    run.set_defaults(func=cmd_run)
    versions = sub.add_parser("versions", help="list a dataset's versions with row counts")
    versions.add_argument("dataset", choices=DATASETS)
    versions.add_argument("--lake", metavar="DIR")
    versions.set_defaults(func=cmd_versions)
    return parser


def main(argv: list[str] | None = None) -> int:
    apply_quiet_environment()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
