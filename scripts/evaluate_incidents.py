"""Score incident merging: pairwise precision and recall of same-incident links between articles.

Two articles are linked when an event of one and an event of the other share an incident; gold links join
articles with the same gold incident label (see conflict_events/incidents/scoring.py). Without arguments
both evaluation sets are scored: the project's own set (data/eval/incidents/) and, when ../shared/eval is
beside the project, the FA-KES dev set (strict gold, and adjudicated with
data/eval/incidents/fakes_dev_adjudication.jsonl).

Events come from the coder run in-process (ingest + clean + extract, no Prefect, no lake), or with
`--lake DIR` from the lake's current `articles` and `events`. Usage:

    python -m scripts.evaluate_incidents                                  # both sets, coded here
    python -m scripts.evaluate_incidents --articles A.jsonl --gold G.jsonl [--adjudication J.jsonl]
    python -m scripts.evaluate_incidents --articles A.jsonl --gold G.jsonl --lake data/lake
    options: --errors N (list false and missed links), --no-near-duplicates, --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conflict_events.incidents.merge import build_incidents, with_article_columns
from conflict_events.incidents.near_duplicates import find_originals
from conflict_events.incidents.scoring import labels_of, score_incidents

ROOT = Path(__file__).resolve().parent.parent
OWN_DIR = ROOT / "data" / "eval" / "incidents"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
DEFAULT_SETS = (
    ("incidents", OWN_DIR / "articles.jsonl", OWN_DIR / "gold.jsonl", None),
    ("fakes-dev", SHARED_EVAL / "fakes_dev_articles.jsonl", SHARED_EVAL / "fakes_dev_gold.jsonl", OWN_DIR / "fakes_dev_adjudication.jsonl"),
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Coder:
    """The project's coder, loaded once for every set (about 10 s)."""

    def __init__(self) -> None:
        self.resources = None
        self.load_seconds = 0.0

    def code(self, articles_path: Path) -> tuple[list[dict], list[dict], float]:
        """(articles, events, seconds) for an articles file, as the flow would clean and code them."""
        from conflict_events.settings import get_settings
        from tasks.clean import clean_records
        from tasks.extract.coder import Resources, code_articles
        from tasks.ingest import FileSource, read_sources

        settings = get_settings()
        if self.resources is None:
            started = time.perf_counter()
            self.resources = Resources.load(settings.reference_dir, settings.spacy_model)
            self.load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        records, _ = read_sources([FileSource(str(articles_path), settings.max_record_bytes)])
        cleaned = clean_records(records, datetime.now(timezone.utc).date(), {}, settings.min_words, settings.max_text_chars)
        events, failures = code_articles(cleaned.articles, self.resources)
        from conflict_events.summary import without_failed

        articles = without_failed(cleaned.articles, failures)  # as the run publishes them
        return articles, events, time.perf_counter() - started


def read_lake(lake: str) -> tuple[list[dict], list[dict]]:
    """The lake's current articles and events."""
    from conflict_events.lake.factory import open_lake

    opened = open_lake(lake)
    tables = {name: opened.read_current(name) for name in ("articles", "events")}
    missing = [name for name, table in tables.items() if table is None]
    if missing:
        raise SystemExit(f"the lake {lake} has no current {' or '.join(missing)}")
    return tables["articles"].to_pylist(), tables["events"].to_pylist()


def evaluate(
    name: str, gold_path: Path, articles: list[dict], events: list[dict], adjudication: Path | None, near_duplicates: bool
) -> dict[str, Any]:
    """Merge the events into incidents and score them against the gold (and the adjudication, if any)."""
    kind, labels = labels_of(read_jsonl(gold_path))
    started = time.perf_counter()
    originals = (
        find_originals((a["article_id"], a["text"], a.get("published_date") or a.get("ingested_at")) for a in articles)
        if near_duplicates else {}
    )
    incidents = build_incidents(with_article_columns(events, articles), run_id="evaluate", originals=originals)
    merge_seconds = time.perf_counter() - started
    article_of_event = {e["event_id"]: e["article_id"] for e in events}
    key_of_article = {a["article_id"]: a["source_ref"] for a in articles}
    adjudicated = read_jsonl(adjudication) if adjudication and adjudication.exists() else None
    result = score_incidents(labels, incidents, article_of_event, key_of_article, adjudicated)
    coded = {key_of_article[a] for a in article_of_event.values() if a in key_of_article}
    result["counts"] = {
        "gold_articles": len(labels), "articles_read": len(articles), "gold_articles_with_events": len(coded & labels.keys()),
        "events": len(events), "incidents": len(incidents), "near_duplicate_copies": len(originals),
    }
    result["merge_seconds"] = round(merge_seconds, 3)
    result["name"], result["kind"] = name, kind
    result["titles"] = {a["source_ref"]: a.get("title") or "" for a in articles}
    return result


def format_result(result: dict[str, Any], errors: int) -> str:
    lines = [f"== {result['name']} ({result['kind']} gold)"]

    def block(label: str, metrics: dict[str, Any]) -> None:
        lines.append(
            f"  {label:12} precision {metrics['precision']:.3f}  recall {metrics['recall']:.3f}  F1 {metrics['f1']:.3f}"
            f"   links: predicted {metrics['predicted_links']}, gold {metrics['gold_links']}, true {metrics['true_links']},"
            f" false {metrics['false_links']}, missed {metrics['missed_links']}"
            + (f", unjudged {metrics['unjudged']}" if "unjudged" in metrics else "")
        )

    block("strict", result["metrics"])
    if "adjudicated" in result:
        block("adjudicated", result["adjudicated"])
    counts = result["counts"]
    lines.append(
        f"  articles {counts['gold_articles']} in gold, {counts['articles_read']} read, {counts['gold_articles_with_events']} with events;"
        f" events {counts['events']}; incidents {counts['incidents']} (gold incidents {result['metrics']['gold_incidents']});"
        f" near-duplicate copies {counts['near_duplicate_copies']}"
    )
    timing = f"  merge {result['merge_seconds']:.2f} s"
    if "code_seconds" in result:
        timing += f", coding {result['code_seconds']:.1f} s ({counts['articles_read'] / max(result['code_seconds'], 1e-9):.0f} articles/s)"
    lines.append(timing)
    if errors:
        titles = result["titles"]
        prefix = "adjudicated_" if "adjudicated" in result else ""
        for label, pairs in (("false links", result[prefix + "false"]), ("missed links", result[prefix + "missed"])):
            lines.append(f"  {label} ({len(pairs)}):")
            for a, b in pairs[:errors]:
                lines.append(f"    {a} | {titles.get(a, '(not coded)')[:60]}\n    {b} | {titles.get(b, '(not coded)')[:60]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", help="articles file or folder (the project's input formats)")
    parser.add_argument("--gold", help='gold JSONL: {"id", "incident"} rows, or FA-KES gold rows')
    parser.add_argument("--adjudication", help="adjudicated article pairs (JSONL: a, b, same_incident, note)")
    parser.add_argument("--lake", help="read the current articles and events of this lake instead of coding the articles")
    parser.add_argument("--errors", type=int, default=0, help="list this many false and missed links")
    parser.add_argument("--no-near-duplicates", action="store_true", help="do not link wire copies through near-duplicate texts")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON too")
    args = parser.parse_args(argv)
    if bool(args.articles) != bool(args.gold):
        parser.error("--articles and --gold go together")
    if args.articles:
        sets = [("given", Path(args.articles), Path(args.gold), Path(args.adjudication) if args.adjudication else None)]
    else:
        sets = [s for s in DEFAULT_SETS if s[1].exists() and s[2].exists()]
        skipped = [s[0] for s in DEFAULT_SETS if s not in sets]
        if skipped:
            print(f"skipped (files not found): {', '.join(skipped)}", file=sys.stderr)
    coder = Coder()
    results = []
    lake_rows = read_lake(args.lake) if args.lake else None
    for name, articles_path, gold_path, adjudication in sets:
        if lake_rows is not None:
            articles, events = lake_rows
            code_seconds = None
        else:
            articles, events, code_seconds = coder.code(articles_path)
        result = evaluate(name, gold_path, articles, events, adjudication, not args.no_near_duplicates)
        if code_seconds is not None:
            result["code_seconds"] = round(code_seconds, 2)
        results.append(result)
        print(format_result(result, args.errors))
    if coder.resources is not None:
        print(f"coder load {coder.load_seconds:.1f} s")
    if args.json:
        print(json.dumps([{k: r[k] for k in ("name", "kind", "metrics", "counts", "merge_seconds") if k in r}
                          | ({"adjudicated": r["adjudicated"]} if "adjudicated" in r else {}) for r in results]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
