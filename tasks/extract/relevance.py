"""The learned part of the coder: which ACLED sub-event type (or none) a sentence reports.

A TF-IDF (word 1-2-grams and character 3-5-grams) logistic regression, trained by `make train` on the
train half of the project's own snippet corpus (data/eval/coder/) and shipped beside the reference
tables, so it is part of `extractor_version`. The rules keep what they do well (ACLED precedence, counts,
dates, places, actors); the model decides what the rules cannot:

* the relevance gate: an article none of whose sentences the model finds to report an event (P(none) of
  every sentence at least `gate`) gets no event, before spaCy parses it, so general news costs little;
* a sentence no trigger phrase matches is coded with the model's sub-type when it is sure (`adopt`);
* a triggered sentence takes the model's sub-type when the model is very sure of it and finds the
  rules' one unlikely (`override`);
* a sentence the model is sure reports an event (`confirm`) is no commentary, even when it names no place,
  day or actor the rules recognise ("Unknown men threw a grenade at a lawmaker's home").

Compared on the corpus's dev half (README): word-only and word+character logistic regression, a linear
SVM and complement naive Bayes; logistic regression with character n-grams was kept because its
probabilities make the thresholds above meaningful (an SVM scored a little higher but gives none).
Why scikit-learn and not spaCy's textcat: the same accuracy here at a fraction of the training time, and
no second spaCy pipeline to load per worker.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_FILE = "coder_model.joblib"
MODEL_CARD = "coder_model.json"
NONE = "none"

# Sentences for the gate without spaCy: split after . ! ? followed by space and a capital or a quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])")
GATE_SENTENCES = 40  # the lead of a long article is where its news is; later sentences add time, not recall
# The gate judges two sentences at a time, within a paragraph: the corpus's snippets are one to three sentences,
# and a second sentence alone ("At least 32 people died, many of them while fleeing") is ambiguous where the
# pair is not. On a general-news mix, pairs passed 0 of 121 disaster stories to the parse (single sentences: 83).
GATE_UNIT = 2


def _sentences_of(paragraph: str) -> list[str]:
    """One paragraph's sentences by punctuation alone (fragments under 12 characters left out)."""
    return [p.strip() for p in _SENTENCE_END.split(paragraph) if len(p.strip()) >= 12]


def split_sentences(text: str) -> list[str]:
    """Sentences of a text by punctuation alone (the gate runs before the parse)."""
    return [sentence for paragraph in text.splitlines() for sentence in _sentences_of(paragraph)]


def gate_units(text: str) -> list[str]:
    """What the gate judges: up to GATE_SENTENCES sentences of the lead, GATE_UNIT at a time within a paragraph."""
    units: list[str] = []
    taken = 0
    for paragraph in text.splitlines():
        sentences = _sentences_of(paragraph)[: GATE_SENTENCES - taken]
        taken += len(sentences)
        units.extend(" ".join(sentences[i : i + GATE_UNIT]) for i in range(0, len(sentences), GATE_UNIT))
        if taken >= GATE_SENTENCES:
            break
    return units or [text[:2000]]


@dataclass(frozen=True)
class Thresholds:
    """Probabilities the coder acts on, chosen by cross-validation on the train half (never on dev)."""

    gate: float  # an article is skipped when every gate unit (two lead sentences) has P(none) at least this
    adopt: float  # a sentence without a trigger takes the model's sub-type at this probability or more
    override: float  # a triggered sentence takes the model's sub-type at this probability or more (when it gives the rules' one < 5%)
    confirm: float  # a sentence with P(none) at most this reports an event, even one that names no place, day or actor


@dataclass
class SentenceModel:
    """The trained pipeline, its class order and thresholds; `sha256` of the file is part of extractor_version."""

    pipeline: Any
    thresholds: Thresholds
    sha256: str

    @classmethod
    def load(cls, reference_dir: Path) -> "SentenceModel | None":
        """The model shipped in `reference_dir`, or None when there is none (the rules then code alone)."""
        path = Path(reference_dir) / MODEL_FILE
        if not path.exists():
            return None
        import joblib  # scikit-learn's own persistence; the file is ours, built by `make train`

        card = json.loads((Path(reference_dir) / MODEL_CARD).read_text(encoding="utf-8"))
        return cls(joblib.load(path), Thresholds(**card["thresholds"]), model_sha256(reference_dir))

    def probabilities(self, sentences: list[str]) -> list[dict[str, float]]:
        """P(label) for each sentence, labels being the 25 sub-types and 'none'."""
        if not sentences:
            return []
        classes = list(self.pipeline.classes_)
        return [dict(zip(classes, row, strict=True)) for row in self.pipeline.predict_proba(sentences).tolist()]

    def relevant(self, text: str) -> bool:
        """Whether any part of the article's lead may report an event (the gate)."""
        return self.relevant_many([text])[0]

    def relevant_many(self, texts: list[str]) -> list[bool]:
        """The gate for many articles, judged in one call to the model (a third of the time of one call each)."""
        units = [gate_units(text) for text in texts]
        judged = iter(self.probabilities([u for unit in units for u in unit]))
        return [any([next(judged)[NONE] < self.thresholds.gate for _ in unit]) for unit in units]


def model_sha256(reference_dir: Path) -> str | None:
    """The model file's sha256 (None without a model)."""
    path = Path(reference_dir) / MODEL_FILE
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


_WEEKDAY = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")
_DIGIT = re.compile(r"\d")
# A capitalised name inside a sentence (after a lower-case word or a comma): "in Kharkiv", "by Boko Haram".
_NAME = re.compile(r"(?<=[a-z,;:] )[A-Z][\w'’-]+(?: (?:of |al-|el-)?[A-Z][\w'’-]+)*")


def masked(text: str) -> str:
    """What the model reads: names, digits and weekdays masked, lower case.

    A corpus of 1,600 snippets names each place or group a few times; unmasked, the model learns that
    "Kharkiv" or "shopping centre" goes with one label. Masked, it learns the wording of events, which is
    what carries to other countries (cross-validated on the train half: macro-F1 0.814 -> 0.830).
    """
    return _NAME.sub("Xname", _DIGIT.sub("0", _WEEKDAY.sub("Dday", text))).lower()


def new_pipeline() -> Any:
    """The untrained pipeline (fixed settings and folds; the saved bytes still differ between trainings, so retrain only when the corpus changes)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, preprocessor=masked),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2, max_features=20_000, preprocessor=masked),
    )
    # Balanced: non-events are a quarter of the corpus and would otherwise pull every unsure sentence to "none".
    return make_pipeline(features, LogisticRegression(C=10, max_iter=5000, class_weight="balanced"))


def save_model(pipeline: Any, path: Path) -> None:
    """Write the trained pipeline as shipped: 1.6 MB instead of 4 MB, the same predictions to 2e-8.

    The vectorizers' `stop_words_` (every term cut by min_df/max_features: only for inspection, and most of
    an unpruned file; scikit-learn's docs say it may be deleted before pickling) are dropped, the 26 x 24k
    coefficients kept as float32 (largest change of a probability 1.7e-8 over 5,650 sentences of FA-KES dev and
    the corpus, no label changed), and the file xz-compressed.
    """
    import joblib
    import numpy as np

    for _name, vectorizer in pipeline.steps[0][1].transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            delattr(vectorizer, "stop_words_")
    classifier = pipeline.steps[-1][1]
    classifier.coef_ = classifier.coef_.astype(np.float32)
    joblib.dump(pipeline, path, compress=("xz", 9))
