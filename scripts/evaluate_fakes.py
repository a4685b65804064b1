"""Measure the coder on the FA-KES dev set (../shared/eval): events found, admin1, date, fatalities.

Runs clean + extract directly (no Prefect), as the extract stage sees articles, and prints the
metrics as a table and JSON. Usage: python -m scripts.evaluate_fakes [--errors N] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from conflict_events.settings import PROJECT_ROOT, get_settings
from tasks.clean import clean_record
from tasks.evaluate import score_fakes
from tasks.extract.coder import Resources, code_articles
from tasks.ingest import FileSource, read_sources

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", default=str(EVAL_DIR / "fakes_dev_articles.jsonl"))
    parser.add_argument("--gold", default=str(EVAL_DIR / "fakes_dev_gold.jsonl"))
    parser.add_argument("--errors", type=int, default=0, help="print this many errors")
    parser.add_argument("--field", help="only errors of this field")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    args = parser.parse_args(argv)
    settings = get_settings()
    records, _ = read_sources([FileSource(args.articles)])
    gold = [json.loads(line) for line in Path(args.gold).read_text().splitlines() if line.strip()]
    if args.limit:
        gold = gold[: args.limit]
        wanted = {g["id"] for g in gold}
        records = [r for r in records if r.source_ref in wanted]
    articles, article_of_gold = {}, {}
    for record in records:
        article, _ = clean_record(record, date.today(), settings.min_words, settings.max_record_bytes)
        if article is not None:
            articles.setdefault(article["article_id"], article)
            article_of_gold[record.source_ref] = article["article_id"]
    started = time.perf_counter()
    resources = Resources.load(settings.reference_dir, settings.spacy_model)
    loaded = time.perf_counter()
    events, failures = code_articles(list(articles.values()), resources)
    coded = time.perf_counter()
    by_article = defaultdict(list)
    for event in events:
        by_article[event["article_id"]].append(event)
    result = score_fakes(by_article, article_of_gold, gold)
    metrics = result["metrics"]
    print(f"{'metric':28} value")
    for key, value in metrics.items():
        print(f"{key:28} {value:.3f}" if isinstance(value, float) else f"{key:28} {value}")
    print(f"{'events coded':28} {len(events)}")
    print(f"{'extract failures':28} {len(failures)}")
    print(f"{'load time (s)':28} {loaded - started:.1f}")
    print(f"{'extract articles/s':28} {len(articles) / (coded - loaded):.1f}")
    print(json.dumps(metrics))
    shown = [e for e in result["errors"] if not args.field or e["field"] == args.field][: args.errors]
    for error in shown:
        print(f"- {error['id']} {error['field']}: expected {error['expected']!r}, got {error['got']!r} | {error['notes'][:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
