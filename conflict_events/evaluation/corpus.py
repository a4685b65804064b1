"""The project's own labelled snippet corpus (data/eval/coder/): loading, checking and the fixed train/dev split."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from conflict_events.schemas import SUB_EVENT_TYPES

CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "eval" / "coder"
NON_EVENT_KINDS = (
    "natural_disaster", "accident", "organised_crime", "diplomacy", "blame_statement",
    "sport", "business", "weather", "politics",
    "context",  # sentences of conflict reporting that report no new event: tolls to date, reactions, history
)
# One snippet in five goes to dev, decided by its id's hash alone, so adding snippets never moves old ones.
DEV_SHARE = 5


class CorpusError(ValueError):
    """A corpus line that does not follow the format (file, line and problem in the message)."""


@dataclass(frozen=True)
class Snippet:
    """One labelled snippet: an ACLED event's sub-type, or a non-event of some kind."""

    id: str
    text: str
    sub_event_type: str | None
    non_event_kind: str | None
    country: str | None
    iso3: str | None
    admin1: str | None
    location: str | None
    fatalities: int | None

    @property
    def split(self) -> str:
        """'dev' or 'train', fixed by the id's sha256."""
        return "dev" if int(hashlib.sha256(self.id.encode()).hexdigest()[:8], 16) % DEV_SHARE == 0 else "train"

    @property
    def label(self) -> str:
        """The sub-type, or 'none' for a non-event."""
        return self.sub_event_type or "none"


def _snippet(record: dict, where: str) -> Snippet:
    def need(condition: bool, problem: str) -> None:
        if not condition:
            raise CorpusError(f"{where}: {problem}")

    need(isinstance(record.get("id"), str) and record["id"].strip() != "", "'id' must be a non-empty string")
    need(isinstance(record.get("text"), str) and len(record["text"].split()) >= 5, "'text' must have at least 5 words")
    sub, kind = record.get("sub_event_type"), record.get("non_event_kind")
    need((sub is None) != (kind is None), "give exactly one of 'sub_event_type' and 'non_event_kind'")
    need(sub is None or sub in SUB_EVENT_TYPES, f"unknown sub_event_type {sub!r}")
    need(kind is None or kind in NON_EVENT_KINDS, f"unknown non_event_kind {kind!r}; one of {', '.join(NON_EVENT_KINDS)}")
    fatalities = record.get("fatalities")
    need(fatalities is None or (isinstance(fatalities, int) and fatalities >= 0), "'fatalities' must be an integer >= 0 or null")
    need(sub is None or isinstance(record.get("country"), str), "an event needs its 'country'")
    iso3 = record.get("iso3")
    need(iso3 is None or (isinstance(iso3, str) and len(iso3) == 3 and iso3.isupper()), "'iso3' must be three capitals")
    return Snippet(
        id=record["id"], text=record["text"], sub_event_type=sub, non_event_kind=kind, country=record.get("country"),
        iso3=iso3, admin1=record.get("admin1"), location=record.get("location"), fatalities=fatalities,
    )


def load_corpus(directory: Path = CORPUS_DIR) -> list[Snippet]:
    """Every snippet in the folder's *.jsonl files; CorpusError on a bad line or a repeated id."""
    snippets: list[Snippet] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{where}: not JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise CorpusError(f"{where}: a line must be a JSON object")
            snippet = _snippet(record, where)
            if snippet.id in seen:
                raise CorpusError(f"{where}: id {snippet.id!r} already used at {seen[snippet.id]}")
            seen[snippet.id] = where
            snippets.append(snippet)
    return snippets


def describe(snippets: list[Snippet]) -> str:
    """Counts per label and split, and the number of countries."""
    labels = Counter((s.label, s.split) for s in snippets)
    lines = [f"{len(snippets)} snippets, {len({s.iso3 for s in snippets if s.iso3})} countries"]
    for label in (*SUB_EVENT_TYPES, "none"):
        lines.append(f"  {label:40s} train {labels[(label, 'train')]:4d}  dev {labels[(label, 'dev')]:4d}")
    kinds = Counter(s.non_event_kind for s in snippets if s.non_event_kind)
    lines.append("  non-events: " + ", ".join(f"{k} {kinds[k]}" for k in NON_EVENT_KINDS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Check the corpus and print its counts; --admin1 ISO2 lists the admin1 names the coder uses for a country."""
    parser = argparse.ArgumentParser(prog="python -m conflict_events.evaluation.corpus")
    parser.add_argument("directory", nargs="?", type=Path, default=CORPUS_DIR)
    parser.add_argument("--admin1", metavar="ISO2", help="list the admin1 names of one country and stop")
    args = parser.parse_args(argv)
    if args.admin1:
        from conflict_events.settings import REFERENCE_DIR
        from tasks.extract.gazetteer import Gazetteer

        names = Gazetteer(REFERENCE_DIR).admin1_names
        print("\n".join(sorted(name for (iso2, _), name in names.items() if iso2 == args.admin1.upper())))
        return 0
    try:
        print(describe(load_corpus(args.directory)))
    except CorpusError as error:
        print(f"corpus error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())


def code_snippets(snippets: list[Snippet], resources: Any, run_date: date = date(2026, 12, 1)) -> dict[str, list[dict[str, Any]]]:
    """The coder's events for each snippet, cleaned and coded as an article of its own (no publication date)."""
    from conflict_events.models import RawRecord
    from tasks.clean import clean_records
    from tasks.extract.coder import code_articles

    records = [RawRecord(s.id, s.text, has_own_id=True) for s in snippets]
    cleaned = clean_records(records, run_date, {}, min_words=1)
    events, _failures = code_articles(cleaned.articles, resources)
    ref_of = {a["article_id"]: a["source_ref"] for a in cleaned.articles}
    coded: dict[str, list[dict[str, Any]]] = {s.id: [] for s in snippets}
    for event in events:
        coded[ref_of[event["article_id"]]].append(event)
    return coded


def score_corpus(snippets: list[Snippet], coded: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Sub-type precision/recall/F1 per class and macro-F1 (the primary event's sub-type, or 'none'), the most
    frequent confusions, non-event rejection, events found, and country/admin1 of the primary event."""
    from conflict_events.evaluation.scoring import normalise_admin1, primary_event

    pairs = []
    places = Counter()
    for snippet in snippets:
        event = primary_event(coded.get(snippet.id, []))
        predicted = event["sub_event_type"] if event else "none"
        pairs.append((snippet.label, predicted))
        if snippet.sub_event_type and event:
            places["country_scored"] += 1
            places["country_right"] += (event.get("iso3") or "") == (snippet.iso3 or "")
            if snippet.admin1:
                places["admin1_scored"] += 1
                places["admin1_right"] += normalise_admin1(event.get("admin1")) == normalise_admin1(snippet.admin1)
    per_class = {}
    for label in SUB_EVENT_TYPES:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        predicted = sum(1 for _, p in pairs if p == label)
        gold = sum(1 for g, _ in pairs if g == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "gold": gold, "predicted": predicted}
    scored = [c for c in per_class.values() if c["gold"]]
    events = [(g, p) for g, p in pairs if g != "none"]
    non_events = [(g, p) for g, p in pairs if g == "none"]
    confusions = Counter((g, p) for g, p in pairs if g != p)
    return {
        "snippets": len(pairs),
        "macro_f1": round(sum(c["f1"] for c in scored) / len(scored), 3) if scored else 0.0,
        "accuracy": round(sum(1 for g, p in pairs if g == p) / len(pairs), 3) if pairs else 0.0,
        "event_found": round(sum(1 for _, p in events if p != "none") / len(events), 3) if events else 0.0,
        "non_event_rejection": round(sum(1 for _, p in non_events if p == "none") / len(non_events), 3) if non_events else 0.0,
        "country": round(places["country_right"] / places["country_scored"], 3) if places["country_scored"] else 0.0,
        "admin1": round(places["admin1_right"] / places["admin1_scored"], 3) if places["admin1_scored"] else 0.0,
        "per_class": per_class,
        "confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common(15)],
    }


def format_corpus_scores(scores: dict[str, Any], split: str) -> str:
    """The corpus scores as a person reads them."""
    lines = [
        f"corpus ({split}): {scores['snippets']} snippets",
        f"  sub-type macro-F1 {scores['macro_f1']:.3f}, accuracy {scores['accuracy']:.3f}",
        f"  events found {scores['event_found']:.3f}, non-events rejected {scores['non_event_rejection']:.3f}",
        f"  country {scores['country']:.3f}, admin1 {scores['admin1']:.3f} (of events found)",
        f"  {'sub-type':40s} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5}",
    ]
    for label, c in scores["per_class"].items():
        lines.append(f"  {label:40s} {c['precision']:6.3f} {c['recall']:6.3f} {c['f1']:6.3f} {c['gold']:5d}")
    lines.append("  most frequent confusions (gold -> coded):")
    lines.extend(f"    {c['count']:3d}  {c['gold']} -> {c['predicted']}" for c in scores["confusions"])
    return "\n".join(lines)
