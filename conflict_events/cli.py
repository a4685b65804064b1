"""The `conflict-events` command line (DESIGN.md): run, versions, serve, prune, verify, evaluate."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from conflict_events.settings import apply_offline_environment, get_settings

DATASETS = ("articles", "events", "quarantine")


def format_summary(summary: dict[str, Any]) -> str:
    """The end-of-run summary a person reads."""
    lines = [
        f"run {summary['run_id']} ({summary['mode']}" + (f": {summary['recode_reason']}" if summary.get("recode_reason") else "") + ")",
        f"  records in:   {summary['records_in']}",
        f"  unchanged:    {summary['unchanged']} (already published)",
        f"  articles:     {summary['articles']}" + (f" (+{summary['recoded_from_lake']} coded again from the lake)" if summary["recoded_from_lake"] else ""),
        f"  events:       {summary['events']}",
        f"  quarantined:  {summary['records_quarantined']} records ({summary['duplicates']} duplicates), {summary['events_quarantined']} events"
        + (f" ({summary['already_quarantined']} rows already in quarantine, not added again)" if summary["already_quarantined"] else ""),
        f"  accounted:    {summary['records_in'] - summary['unaccounted']} of {summary['records_in']} records in "
        "(articles + quarantined + unchanged)",
    ]
    for reason, count in summary["quarantined_by_reason"].items():
        lines.append(f"    {count:5d}  {reason}")
    if summary["versions"]:
        published = ", ".join(f"{d} {v}" for d, v in summary["versions"].items())
        lines.append(f"  published:    {published} in {summary['lake']}")
    else:
        lines.append("  published:    nothing new: no new version of any dataset")
    for dataset, report in summary["validation"].items():
        failed = report["expectations_failed"]
        lines.append(
            f"  validation:   {dataset}: {report['rows_checked']} rows checked, {report['rows_failed']} failed"
            + (f" ({', '.join(f'{k} x{v}' for k, v in failed.items())})" if failed else "")
        )
    if summary.get("report"):
        lines.append(f"  report:       {summary['report']}")
        lines.append(f"  this run:     {summary['report_page']}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    missing = [p for p in args.input if not Path(p).exists()]
    if missing:  # a typo in a scheduled command must not look like a successful run over nothing
        print(f"conflict-events: no such input: {', '.join(missing)}", file=sys.stderr)
        return 2
    from flows.pipeline import pipeline  # imports Prefect: only commands that run flows pay for it

    lake = args.lake or get_settings().lake
    try:
        summary = pipeline(
            inputs=args.input, lake=lake, full=args.full, batch_size=args.batch_size, workers=args.workers, dask_address=args.dask_address
        )
    except Exception as exc:  # the run itself failed: say why, publish nothing, exit non-zero
        print(f"conflict-events: run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(format_summary(summary))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from conflict_events.lake.store import Lake

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


def cmd_serve(args: argparse.Namespace) -> int:
    """Register the scheduled deployment with the Prefect server and run its flow runs until stopped."""
    import os

    if not os.environ.get("PREFECT_API_URL"):
        # Prefect's temporary server runs no scheduler: serving against it would never start a run.
        print(
            "conflict-events: serve needs a Prefect server: start one with `make server`, then\n"
            "  export PREFECT_API_URL=http://127.0.0.1:4200/api",
            file=sys.stderr,
        )
        return 2
    overrides = {"lake": args.lake, "inputs": args.input, "schedule_cron": args.cron, "schedule_timezone": args.timezone}
    try:
        settings = get_settings(deployment_name=args.name, **overrides)
    except ValueError as exc:
        print(f"conflict-events: bad serve settings: {exc}", file=sys.stderr)
        return 2
    missing = [p for p in settings.inputs if not Path(p).exists()]
    if missing:
        print(f"conflict-events: no such input: {', '.join(missing)}", file=sys.stderr)
        return 2
    from flows.deploy import schedule_from, serve_pipeline

    try:
        schedule_from(settings, args.interval)
    except ValueError as exc:  # a cron Prefect cannot read
        print(f"conflict-events: bad schedule: {exc}", file=sys.stderr)
        return 2
    when = f"every {args.interval:g} s" if args.interval else f"cron {settings.schedule_cron!r} ({settings.schedule_timezone})"
    print(f"serving conflict-events-pipeline/{settings.deployment_name}: {when}, inputs {settings.inputs}, lake {settings.lake}")
    try:
        serve_pipeline(settings, args.interval, args.poll_seconds)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Remove all but the newest N versions of each dataset (never a current one), and their Data Docs pages."""
    from conflict_events.lake.lock import LakeBusy
    from conflict_events.lake.store import Lake, LakeError

    lake_url = args.lake or get_settings().lake
    lake = Lake(lake_url)
    try:
        removed = lake.prune(args.keep, timeout=get_settings().publish_lock_timeout)
    except (LakeBusy, LakeError, ValueError) as exc:
        print(f"conflict-events: cannot prune {lake_url}: {exc}", file=sys.stderr)
        return 2
    for dataset, versions in removed.items():
        print(f"{dataset}: removed {', '.join(v['version'] for v in versions)}")
    if not removed:
        print(f"nothing to prune: no dataset in {lake_url} has more than {args.keep} versions")
        return 0
    # A run's pages go only when no remaining version (of any dataset) came from that run.
    gone_runs = {v["run_id"] for versions in removed.values() for v in versions} - lake.runs_referenced()
    if lake.is_local and gone_runs:
        from conflict_events.settings import quality_dir
        from conflict_events.quality.validator import rebuild_data_docs, remove_run_results

        project_dir = quality_dir(get_settings(lake=lake_url))
        pages = remove_run_results(project_dir, gone_runs)
        if pages:
            rebuild_data_docs(project_dir)
        print(f"removed the Data Docs results and pages of {len(gone_runs)} runs ({len(pages)} folders and files)")
    return 0


def format_finding(label: str, finding: Any) -> str:
    """One finding of `verify` as one line, led by its path from the lake root."""
    return f"{label} {finding.path}: {finding.kind}: {finding.detail}"


def cmd_verify(args: argparse.Namespace) -> int:
    """Check every version of every dataset against its manifest (files, sizes, sha256, row counts) and the pointers."""
    from conflict_events.lake.verify import verify_lake

    lake_url = args.lake or get_settings().lake
    try:
        report = verify_lake(lake_url)
    except OSError as exc:  # no lake, or one this user cannot read: not a verdict on the data
        print(f"conflict-events: cannot verify {lake_url}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for finding in report.problems:
            print(format_finding("PROBLEM", finding))
        for finding in report.notes:
            print(format_finding("note", finding))
        print(
            f"checked {lake_url}: {report.versions} versions, {report.files} files, {report.bytes} bytes; "
            f"{len(report.problems)} problems, {len(report.notes)} notes"
        )
    return 1 if report.problems else 0


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
    from conflict_events.evaluation.scoring import GoldError, evaluate, load_gold
    from conflict_events.lake.store import Lake, LakeError

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
    run.add_argument("--lake", metavar="DIR", help="lake root: a folder or fsspec URL (default data/lake or CONFLICT_EVENTS_LAKE)")
    run.add_argument("--batch-size", type=int, metavar="N", help="articles per batch")
    run.add_argument("--workers", type=int, metavar="N", help="extraction processes (default one per core; CONFLICT_EVENTS_WORKERS)")
    run.add_argument(
        "--dask-address", metavar="tcp://HOST:PORT", help="extract on this Dask cluster's workers (CONFLICT_EVENTS_DASK_ADDRESS)"
    )
    run.add_argument("--full", action="store_true", help="code every article again (new and published) and publish a new version")
    run.add_argument("--json", action="store_true", help="also print the summary as JSON")
    run.set_defaults(func=cmd_run)
    versions = sub.add_parser("versions", help="list a dataset's versions with row counts")
    versions.add_argument("dataset", choices=DATASETS)
    versions.add_argument("--lake", metavar="DIR")
    versions.set_defaults(func=cmd_versions)
    serve = sub.add_parser("serve", help="serve the pipeline as a scheduled deployment on the Prefect server (PREFECT_API_URL)")
    serve.add_argument("--cron", metavar="EXPR", help='when runs start (default "0 * * * *" or CONFLICT_EVENTS_SCHEDULE_CRON)')
    serve.add_argument("--timezone", metavar="TZ", help="time zone of the cron (default UTC or CONFLICT_EVENTS_SCHEDULE_TIMEZONE)")
    serve.add_argument("--interval", type=float, metavar="SECONDS", help="run every SECONDS instead of on the cron")
    serve.add_argument("--input", action="append", metavar="PATH", help="folder or file scheduled runs read (repeatable; default data/samples)")
    serve.add_argument("--lake", metavar="DIR", help="lake root scheduled runs publish to")
    serve.add_argument("--name", metavar="NAME", help="deployment name (default hourly)")
    serve.add_argument("--poll-seconds", type=int, default=5, metavar="N", help="how often to look for due runs (default 5)")
    serve.set_defaults(func=cmd_serve)
    prune = sub.add_parser("prune", help="remove old versions (never a current one) and their Data Docs pages")
    prune.add_argument("--keep", type=int, required=True, metavar="N", help="versions to keep per dataset (at least 1)")
    prune.add_argument("--lake", metavar="DIR")
    prune.set_defaults(func=cmd_prune)
    verify = sub.add_parser("verify", help="check every version's files against its manifest (sizes, sha256, rows) and the pointers")
    verify.add_argument("--lake", metavar="DIR")
    verify.add_argument("--json", action="store_true", help="print the report as JSON instead")
    verify.set_defaults(func=cmd_verify)
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
    apply_offline_environment()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
