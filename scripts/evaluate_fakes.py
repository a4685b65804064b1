"""Measure the coder on a gold set (default: the FA-KES dev set in ../shared/eval) without Prefect.

The fast path for developers: runs ingest + clean + extract in-process (no flow, no validation, no
lake), scores with the same code as `conflict-events evaluate`, and prints the metrics as a table and
JSON plus the extract speed. Usage: python -m scripts.evaluate_fakes [--errors N] [--field F] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from conflict_events.evaluation.report import format_errors, format_metrics
from conflict_events.settings import get_settings
from tasks.clean import clean_records
from conflict_events.evaluation.evaluate import evaluate
from conflict_events.evaluation.gold import GoldError, gold_ids, load_gold
from tasks.extract.coder import Resources, code_articles
from tasks.ingest import FileSource, read_sources
from conflict_events.summary import without_failed

EVAL_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", default=str(EVAL_DIR / "fakes_dev_articles.jsonl"), help="articles file or folder")
    parser.add_argument("--gold", default=str(EVAL_DIR / "fakes_dev_gold.jsonl"), help="FA-KES JSONL or seeds JSON gold")
    parser.add_argument("--errors", type=int, default=0, help="print this many errors, worst first")
    parser.add_argument("--field", help="only errors of this field")
    parser.add_argument("--limit", type=int, help="only the first N gold articles")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        kind, gold = load_gold(Path(args.gold))
    except (GoldError, FileNotFoundError) as exc:
        print(f"cannot use gold file {args.gold}: {exc}", file=sys.stderr)
        return 2
    records, _ = read_sources([FileSource(args.articles, settings.max_record_bytes)])
    if args.limit:
        gold = gold[: args.limit] if kind == "fakes" else dict(list(gold.items())[: args.limit])
        wanted = set(gold_ids(kind, gold))
        records = [r for r in records if r.source_ref in wanted or r.source_ref.rsplit("/", 1)[-1] in wanted]
    # The same clean as the flow (duplicates quarantined), so the gold-to-article mapping is the flow's too.
    run_date = datetime.now(timezone.utc).date()
    cleaned = clean_records(records, run_date, {}, settings.min_words, settings.max_text_chars)
    started = time.perf_counter()
    resources = Resources.load(settings.reference_dir, settings.spacy_model)
    loaded = time.perf_counter()
    events, failures = code_articles(cleaned.articles, resources)
    coded = time.perf_counter()
    # Articles the coder failed on are quarantined whole, as in the flow.
    result = evaluate(kind, gold, without_failed(cleaned.articles, failures), events, cleaned.quarantined + failures)
    print(format_metrics(result["metrics"]))
    print(f"{'events coded':28} {len(events)}")
    print(f"{'extract failures':28} {len(failures)}")
    print(f"{'load time (s)':28} {loaded - started:.1f}")
    print(f"{'extract articles/s':28} {len(cleaned.articles) / max(coded - loaded, 1e-9):.1f}")
    print(json.dumps(result["metrics"]))
    if args.errors:
        print(format_errors(result["errors"], args.errors, args.field))
    return 0


if __name__ == "__main__":
    sys.exit(main())
