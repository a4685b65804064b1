"""Coder speed (issue 14): extraction per core on FA-KES dev, and end to end on a general-news mix.

1. FA-KES dev (319 real articles, read from ../shared): clean once, then code every article in this one
   process (one core), with the sentence model (its relevance gate included) and with the rules alone.
2. A general-news mix where one article in ten is about conflict: the conflict articles are bench/corpus.py's
   synthetic wire copy; the other nine in ten are built from the non-event snippets of the project's own
   corpus (data/eval/coder: politics, business, sport, diplomacy, weather, crime, accidents, disasters, weighted
   as GENERAL_KINDS says), five to nine snippets of one kind per article with a distinct sign-off. The mix is run end to end on a
   fresh lake by the same child runs as bench/throughput.py: `direct` (the stages without Prefect) and
   `flow` (the Prefect flow against a real server started here), with `--workers` extraction processes.

    python -m bench.coder_speed                       # FA-KES dev + a 3,000-article mix on 2 workers
    python -m bench.coder_speed --mix 1000 --modes direct --out /tmp/speed
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import corpus as conflict_corpus
from bench.throughput import one_run


FAKES_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "fakes_dev_articles.jsonl"
# Kinds of general news and their weights in the mix, roughly as a general wire's day runs: mostly politics,
# business and sport; one story in five is a crime, a crash or a disaster (the hard ones for a conflict coder).
GENERAL_KINDS = {
    "politics": 3, "business": 3, "sport": 3, "diplomacy": 2, "weather": 1, "organised_crime": 1, "accident": 1, "natural_disaster": 1,
}
CONFLICT_SHARE = 10  # one article in ten is about conflict


def general_article(snippets: dict[str, list[str]], seed: int, index: int) -> dict:
    """One general-news article of one kind: five to nine of that kind's snippets, as paragraphs."""
    rng = random.Random(f"general-news:{seed}:{index}")
    kind = rng.choices(list(GENERAL_KINDS), list(GENERAL_KINDS.values()))[0]
    paragraphs = rng.sample(snippets[kind], min(len(snippets[kind]), rng.randint(5, 9)))
    paragraphs.append(f"Reporting by desk {index:06d}; editing by the {kind.replace('_', ' ')} team.")
    return {
        "id": f"general-{index:06d}", "title": paragraphs[0].split(",")[0][:90], "text": "\n\n".join(paragraphs),
        "source": "General Wire", "url": f"https://news.example.org/{kind}/{index}", "published": "2025-06-01T08:00:00Z",
    }


def write_mix(folder: Path, n: int, seed: int) -> Path:
    """n articles, every CONFLICT_SHARE-th about conflict, in JSONL files of 1,000."""
    from conflict_events.evaluation.corpus import load_corpus

    snippets: dict[str, list[str]] = {k: [] for k in GENERAL_KINDS}
    for snippet in load_corpus():
        if snippet.non_event_kind in snippets:
            snippets[snippet.non_event_kind].append(snippet.text)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    records = []
    for index in range(n):
        if index % CONFLICT_SHARE == 0:
            (record,) = conflict_corpus.generate(1, seed, start=index)
        else:
            record = general_article(snippets, seed, index)
        records.append(record)
    for start in range(0, n, 1000):
        conflict_corpus.write_jsonl(records[start : start + 1000], folder / f"mix-{start // 1000:04d}.jsonl")
    return folder


def fakes_extract_rates(path: Path) -> list[tuple[str, int, float, int]]:
    """(coder, articles, seconds, articles with events) for FA-KES dev coded in this process, model and rules alone."""
    from datetime import date

    from conflict_events.settings import REFERENCE_DIR, get_settings
    from tasks.clean import clean_records
    from tasks.extract.coder import Resources, code_articles
    from tasks.ingest import FileSource, read_sources

    records, _ = read_sources([FileSource(path)])
    articles = clean_records(records, date(2026, 12, 1), {}).articles
    resources = Resources.load(REFERENCE_DIR, get_settings().spacy_model)
    # Warm up on every article: the first pass fills the gazetteer's and the place finder's caches, which would
    # otherwise favour whichever coder runs second.
    code_articles(articles, resources)
    rows = []
    for name, model in (("rules + sentence model (gate)", resources.model), ("rules alone", None)):
        resources.model = model
        began = time.perf_counter()
        events, _ = code_articles(articles, resources)
        rows.append((name, len(articles), time.perf_counter() - began, len({e["article_id"] for e in events})))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", type=int, default=3000, help="articles in the general-news mix (0: skip it)")
    parser.add_argument("--modes", default="direct,flow", help="end-to-end runs of the mix: direct, flow")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes for the mix")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fakes", type=Path, default=FAKES_DEV, help="FA-KES dev articles (skipped when absent)")
    parser.add_argument("--out", default=None, help="folder for the mix, lakes and logs (default: a temp folder)")
    args = parser.parse_args(argv)
    from conflict_events.settings import apply_offline_environment

    apply_offline_environment()
    if args.fakes.exists():
        print(f"FA-KES dev, extract only, one process (one core): {args.fakes}")
        for name, n, seconds, with_events in fakes_extract_rates(args.fakes):
            print(f"  {name:32s} {n} articles in {seconds:6.1f} s = {n / seconds:5.1f} articles/s; {with_events} with events")
    else:
        print(f"FA-KES dev not found at {args.fakes}: skipped")
    if args.mix <= 0:
        return
    args.out = args.out or tempfile.mkdtemp(prefix="conflict-events-coder-speed-")
    out = Path(args.out)
    folder = write_mix(out / f"corpus-{args.mix}-seed{args.seed}", args.mix, args.seed)
    # one_run (bench/throughput.py) writes its own conflict corpus unless one is complete at this path: mark the mix so.
    folder.with_name(folder.name + ".complete").touch()
    print(f"general-news mix: {args.mix} articles, 1 in {CONFLICT_SHARE} about conflict, {args.workers} workers; output in {out}")
    modes = args.modes.split(",")
    results = []
    if "direct" in modes:
        results.append(one_run("direct", args.mix, args, None))
    if "flow" in modes:
        from bench.prefect_server import prefect_server

        with prefect_server(out / "prefect") as api_url:
            results.append(one_run("flow", args.mix, args, api_url))
    for result in results:
        rate = args.mix / result["wall_seconds"]
        print(
            f"  {result['mode']:6s} {args.mix} articles in {result['wall_seconds']:.1f} s = {rate:.1f} articles/s end to end "
            f"({result['events']} events, {result['quarantined']} quarantined, peak RSS {result['peak_rss_bytes'] / 2**20:.0f} MiB)"
        )
    (out / "coder_speed.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
