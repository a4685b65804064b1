"""Hypothesis strategies for article text and raw records, in the shapes that hurt a rule-based coder.

Random unicode rarely reaches a rule; these sentences are made of the coder's own vocabulary (tests/fuzz/vocabulary.py)
and then bent: a phrase repeated many times (nested quantifiers backtrack on repeats), a sentence tens of thousands
of characters long (per-sentence work that is quadratic shows there), control and zero-width characters, numbers in
every form the count rules read. Realistic wire copy from the benchmark corpus carries hostile sentences too, so the
lead, dateline and place logic run around them.
"""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from bench.corpus import generate
from conflict_events.models import RawRecord
from tests.fuzz.vocabulary import (
    ACTORS, CASUALTY_WORDS, DATES, FUNCTION_WORDS, NUMBER_WORDS, ODD_CHARACTERS, PEOPLE, PLACES, PUNCTUATION, QUALIFIERS, SOURCES,
    TRIGGERS,
)

RUN_DATE = date(2026, 11, 21)  # the day every fuzzed batch is cleaned on (publication dates are judged against it)


def _join(*parts: str) -> str:
    """The non-empty parts, space-separated."""
    return " ".join(p for p in parts if p)


def _maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """The strategy's text or nothing."""
    return st.one_of(st.just(""), strategy)


numbers = st.one_of(
    st.integers(0, 120).map(str),
    st.integers(0, 10**7).map(str),
    st.integers(1000, 10**7).map("{:,}".format),
    st.tuples(st.integers(0, 999), st.sampled_from(("-", "–", " to ", " or ", " and ", "/")), st.integers(0, 999)).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
    st.sampled_from(NUMBER_WORDS),
    st.lists(st.sampled_from(NUMBER_WORDS), min_size=2, max_size=5).map(" ".join),
    st.tuples(st.integers(0, 200), st.sampled_from(("%", " percent", " hours", " km", ".5", ":30", " years"))).map(lambda t: f"{t[0]}{t[1]}"),
    st.sampled_from(("1900", "2017", "2100", "9999", "10000", "0", "007", "4300", "123456789012")),
)
qualifiers = st.lists(st.sampled_from(QUALIFIERS), max_size=3).map(" ".join)
places = st.sampled_from(PLACES)
actors = st.sampled_from(ACTORS)
place_phrases = st.builds(
    _join, st.sampled_from(("in", "near", "outside", "in the town of", "north of", "on the outskirts of", "in the countryside of", "at", "")),
    places, _maybe(st.sampled_from(("province", "governorate", "district", "state", "region", "city", "-held", ","))), _maybe(places),
)
count_phrases = st.builds(_join, qualifiers, numbers, _maybe(st.sampled_from(PEOPLE)), _maybe(st.sampled_from(CASUALTY_WORDS)))
# Slots in the order a news lead writes them, any of them left out.
structured = st.builds(
    _join, _maybe(actors), _maybe(st.sampled_from(TRIGGERS)), _maybe(count_phrases), _maybe(place_phrases), _maybe(st.sampled_from(DATES)),
    _maybe(st.sampled_from(CASUALTY_WORDS)), _maybe(count_phrases), _maybe(st.sampled_from(SOURCES)),
)
tokens = st.one_of(
    st.sampled_from(QUALIFIERS), st.sampled_from(CASUALTY_WORDS), st.sampled_from(PEOPLE), st.sampled_from(TRIGGERS), st.sampled_from(DATES),
    st.sampled_from(FUNCTION_WORDS), st.sampled_from(PUNCTUATION), numbers, places, actors,
)
soup = st.lists(tokens, min_size=1, max_size=40).map(" ".join)
short_soup = st.lists(tokens, max_size=6).map(" ".join)
# A phrase of the vocabulary said again and again ("at least another" x 40 hung a run for hours: issue 18).
phrases = st.one_of(
    st.lists(st.sampled_from(QUALIFIERS), min_size=1, max_size=3),  # the count rules' qualifier loop, on its own
    st.lists(st.one_of(st.sampled_from(QUALIFIERS), numbers, st.sampled_from(PEOPLE), st.sampled_from(CASUALTY_WORDS), places), min_size=1, max_size=3),
)
repeated = st.builds(
    lambda before, phrase, times, after: _join(before, " ".join([" ".join(phrase)] * times), after), short_soup, phrases, st.integers(2, 60), short_soup
)


def _sprinkle(text: str, inserts: list[tuple[int, str]]) -> str:
    """`text` with each insert put in at its position (taken modulo the length)."""
    for position, insert in inserts:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at:]
    return text


odd_text = st.one_of(st.sampled_from(ODD_CHARACTERS), st.text(max_size=8))
noisy = st.builds(_sprinkle, st.one_of(structured, soup), st.lists(st.tuples(st.integers(0, 10**4), odd_text), min_size=1, max_size=6))
sentences = st.builds(
    lambda body, end: body + end, st.one_of(structured, structured, soup, repeated, noisy), st.sampled_from((".", ".", ".", "!", "?", "", ";", "..."))
)
# One sentence of 4k to 200k characters: the count rules and spaCy see it whole.
long_sentence = st.builds(lambda body, times: " ".join([body] * times) + ".", st.one_of(structured, soup).filter(bool), st.sampled_from((50, 200, 1000, 2500)))
datelines = st.one_of(
    st.just(""), st.builds(lambda p, d: f"{p.upper()}, {d} (Reuters) - ", places, st.sampled_from(DATES)),
    st.builds(lambda p: f"{p} (AFP) - ", places), st.sampled_from(("date 2017-04-05\n", "date 2999-01-01\n", "date 2017-02-30\n")),
)


def _article(dateline: str, paragraphs: list[list[str]]) -> str:
    """Paragraphs of sentences, the dateline before the first."""
    return dateline + "\n\n".join(" ".join(p) for p in paragraphs)


hostile_articles = st.builds(_article, datelines, st.lists(st.lists(sentences, min_size=1, max_size=3), min_size=1, max_size=8))


@st.composite
def corpus_articles(draw: st.DrawFn, injected: st.SearchStrategy[str] | None = None) -> dict:
    """A benchmark-corpus article (realistic wire copy), with `injected` sentences put between its paragraphs."""
    record = generate(1, draw(st.integers(0, 3)), start=draw(st.integers(0, 10**6)))[0]
    if injected is not None:
        paragraphs = record["text"].split("\n\n")
        for sentence in draw(st.lists(injected, min_size=1, max_size=3)):
            paragraphs.insert(draw(st.integers(0, len(paragraphs))), sentence)
        record["text"] = "\n\n".join(paragraphs)
    return record


published_values = st.one_of(
    st.none(), st.dates(date(1890, 1, 1), date(2100, 12, 31)).map(date.isoformat), st.sampled_from(DATES),
    st.sampled_from(("", "null", "n/a", "2017-04-05T10:00:00Z", "2017-04-05T10:00:00+14:00", "Tue, 05 Apr 2017 10:00:00 GMT", "0001-01-01",
                     "9999-12-31", "2017-13-45", "yesterday", "1e9", "2017-04-05" * 50)),
    st.text(max_size=30),
)


def _record(text: str, title: str | None, published: str | None, ref: str = "fuzz") -> RawRecord:
    return RawRecord(ref, text, title=title, published=published, origin=f"fuzz/{ref}")


def _weighted_text(pick: int) -> st.SearchStrategy[dict]:
    """Article texts by share (of 100): realistic 10, realistic with hostile sentences 40, vocabulary articles 40,
    odd characters all through 8, one very long sentence 2 (kept rare: each costs seconds of honest parsing)."""
    if pick < 10:
        return corpus_articles()
    if pick < 50:
        return corpus_articles(st.one_of(sentences, repeated.map(lambda s: s + ".")))
    if pick < 90:  # mostly a plausible date or none, so most of these reach the coder
        dates = st.one_of(st.none(), st.dates(date(2000, 1, 1), RUN_DATE).map(date.isoformat), published_values)
        return st.builds(lambda text, published: {"text": text, "title": None, "published": published}, hostile_articles, dates)
    if pick < 98:
        return st.builds(lambda text, inserts: {"text": _sprinkle(text, inserts), "title": None, "published": None},
                         hostile_articles, st.lists(st.tuples(st.integers(0, 10**5), odd_text), min_size=1, max_size=30))
    return corpus_articles(long_sentence)


# One article as a raw record, as ingest hands it to clean: the input of the clean + extract property.
article_records = st.integers(0, 99).flatmap(_weighted_text).map(lambda a: _record(a["text"], a.get("title"), a.get("published")))

# Texts clean must sort out on its own: blank, too short, other scripts, markup, control characters.
OTHER_SCRIPTS = (
    "Десятки человек погибли в результате обстрела в городе.", "قتل عشرات المدنيين في غارة جوية على المدينة", "空袭造成数十人死亡。",
    "<p>At least 5 people were killed</p><p>in Aleppo on Monday</p>",
)
clean_texts = st.one_of(
    hostile_articles, sentences, st.text(), st.text(st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(("", " ", "\n\n\t", "\x00" * 10, "\u200b" * 5)), st.sampled_from(OTHER_SCRIPTS),
)


@st.composite
def record_batches(draw: st.DrawFn) -> list[RawRecord]:
    """A batch of 1-12 records with colliding refs and repeated texts, as several inputs of one run produce."""
    texts = draw(st.lists(clean_texts, min_size=1, max_size=8))
    refs = draw(st.lists(st.sampled_from(("a", "b", "c", "dir/x.txt", "x.jsonl#3", "")), min_size=1, max_size=12))
    batch = []
    for index, ref in enumerate(refs):
        text = texts[draw(st.integers(0, len(texts) - 1))]
        record = _record(text, draw(st.one_of(st.none(), st.text(max_size=40))), draw(published_values), ref or f"file-{index}.txt")
        record.has_own_id = bool(ref) and draw(st.booleans())
        batch.append(record)
    return batch
