"""The `conflict-events` command line (DESIGN.md): run, versions, serve, server, prune, verify, evaluate, report, export.

Exit status: 0 ok, 1 the run failed or verify found problems, 2 usage or bad input.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

import typer

# Settings (pydantic), Prefect, Great Expectations and the flow are imported inside the commands that
# need them: `--help` and the quick commands do not pay for them.
if TYPE_CHECKING:
    from conflict_events.lake.interface import Lake

Dataset = Literal["articles", "events", "quarantine", "incidents", "duplicate_links", "fetch_state", "responses"]
LAKE_HELP = "lake root: a folder or fsspec URL (default data/lake or CONFLICT_EVENTS_LAKE)"
PREFECT_PORT = 4200


def _exit_with(status: int) -> NoReturn:
    """Every command returns its exit status; this hands it to Typer (which exits with it)."""
    raise typer.Exit(status)


# Plain help and error text (no rich panels): it reads the same in a terminal, a log and a test.
app = typer.Typer(
    help=__doc__, rich_markup_mode=None, add_completion=False, pretty_exceptions_enable=False,
    result_callback=_exit_with, context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def offline_defaults() -> None:
    """Set Prefect's and GX's offline defaults before any command imports them."""
    from conflict_events.settings import apply_offline_environment

    apply_offline_environment()


def say_error(message: str) -> None:
    """One line on stderr, led by the program's name."""
    print(f"conflict-events: {message}", file=sys.stderr)


def settings_problems(error: ValueError) -> str:
    """A settings error in one line: `field: problem; field: problem` (pydantic's own text spans lines)."""
    from pydantic import ValidationError

    if not isinstance(error, ValidationError):
        return str(error)
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors())


def chosen_lake(lake: str | None) -> str:
    """The --lake option, else the configured lake; an empty one is a usage error, not the current folder's data/lake."""
    from conflict_events.settings import get_settings

    try:
        return get_settings(lake=lake).lake
    except ValueError as exc:
        say_error(f"bad lake: {settings_problems(exc)}")
        raise typer.Exit(2) from None


def missing_paths(paths: list[str]) -> list[str]:
    """The paths that do not exist (a typo in a scheduled command must not look like a run over nothing)."""
    return [p for p in paths if not Path(p).exists()]


def shown_path(path: Path) -> Path:
    """`path` relative to the working folder when it lies inside it (as `make` shows it), else as it is."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def sources_problem(path: str) -> str | None:
    """Why a sources.toml cannot be used (one line), or None when it loads."""
    from conflict_events.sources_config import SourcesError, load_sources

    try:
        load_sources(path)
    except SourcesError as exc:
        return str(exc)
    return None


def api_url(port: int) -> str:
    """The API address of a Prefect server on this machine."""
    return f"http://127.0.0.1:{port}/api"


@app.command()
def run(
    input: Annotated[list[str] | None, typer.Option("--input", metavar="PATH", help="folder or file of articles (repeatable)")] = None,
    sources: Annotated[
        str | None, typer.Option("--sources", metavar="FILE", help="sources.toml: feeds, pages and folders to read (see README)")
    ] = None,
    lake: Annotated[str | None, typer.Option(metavar="DIR", help=LAKE_HELP)] = None,
    batch_size: Annotated[int | None, typer.Option(metavar="N", help="articles per batch")] = None,
    workers: Annotated[
        int | None, typer.Option(metavar="N", help="extraction processes (default one per core; CONFLICT_EVENTS_WORKERS)")
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(metavar="tcp://HOST:PORT", help="extract on this Dask cluster's workers (CONFLICT_EVENTS_DASK_ADDRESS)"),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="code every article again (new and published) and publish a new version")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="also print the summary as JSON")] = False,
) -> int:
    """one pipeline run: ingest, clean, extract, validate, publish"""
    input = input or []
    if not input and not sources:
        say_error("nothing to read: give --input PATH (repeatable) and/or --sources FILE")
        return 2
    missing = missing_paths(input)
    if missing:
        say_error(f"no such input: {', '.join(missing)}")
        return 2
    if sources and (problem := sources_problem(sources)):
        say_error(problem)
        return 2
    from conflict_events.settings import get_settings
    from flows.temporary_server import prefect_api

    try:
        settings = get_settings(lake=lake, batch_size=batch_size, workers=workers, dask_address=dask_address)
    except ValueError as exc:  # pydantic's ValidationError: a bad option or CONFLICT_EVENTS_* value, said before anything starts
        say_error(f"bad run settings: {settings_problems(exc)}")
        return 2
    # The temporary server (when no PREFECT_API_URL) boots on the other core while this process imports
    # the flow and loads the coder and GX.
    with prefect_api() as ready:
        from flows.pipeline import pipeline  # imports Prefect: only commands that run flows pay for it
        from tasks.prefect_tasks import warm_up

        warm_up(input, settings)
        try:
            ready()
            summary = pipeline(
                inputs=input, lake=settings.lake, full=full, batch_size=batch_size, workers=workers, dask_address=dask_address,
                sources=str(Path(sources).resolve()) if sources else None,
            )
        except Exception as exc:  # the run itself failed: say why, publish nothing, exit non-zero
            say_error(f"run failed: {type(exc).__name__}: {exc}")
            return 1
    from conflict_events.reports.console import format_summary

    print(format_summary(summary))
    if as_json:
        print(json.dumps(summary.as_dict(), indent=2, default=str))
    return 0


@app.command()
def versions(
    dataset: Annotated[Dataset, typer.Argument(metavar="DATASET")],
    lake: Annotated[str | None, typer.Option(metavar="DIR")] = None,
) -> int:
    """list a dataset's versions with row counts"""
    from conflict_events.lake.factory import open_lake
    from conflict_events.lake.layout import LakeError

    opened = open_lake(chosen_lake(lake))
    try:
        listed = opened.versions(dataset)
    except LakeError as exc:  # an unreadable manifest or pointer: name it in one line, not a traceback
        say_error(f"cannot list {dataset} versions: {exc}")
        return 2
    if not listed:
        print(f"{dataset}: no versions in {opened.url}")
        return 0
    print(f"{'version':10} {'rows':>9}  {'created (UTC)':26} run")
    for v in listed:
        marker = " *" if v["current"] else ""
        print(f"{v['version']:10} {v['rows']:>9}  {v['created_at'][:26]:26} {v['run_id']}{marker}")
    print("(* = current)")
    return 0


@app.command()
def serve(
    cron: Annotated[
        str | None, typer.Option(metavar="EXPR", help='when runs start (default "0 * * * *" or CONFLICT_EVENTS_SCHEDULE_CRON)')
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(metavar="TZ", help="time zone of the cron (default UTC or CONFLICT_EVENTS_SCHEDULE_TIMEZONE)")
    ] = None,
    interval: Annotated[float | None, typer.Option(metavar="SECONDS", help="run every SECONDS instead of on the cron")] = None,
    input: Annotated[
        list[str] | None,
        typer.Option("--input", metavar="PATH", help="folder or file scheduled runs read (repeatable; default data/samples)"),
    ] = None,
    sources: Annotated[
        str | None, typer.Option("--sources", metavar="FILE", help="sources.toml scheduled runs read (CONFLICT_EVENTS_SOURCES)")
    ] = None,
    lake: Annotated[str | None, typer.Option(metavar="DIR", help="lake root scheduled runs publish to")] = None,
    name: Annotated[str | None, typer.Option(metavar="NAME", help="deployment name (default hourly)")] = None,
    poll_seconds: Annotated[int, typer.Option(metavar="N", help="how often to look for due runs (default 5)", show_default=False)] = 5,
) -> int:
    """serve the pipeline as a scheduled deployment on the Prefect server (PREFECT_API_URL)"""
    from conflict_events.settings import get_settings

    if not os.environ.get("PREFECT_API_URL"):
        # Prefect's temporary server runs no scheduler: serving against it would never start a run.
        say_error(f"serve needs a Prefect server: start one with `make server`, then\n  export PREFECT_API_URL={api_url(PREFECT_PORT)}")
        return 2
    try:
        settings = get_settings(
            deployment_name=name, lake=lake, inputs=input if input is not None or not sources else [], sources=sources, schedule_cron=cron, schedule_timezone=timezone
        )
    except ValueError as exc:
        say_error(f"bad serve settings: {exc}")
        return 2
    missing = missing_paths(settings.inputs)
    if missing:
        say_error(f"no such input: {', '.join(missing)}")
        return 2
    if settings.sources and (problem := sources_problem(settings.sources)):
        say_error(problem)
        return 2
    from flows.deploy import schedule_from, serve_pipeline

    try:
        schedule_from(settings, interval)
    except ValueError as exc:  # a cron Prefect cannot read
        say_error(f"bad schedule: {exc}")
        return 2
    when = f"every {interval:g} s" if interval else f"cron {settings.schedule_cron!r} ({settings.schedule_timezone})"
    read = f"inputs {settings.inputs}" + (f", sources {settings.sources}" if settings.sources else "")
    print(f"serving conflict-events-pipeline/{settings.deployment_name}: {when}, {read}, lake {settings.lake}")
    try:
        serve_pipeline(settings, interval, poll_seconds)
    except KeyboardInterrupt:
        pass
    return 0


@app.command()
def server(
    port: Annotated[int, typer.Option(metavar="N", help=f"port of the server and its UI (default {PREFECT_PORT})", show_default=False)] = PREFECT_PORT,
    database_only: Annotated[
        bool, typer.Option("--database-only", help="create or upgrade the server's database and exit (make install does, so runs start sooner)")
    ] = False,
) -> NoReturn:
    """start a local Prefect server with its UI (what `serve` registers with and runs from)"""
    if database_only:
        # The temporary server of a run uses the same database: migrated once here, it starts in seconds less.
        os.execv(sys.executable, [sys.executable, "-m", "prefect", "--no-prompt", "server", "database", "upgrade", "--yes"])
    database = os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL")
    script = shown_path(Path(sys.executable).parent / "conflict-events")  # the console script beside this interpreter
    print(f"Prefect UI:  http://127.0.0.1:{port}")
    print("Database:    " + ("the one PREFECT_SERVER_DATABASE_CONNECTION_URL names" if database else f"SQLite in {os.environ['PREFECT_HOME']}/prefect.db"))
    print("Then, in another shell:")
    print(f"  export PREFECT_API_URL={api_url(port)}")
    print(f"  {script} serve        # hourly runs over data/samples into data/lake", flush=True)
    # exec, not a child process: Ctrl-C and the exit status belong to the server, as under `make server`.
    os.execv(sys.executable, [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)])


@app.command()
def prune(
    keep: Annotated[int, typer.Option(metavar="N", help="versions to keep per dataset (at least 1)")],
    lake: Annotated[str | None, typer.Option(metavar="DIR")] = None,
) -> int:
    """remove old versions (never a current one) and their Data Docs pages"""
    from conflict_events.lake.factory import open_lake
    from conflict_events.lake.layout import LakeError
    from conflict_events.lake.lock import LakeBusy
    from conflict_events.settings import get_settings, quality_dir

    lake_url = chosen_lake(lake)
    opened = open_lake(lake_url)
    try:
        removed = opened.prune(keep, timeout=get_settings().publish_lock_timeout)
    except (LakeBusy, LakeError, ValueError) as exc:
        say_error(f"cannot prune {lake_url}: {exc}")
        return 2
    for dataset, gone in removed.items():
        print(f"{dataset}: removed {', '.join(v['version'] for v in gone)}")
    if not removed:
        print(f"nothing to prune: no dataset in {lake_url} has more than {keep} versions")
        return 0
    # A run's pages go only when no remaining version (of any dataset) came from that run.
    gone_runs = {v["run_id"] for gone in removed.values() for v in gone} - opened.runs_referenced()
    if opened.is_local and gone_runs:
        from conflict_events.quality.validator import rebuild_data_docs, remove_run_results

        project_dir = quality_dir(get_settings(lake=lake_url))
        pages = remove_run_results(project_dir, gone_runs)
        if pages:
            rebuild_data_docs(project_dir)
        print(f"removed the Data Docs results and pages of {len(gone_runs)} runs ({len(pages)} folders and files)")
    return 0


@app.command()
def verify(
    lake: Annotated[str | None, typer.Option(metavar="DIR")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON instead")] = False,
) -> int:
    """check every version's files against its manifest (sizes, sha256, rows) and the pointers"""
    from conflict_events.lake.verify import verify_lake
    from conflict_events.reports.console import format_finding

    lake_url = chosen_lake(lake)
    try:
        report = verify_lake(lake_url)
    except OSError as exc:  # no lake, or one this user cannot read: not a verdict on the data
        say_error(f"cannot verify {lake_url}: {exc}")
        return 2
    if as_json:
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


def published_rows(lake: Lake, dataset: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """The current version of a dataset as dicts (none before the first publish)."""
    table = lake.read_current(dataset)
    if table is None:
        return []
    return (table.select(columns) if columns else table).to_pylist()


def evaluate_corpus(directory: Path, split: str, as_json: bool) -> int:
    """Per-class precision/recall/F1, macro-F1, confusions and non-event rejection of the coder on a corpus split."""
    from conflict_events.evaluation.corpus import CorpusError, code_snippets, format_corpus_scores, load_corpus, score_corpus

    if split not in ("dev", "train", "all"):
        say_error(f"unknown split {split!r}: dev, train or all")
        return 2
    try:
        snippets = [s for s in load_corpus(directory) if split == "all" or s.split == split]
    except CorpusError as exc:
        say_error(f"cannot use corpus {directory}: {exc}")
        return 2
    if not snippets:
        say_error(f"no snippets in {directory} ({split})")
        return 2
    from conflict_events.settings import get_settings
    from tasks.extract.coder import Resources

    settings = get_settings()
    scores = score_corpus(snippets, code_snippets(snippets, Resources.load(settings.reference_dir, settings.spacy_model)))
    print(json.dumps(scores) if as_json else format_corpus_scores(scores, split))
    return 0


@app.command()
def evaluate(
    articles: Annotated[str | None, typer.Option(metavar="PATH", help="the articles the gold codes (file or folder)")] = None,
    gold: Annotated[str | None, typer.Option(metavar="FILE", help="fakes_dev_gold.jsonl-style JSONL or seeds_gold.json-style JSON")] = None,
    corpus: Annotated[
        str | None, typer.Option(metavar="DIR", help="score the coder on a labelled snippet corpus instead (data/eval/coder)")
    ] = None,
    split: Annotated[str, typer.Option(metavar="SPLIT", help="with --corpus: dev (default), train or all")] = "dev",
    lake: Annotated[
        str | None,
        typer.Option(metavar="DIR", help="read this lake if it has current articles and events, else run into it (default: a temporary lake)"),
    ] = None,
    batch_size: Annotated[int | None, typer.Option(metavar="N", help="articles per batch when running")] = None,
    errors: Annotated[int, typer.Option(metavar="N", help="list this many worst errors (default 20)", show_default=False)] = 20,
    field: Annotated[str | None, typer.Option(metavar="F", help="list only errors of this field (event, admin1, fatalities, ...)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print only the metrics as one JSON line")] = False,
) -> int:
    """score coded events against a gold coding (FA-KES JSONL or seeds JSON), or the coder on a snippet corpus"""
    if corpus is not None:
        return evaluate_corpus(Path(corpus), split, as_json)
    if articles is None or gold is None:
        say_error("give --articles PATH and --gold FILE, or --corpus DIR")
        return 2
    for option, path in (("--articles", articles), ("--gold", gold)):
        if not Path(path).exists():
            say_error(f"no such {option} path: {path}")
            return 2
    from conflict_events.evaluation.evaluate import evaluate as score
    from conflict_events.evaluation.gold import GoldError, load_gold
    from conflict_events.evaluation.report import format_errors, format_metrics
    from conflict_events.lake.factory import open_lake
    from conflict_events.lake.layout import LakeError
    from conflict_events.models import QuarantineRow

    try:
        kind, coding = load_gold(Path(gold))
    except GoldError as exc:  # checked before a run of minutes, not after
        say_error(f"cannot use gold file {gold}: {exc}")
        return 2
    say = (lambda *_: None) if as_json else print
    # Without --lake the run goes to a temporary lake, removed once its rows are read.
    with nullcontext(lake) if lake else tempfile.TemporaryDirectory(prefix="conflict-events-evaluate-") as lake_url:
        opened = open_lake(lake_url)
        try:
            current = {d: opened.current_version(d) for d in ("articles", "events")}
        except LakeError as exc:
            say_error(f"cannot read lake {lake_url}: {exc}")
            return 2
        if lake and all(current.values()):
            say(f"reading lake {lake_url} (articles {current['articles']}, events {current['events']}); not running the pipeline")
            inputs = (opened.manifest("articles", current["articles"]) or {}).get("inputs") or []
            if str(Path(articles).resolve()) not in inputs:
                say_error(f"note: the lake's current articles were published from {inputs}, not {articles}")
        else:
            from flows.temporary_server import prefect_api

            try:
                with prefect_api() as ready:
                    from flows.pipeline import pipeline

                    ready()
                    summary = pipeline(inputs=[articles], lake=lake_url, batch_size=batch_size)
            except Exception as exc:
                say_error(f"run failed: {type(exc).__name__}: {exc}")
                return 1
            say(
                f"ran the pipeline: {summary.records_in} records, {summary.articles} articles, {summary.events} events, "
                f"{summary.records_quarantined} records quarantined" + (f", published to {lake_url}" if lake else "")
            )
        article_rows = published_rows(opened, "articles", ["article_id", "source_ref", "run_id"])
        event_rows = published_rows(opened, "events")
        quarantine_rows = published_rows(opened, "quarantine", ["record_ref", "stage", "reason", "detail", "payload"])
    result = score(kind, coding, article_rows, event_rows, [QuarantineRow(**row) for row in quarantine_rows])
    if result["not_in_lake"]:
        say_error(
            f"note: {len(result['not_in_lake'])} of {result['metrics']['articles']} gold articles are in neither "
            f"articles nor quarantine (e.g. {result['not_in_lake'][0]}); they count as having no event"
        )
    if as_json:
        print(json.dumps(result["metrics"]))
        return 0
    print(f"{kind} gold: {gold}")
    print(format_metrics(result["metrics"]))
    print(json.dumps(result["metrics"]))
    print(format_errors(result["errors"], errors, field))
    return 0


@app.command()
def report(
    lake: Annotated[str | None, typer.Option(metavar="DIR", help=LAKE_HELP)] = None,
    out: Annotated[str | None, typer.Option(metavar="FILE", help="where to write the HTML (default report-<events version>.html here)")] = None,
) -> int:
    """write one self-contained HTML report of the lake's current versions (no network requests)"""
    from conflict_events.lake.factory import open_lake
    from conflict_events.lake.layout import LakeError
    from conflict_events.reports.lake_report import write_report

    lake_url = chosen_lake(lake)
    opened = open_lake(lake_url)
    try:
        version = opened.current_version("events")
        if version is None:
            raise ValueError(f"no events published in {lake_url} yet")
        written = write_report(opened, Path(out or f"report-{version}.html"))
    except (ValueError, LakeError, OSError) as exc:
        say_error(f"cannot write the report: {exc}")
        return 2
    print(f"wrote {written.path}: {written.events} events of events {version}, {written.bytes:,} bytes in {written.seconds:.1f} s")
    return 0


def parse_day(option: str, value: str | None):
    """A YYYY-MM-DD option as a date; ValueError names the option."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} wants a date as YYYY-MM-DD, not {value!r}") from None


def events_to_export(lake: Lake, version: str | None):
    """The events of the current (or the named) version, and the current articles they came from."""
    if version is None:
        version = lake.current_version("events")
        if version is None:
            raise ValueError(f"no events published in {lake.url} yet")
    elif version not in lake.version_folders("events"):
        raise ValueError(f"no events version {version} in {lake.url}")
    return version, lake.read_version("events", version), lake.read_current("articles")


@app.command()
def export(
    output_format: Annotated[Literal["csv", "geojson", "geoparquet"], typer.Option("--format", help="csv (ACLED's columns), geojson or geoparquet")],
    lake: Annotated[str | None, typer.Option(metavar="DIR", help=LAKE_HELP)] = None,
    out: Annotated[str | None, typer.Option(metavar="FILE", help="where to write (default events-<version>.<format> here; - for stdout)")] = None,
    version: Annotated[str | None, typer.Option(metavar="VERSION", help="an events version such as v000003 (default: the current one)")] = None,
    country: Annotated[list[str] | None, typer.Option(metavar="NAME", help="only this country (name or ISO3); repeatable")] = None,
    since: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="only events on or after this date")] = None,
    until: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="only events on or before this date")] = None,
    event_type: Annotated[list[str] | None, typer.Option(metavar="TYPE", help="only this ACLED event type; repeatable")] = None,
) -> int:
    """export events: CSV in ACLED's export columns, GeoJSON or GeoParquet"""
    from conflict_events import exports
    from conflict_events.lake.factory import open_lake
    from conflict_events.lake.layout import LakeError
    from conflict_events.schemas import EVENT_TYPES

    lake_url = chosen_lake(lake)
    try:
        wanted = exports.EventFilter(tuple(country or ()), parse_day("--since", since), parse_day("--until", until), tuple(event_type or ()))
        wanted.check(EVENT_TYPES)
        if out == "-" and output_format == "geoparquet":
            raise ValueError("GeoParquet is binary: give --out a file name")
        chosen, events, articles = events_to_export(open_lake(lake_url), version)
    except (ValueError, LakeError, OSError) as exc:
        say_error(f"cannot export: {exc}")
        return 2
    selected = exports.filter_events(events, wanted)
    frame = exports.with_articles(selected, articles)
    if out == "-":
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / f"export{exports.SUFFIXES[output_format]}"
            exports.write_export(frame, output_format, target)
            sys.stdout.buffer.write(target.read_bytes())
        return 0
    target = Path(out or f"events-{chosen}{exports.SUFFIXES[output_format]}")
    try:
        exports.write_export(frame, output_format, target)
    except OSError as exc:
        say_error(f"cannot write {target}: {exc}")
        return 2
    print(f"wrote {selected.num_rows} of {events.num_rows} events of events {chosen} to {target} ({output_format})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (usage errors: 2, as Typer reports them)."""
    try:
        app(args=argv, prog_name="conflict-events")
    except SystemExit as exc:  # Typer always exits: with the command's status, or 2 after a usage error
        return int(exc.code or 0)
    return 0


def console() -> NoReturn:
    """The console script: run one command, then end the process without tearing the interpreter down."""
    status = main()
    # A run leaves millions of small objects behind (the gazetteer's indexes, spaCy, GX); freeing them
    # one by one at interpreter teardown took ~2 s here. The exit handlers (logging, Prefect's clients,
    # the temporary server) still run first; os._exit then skips only the teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(status)


if __name__ == "__main__":
    console()
