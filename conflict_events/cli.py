"""The `conflict-events` command line (DESIGN.md): run, versions, evaluate."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import nullcontext
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


def format_metrics(metrics: dict[str, Any]) -> str:
    """The metrics as a two-column table."""
    lines = [f"{'metric':28} value"]
    for key, value in metrics.items():
        lines.append(f"{key:28} {value:.3f}" if isinstance(value, float) else f"{key:28} {value}")
    return "\n".join(lines)


def format_errors(errors: list[dict[str, Any]], limit: int, field: str | None = None) -> str:
    """The first `limit` errors (already worst first), optionally of one field, one line each."""
    chosen = [e for e in errors if not field or e["field"] == field]
    of = f"{len(chosen)} {field}" if field else str(len(chosen))
    lines = [f"worst errors ({min(limit, len(chosen))} of {of}; no event, fatalities, dates, then the rest):"]
    for error in chosen[:limit]:
        where = f"{error['id']}#{error['gold_event']}" if "gold_event" in error else error["id"]
        notes = " ".join((error.get("notes") or "").split())[:200]
        lines.append(f"- {where} {error['field']}: expected {error['expected']!r}, got {error['got']!r}" + (f" | {notes}" if notes else ""))
    return "\n".join(lines)


def _published_rows(lake: Any, dataset: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """The current version of a dataset as dicts (none before the first publish)."""
    table = lake.read_current(dataset)
    if table is None:
        return []
    return (table.select(columns) if columns else table).to_pylist()


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Run the pipeline (or read --lake), score its events against the gold file, print metrics and worst errors."""
    for option, path in (("--articles", args.articles), ("--gold", args.gold)):
        if not Path(path).exists():
            print(f"conflict-events: no such {option} path: {path}", file=sys.stderr)
            return 2
    from tasks.evaluate import GoldError, evaluate, load_gold
    from tasks.publish import Lake, LakeError

    try:
        kind, gold = load_gold(Path(args.gold))
    except GoldError as exc:  # checked before a run of minutes, not after
        print(f"conflict-events: cannot use gold file {args.gold}: {exc}", file=sys.stderr)
        return 2
    say = (lambda *_: None) if args.json else print
    # Without --lake the run goes to a temporary lake, removed once its rows are read.
    with nullcontext(args.lake) if args.lake else tempfile.TemporaryDirectory(prefix="conflict-events-evaluate-") as lake_url:
        lake = Lake(lake_url)
        try:
            current = {d: lake.current_version(d) for d in ("articles", "events")}
        except LakeError as exc:
            print(f"conflict-events: cannot read lake {lake_url}: {exc}", file=sys.stderr)
            return 2
        if args.lake and all(current.values()):
            say(f"reading lake {lake_url} (articles {current['articles']}, events {current['events']}); not running the pipeline")
            inputs = (lake.manifest("articles", current["articles"]) or {}).get("inputs") or []
            if str(Path(args.articles).resolve()) not in inputs:
                print(
                    f"conflict-events: note: the lake's current articles were published from {inputs}, not {args.articles}",
                    file=sys.stderr,
                )
        else:
            from flows.pipeline import pipeline

            try:
                summary = pipeline(inputs=[args.articles], lake=lake_url, batch_size=args.batch_size)
            except Exception as exc:
                print(f"conflict-events: run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 1
            say(
                f"ran the pipeline: {summary['records_in']} records, {summary['articles']} articles, {summary['events']} events, "
                f"{summary['records_quarantined']} records quarantined" + (f", published to {lake_url}" if args.lake else "")
            )
        articles = _published_rows(lake, "articles", ["article_id", "source_ref", "run_id"])
        events = _published_rows(lake, "events")
        quarantine = _published_rows(lake, "quarantine", ["record_ref", "stage", "reason", "detail", "payload"])
    result = evaluate(kind, gold, articles, events, quarantine)
    if result["not_in_lake"]:
        print(
            f"conflict-events: note: {len(result['not_in_lake'])} of {result['metrics']['articles']} gold articles are in neither "
            f"articles nor quarantine (e.g. {result['not_in_lake'][0]}); they count as having no event",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(result["metrics"]))
        return 0
    print(f"{kind} gold: {args.gold}")
    print(format_metrics(result["metrics"]))
    print(json.dumps(result["metrics"]))
    print(format_errors(result["errors"], args.errors, args.field))
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
    evaluate = sub.add_parser("evaluate", help="score coded events against a gold coding (FA-KES JSONL or seeds JSON)")
    evaluate.add_argument("--articles", required=True, metavar="PATH", help="the articles the gold codes (file or folder)")
    evaluate.add_argument("--gold", required=True, metavar="FILE", help="fakes_dev_gold.jsonl-style JSONL or seeds_gold.json-style JSON")
    evaluate.add_argument(
        "--lake", metavar="DIR", help="read this lake if it has current articles and events, else run into it (default: a temporary lake)"
    )
    evaluate.add_argument("--batch-size", type=int, metavar="N", help="articles per batch when running")
    evaluate.add_argument("--errors", type=int, default=20, metavar="N", help="list this many worst errors (default 20)")
    evaluate.add_argument("--field", metavar="F", help="list only errors of this field (event, admin1, fatalities, ...)")
    evaluate.add_argument("--json", action="store_true", help="print only the metrics as one JSON line")
    evaluate.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    apply_quiet_environment()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
