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
from tasks.extract.lexicon import NOT_POLITICAL_VIOLENCE
from tasks.extract.numbers import count_casualties
from tasks.extract.relevance import GATE_SENTENCES, SentenceModel, split_sentences
from tasks.extract.taxonomy import find_trigger
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


def code_article(
    article: dict[str, Any], doc: Doc, resources: Resources, deadline: Deadline = NO_DEADLINE, judged: list[dict[str, float]] | None = None,
    country_hint: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """All events one article reports, as rows of the `events` dataset (ExtractTimeout past the deadline), and
    apart the rows of events with no country: neither their text nor the record's own `country` names one."""
    published: date | None = article.get("published_date")
    gazetteer, actors = resources.gazetteer, resources.actors
    dateline = dateline_words(doc.text)
    context = by_places_named(doc, country_context(doc.text, gazetteer, actors), gazetteer, actors, dateline, deadline)
    places = PlaceFinder(gazetteer, actors, context, dateline)
    candidates = sentence_candidates(doc, published, places, actors, context, deadline, resources.model, judged)
    events = reported_events(article_events(doc, candidates, places, actors, context, deadline), published)
    deadline.check("writing its events")
    hint = gazetteer.country_of_hint(country_hint)
    rows = [event_row(article, event, ordinal, gazetteer, resources.version, hint) for ordinal, event in enumerate(events)]
    return [r for r in rows if r["country"]], [r for r in rows if not r["country"]]


def _judged_sentences(docs: list[Doc | None], model: SentenceModel | None) -> list[list[dict[str, float]] | None]:
    """The model's probabilities for every sentence of every parsed doc, in one call (a call per article costs
    about twice as much on short texts: scikit-learn's per-call checks)."""
    if model is None:
        return [None] * len(docs)
    texts = [[s.text.strip() for s in doc.sents] if doc is not None else [] for doc in docs]
    judged = iter(model.probabilities([t for sentences in texts for t in sentences]))
    return [[next(judged) for _ in sentences] for sentences in texts]


def plainly_violent(text: str) -> bool:
    """Whether the lead reports violence in the rules' own terms: a strong trigger with a count of dead or wounded
    in the same or the next sentence, and no quake, crash or disease. Such an article passes the gate whatever
    the model says (it is trained on 1,300 snippets; "A Russian airstrike on Syrian city Aleppo killed eight
    civilians" in FA-KES's wording was given P(none) 0.38)."""
    sentences = split_sentences(text)[:GATE_SENTENCES]
    triggered = [
        i for i, sentence in enumerate(sentences)
        if (found := find_trigger(sentence)) is not None and not found[0].weak and not NOT_POLITICAL_VIOLENCE.search(sentence)
    ]
    for i in triggered:
        for sentence in sentences[i : i + 2]:
            counts = count_casualties(sentence)
            if counts.fatalities or counts.injuries:
                return True
    return False


def code_articles(
    articles: list[dict[str, Any]], resources: Resources, run_id: str = "", batch_size: int = 32,
    seconds_per_article: float = SECONDS_PER_ARTICLE, country_hints: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[QuarantineRow]]:
    """Events for a batch of cleaned articles, and quarantine rows for articles the coder failed on or that
    took longer than `seconds_per_article` to code (the rest of the batch is coded all the same).
    `country_hints` (article_id -> the record's own country) places events whose text names no country."""
    country_hints = country_hints or {}
    rows: list[dict[str, Any]] = []
    failures: list[QuarantineRow] = []

    def quarantine(article: dict[str, Any], reason: str, detail: str) -> None:
        payload = {k: v for k, v in article.items() if k != "ingested_at"}
        failures.append(QuarantineRow.of(article["source_ref"], "extract", reason, detail, payload, run_id))

    def fail(article: dict[str, Any], exc: Exception) -> None:
        quarantine(article, "extract_error", f"{type(exc).__name__}: {exc}")

    if resources.model is not None:  # the relevance gate: general news gets no event and no parse
        relevant = resources.model.relevant_many([a["text"] for a in articles])
        articles = [a for a, judged in zip(articles, relevant, strict=True) if judged or plainly_violent(a["text"])]
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
    judgments = _judged_sentences(docs, resources.model)
    for article, doc, judged in zip(articles, docs, judgments, strict=True):
        if doc is None:
            continue
        try:
            hint = country_hints.get(article["article_id"])
            coded, countryless = code_article(article, doc, resources, Deadline.after(seconds_per_article), judged, hint)
            rows.extend(coded)
            for row in countryless:  # kept whole, with why, never published without a country
                failures.append(QuarantineRow.of(article["source_ref"], "extract", "no_country", _no_country_detail(row, hint), row, run_id))
        except ExtractTimeout as exc:  # a huge or hostile text: kept whole, with how far coding got
            quarantine(article, "timeout", f"{exc} (the article has {sum(1 for _ in doc.sents)} sentences, {len(doc.text)} characters)")
        except Exception as exc:  # one article's bad luck must not stop the batch; it is kept, with the reason
            fail(article, exc)
    return rows, failures


def _no_country_detail(row: dict[str, Any], hint: str | None) -> str:
    """Why an event has no country, in words a data team can act on."""
    own = f"the record's country {hint!r} is no country the gazetteer knows" if hint else "the record gives no `country` of its own"
    return (
        f"{row['sub_event_type']} event {row['event_id']}: its sentences name no place or country the gazetteer resolves, and {own}; "
        "give the source a `country` in sources.toml (or the record a `country` field) and code it again (`run --full`); "
        "the article and its other events are published"
    )
