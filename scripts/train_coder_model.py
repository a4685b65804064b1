"""`make train`: the coder's sentence model from the train half of data/eval/coder/, written beside the reference tables.

    python -m scripts.train_coder_model [--out DIR]

Deterministic settings and folds (the pickled bytes differ between trainings: retrain only when the corpus changes). The thresholds the coder acts on
are chosen by 5-fold cross-validation on the train half alone; the dev half is never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from conflict_events.evaluation.corpus import CORPUS_DIR, load_corpus
from tasks.extract.relevance import MODEL_CARD, MODEL_FILE, NONE, new_pipeline, save_model

FOLDS = 5
GATE_EVENT_RECALL = 0.99  # the gate may turn away at most 1 in 100 event snippets (cross-validated)
ADOPT_PRECISION = 0.85  # a sub-type the model adopts alone must be right this often
OVERRIDE_PRECISION = 0.95  # a sub-type that overrules a trigger must be right this often
CONFIRM_NON_EVENTS = 0.02  # at most this share of non-events may be confirmed as events


def _threshold(scores: list[tuple[float, bool]], precision: float, default: float, floor: float) -> float:
    """The lowest score from which on at least `precision` of the items are right (scores: (score, right))."""
    ranked = sorted(scores, reverse=True)
    best, right = default, 0
    for count, (score, ok) in enumerate(ranked, start=1):
        right += ok
        if right / count >= precision:
            best = score
    return round(max(best, floor), 3)


def cross_validated(texts: list[str], labels: list[str]) -> list[dict[str, float]]:
    """Out-of-fold probabilities for every train snippet (folds fixed by position, so runs agree)."""
    out: list[dict[str, float] | None] = [None] * len(texts)
    for fold in range(FOLDS):
        train = [i for i in range(len(texts)) if i % FOLDS != fold]
        held = [i for i in range(len(texts)) if i % FOLDS == fold]
        pipeline = new_pipeline().fit([texts[i] for i in train], [labels[i] for i in train])
        classes = list(pipeline.classes_)
        for i, row in zip(held, pipeline.predict_proba([texts[i] for i in held]).tolist(), strict=True):
            out[i] = dict(zip(classes, row, strict=True))
    return out  # type: ignore[return-value]


def choose_thresholds(labels: list[str], probabilities: list[dict[str, float]]) -> dict[str, float]:
    events = sorted(p[NONE] for label, p in zip(labels, probabilities, strict=True) if label != NONE)
    # P(none) below which 99% of event snippets fall, out of fold (0.36 on the corpus of December 2026: the gate
    # then turns away 79% of non-event snippets by itself); bounded so a corpus change cannot make it absurd.
    gate = min(0.95, max(0.2, events[min(len(events) - 1, int(GATE_EVENT_RECALL * len(events)))]))
    # Every snippet the model would code (its best sub-type beats "none"), non-events included: adopting a
    # sub-type for a non-event is as wrong as adopting the wrong one.
    adopt_scores = []
    for label, p in zip(labels, probabilities, strict=True):
        best = max((k for k in p if k != NONE), key=p.get)
        if p[best] > p[NONE]:
            adopt_scores.append((p[best], best == label))
    non_events = sorted(p[NONE] for label, p in zip(labels, probabilities, strict=True) if label == NONE)
    return {
        "gate": round(gate, 3),
        # Floors: a sub-type adopted below 0.15 is a guess among 26 classes.
        "adopt": _threshold(adopt_scores, ADOPT_PRECISION, 0.9, floor=0.15),
        "override": _threshold(adopt_scores, OVERRIDE_PRECISION, 0.9, floor=0.25),
        "confirm": round(non_events[int(CONFIRM_NON_EVENTS * len(non_events))], 3),
    }


def train(corpus_dir: Path, out_dir: Path) -> dict:
    """Fit on the train half, choose thresholds, write the model and its card; returns the card."""
    import sklearn

    snippets = sorted((s for s in load_corpus(corpus_dir) if s.split == "train"), key=lambda s: s.id)
    texts, labels = [s.text for s in snippets], [s.label for s in snippets]
    thresholds = choose_thresholds(labels, cross_validated(texts, labels))
    pipeline = new_pipeline().fit(texts, labels)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_model(pipeline, out_dir / MODEL_FILE)
    corpus_sha = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(corpus_dir.glob("*.jsonl")))).hexdigest()
    card = {
        "model": "TF-IDF word 1-2-grams (min_df 2) + char_wb 3-5-grams (20,000 most frequent) over masked text (names, digits, weekdays), logistic regression (C=10, balanced classes)",
        "scikit_learn": sklearn.__version__,
        "trained_on": f"{len(snippets)} train snippets of data/eval/coder/ (corpus sha256 {corpus_sha[:16]})",
        "classes": list(pipeline.classes_),
        "thresholds": thresholds,
        "thresholds_chosen_by": f"{FOLDS}-fold cross-validation on the train half: gate keeps {GATE_EVENT_RECALL:.0%} of events, "
        f"adopt at {ADOPT_PRECISION:.0%} precision, override at {OVERRIDE_PRECISION:.0%}, confirm at most {CONFIRM_NON_EVENTS:.0%} of non-events",
    }
    (out_dir / MODEL_CARD).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.train_coder_model")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "conflict_events" / "reference")
    args = parser.parse_args()
    card = train(args.corpus, args.out)
    print(f"wrote {args.out / MODEL_FILE}: {card['trained_on']}; thresholds {card['thresholds']}")


if __name__ == "__main__":
    main()
