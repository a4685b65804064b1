"""The event coder: sentences -> event candidates (trigger, place, actors, date, counts) -> merged ACLED events.

Every event keeps the sentences it was coded from in `notes`, so each field can be traced to text. The steps
live in their own modules: lexicon (word lists), places, roles (who did what to whom), assembly (sentences to
events) and rows (events to `events` rows).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from tasks.extract.actors import ActorDictionary
from tasks.extract.assembly import article_events, sentence_candidates
from tasks.extract.relevance import SentenceModel
from tasks.extract.budget import NO_DEADLINE, SECONDS_PER_ARTICLE, Deadline, ExtractTimeout
from tasks.extract.gazetteer import Gazetteer
from tasks.extract.nlp import load_nlp, model_version
from tasks.extract.places import PlaceFinder, by_places_named, country_context, dateline_words
from tasks.extract.rows import event_row, reported_events
from conflict_events.models import QuarantineRow

CODER_VERSION = "rules-1.0"


def extractor_version(reference_dir: Path, model: str) -> str:
    """The coder's rules, the spaCy model and the reference tables: change any and every article is coded again."""
    digest = hashlib.sha256()
    # The tables and the sentence model (coder_model.joblib and its thresholds) alike.
    for path in sorted(p for pattern in ("*.csv", "coder_model.*") for p in Path(reference_dir).glob(pattern)):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{CODER_VERSION}+{model}+ref-{digest.hexdigest()[:10]}"


@dataclass
class Resources:
    """What the coder loads once per process: the spaCy model, the gazetteer, the actor dictionary, the sentence model."""

    nlp: Any
    gazetteer: Gazetteer
    actors: ActorDictionary
    version: str
    model: SentenceModel | None = None

    @classmethod
    def load(cls, reference_dir: Path, spacy_model: str = "en_core_web_sm") -> "Resources":
        """Load the model and the reference tables of `reference_dir`."""
        nlp = load_nlp(spacy_model)
        gazetteer = Gazetteer(reference_dir)
        actors = ActorDictionary(reference_dir, gazetteer.countries)
        return cls(nlp, gazetteer, actors, extractor_version(reference_dir, model_version(nlp)), SentenceModel.load(reference_dir))


def code_article(article: dict[str, Any], doc: Doc, resources: Resources, deadline: Deadline = NO_DEADLINE) -> list[dict[str, Any]]:
    """All events one article reports, as rows of the `events` dataset (ExtractTimeout past the deadline)."""
    published: date | None = article.get("published_date")
    gazetteer, actors = resources.gazetteer, resources.actors
    dateline = dateline_words(doc.text)
    context = by_places_named(doc, country_context(doc.text, gazetteer, actors), gazetteer, actors, dateline, deadline)
    places = PlaceFinder(gazetteer, actors, context, dateline)
    candidates = sentence_candidates(doc, published, places, actors, context, deadline, resources.model)
    events = reported_events(article_events(doc, candidates, places, actors, context, deadline), published)
    deadline.check("writing its events")
    return [event_row(article, event, ordinal, gazetteer, resources.version) for ordinal, event in enumerate(events)]


def code_articles(
    articles: list[dict[str, Any]], resources: Resources, run_id: str = "", batch_size: int = 32,
    seconds_per_article: float = SECONDS_PER_ARTICLE,
) -> tuple[list[dict[str, Any]], list[QuarantineRow]]:
    """Events for a batch of cleaned articles, and quarantine rows for articles the coder failed on or that
    took longer than `seconds_per_article` to code (the rest of the batch is coded all the same)."""
    rows: list[dict[str, Any]] = []
    failures: list[QuarantineRow] = []

    def quarantine(article: dict[str, Any], reason: str, detail: str) -> None:
        payload = {k: v for k, v in article.items() if k != "ingested_at"}
        failures.append(QuarantineRow.of(article["source_ref"], "extract", reason, detail, payload, run_id))

    def fail(article: dict[str, Any], exc: Exception) -> None:
        quarantine(article, "extract_error", f"{type(exc).__name__}: {exc}")

    if resources.model is not None:  # the relevance gate: general news gets no event and no parse
        articles = [a for a in articles if resources.model.relevant(a["text"])]
    try:
        docs = list(resources.nlp.pipe((a["text"] for a in articles), batch_size=batch_size))
    except Exception:  # one text spaCy cannot take: parse one by one so only that article fails
        docs = []
        for article in articles:
            try:
                docs.append(resources.nlp(article["text"]))
            except Exception as exc:
                docs.append(None)
                fail(article, exc)
    for article, doc in zip(articles, docs, strict=True):
        if doc is None:
            continue
        try:
            rows.extend(code_article(article, doc, resources, Deadline.after(seconds_per_article)))
        except ExtractTimeout as exc:  # a huge or hostile text: kept whole, with how far coding got
            quarantine(article, "timeout", f"{exc} (the article has {sum(1 for _ in doc.sents)} sentences, {len(doc.text)} characters)")
        except Exception as exc:  # one article's bad luck must not stop the batch; it is kept, with the reason
            fail(article, exc)
    return rows, failures


