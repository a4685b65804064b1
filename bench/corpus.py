"""A seeded generator of synthetic English conflict-news articles, for benchmarks.

Real corpora are small and licence-bound; a benchmark needs any number of articles that look like
wire copy to the pipeline: a dateline, a lead with a trigger, a place, an actor, a day and a toll,
then detail, quotes and background. Articles are written from hand-made templates (bench/corpus_text.py) over real towns
(each checked to resolve in the project's gazetteer) and actor names the coder's dictionary knows.

Article `i` of seed `s` depends on (s, i) only, so `generate(10, s, start=2000)` is exactly the
tail of `generate(2010, s)`: an incremental run can add articles the full run never saw.

    python -m bench.corpus --n 2000 --seed 0 [--start 0] --out articles.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from bench.corpus_text import (
    CONTEXT, COUNT_RANGE, COUNTRIES, CRIMES, EDITORS, FIRST, KINDS, LAST, MOOD, OFFICIAL, PEOPLE, QUOTES, ROLE, SOURCES,
    SPEAKERS, TARGETS, VEHICLES, VICTIMS, WHY, T,
)

FIRST_DAY, DAYS = date(2023, 1, 1), 1096  # publication dates: 2023-01-01 .. 2025-12-31
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
SENTENCE_END = re.compile(r'[.!?]"?(?=\s|$)')
WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()
# Every article gets a distinct (reporter, co-reporter) pair of names for its sign-off, so every text is
# distinct (the pipeline dedupes by sha256 of the text) without any state across calls.
NAMES = len(FIRST) * len(LAST)
PAIRS = NAMES * (NAMES - 1)  # ordered pairs of two different names: 3,998,000 distinct articles per seed
KIND_NAMES, KIND_WEIGHTS = list(KINDS), [w for w, _ in KINDS.values()]


def _number(rng: random.Random, lo: int, hi: int) -> tuple[str, int]:
    """A count as news writes it: "12", "at least 12", "three", "dozens of"."""
    n = rng.randint(lo, hi)
    if n >= 24 and rng.random() < 0.2:
        return "dozens of", n
    text = WORDS[n] if n <= 12 and rng.random() < 0.5 else str(n)
    return (f"at least {text}" if rng.random() < 0.4 else text), n


def _when(rng: random.Random, published: date) -> str:
    """The event's day, on publication or the day before, so the coder dates it as news."""
    if rng.random() < 0.5:
        day, forms = published, ("on {w}", "early on {w}", "on {w} morning", "on {w} afternoon", "on {m} {d}")
    else:
        day, forms = published - timedelta(days=1), ("on {w}", "late on {w}", "on {w} night", "overnight", "on {m} {d}")
    return rng.choice(forms).format(w=WEEKDAYS[day.weekday()], m=MONTHS[day.month - 1], d=day.day)


@lru_cache(maxsize=4096)  # background sentences recur in every article: measure each once
def _size(text: str) -> tuple[int, int]:
    """(words, sentences) of a piece of text."""
    return len(text.split()), len(SENTENCE_END.findall(text))


def _where(rng: random.Random, c: dict, town: str, prov: str) -> str:
    """Where it happened, as leads put it: "in Saraqib", "near Bama in Borno state", "in Syria's Aleppo"."""
    if town == prov:  # a city that names its own province
        return rng.choice(("in {t}", "in the city of {t}", "on the outskirts of {t}", "in {c}'s {t}")).format(t=town, c=c["short"])
    return rng.choice(("in {t}", "in {t}, in {p} {u}", "in the town of {t} in {c}'s {p} {u}", "near {t} in {p} {u}", "on the outskirts of {t}")).format(
        t=town, p=prov, u=c["unit"], c=c["short"])


def _dateline(rng: random.Random, style: str | None, c: dict, town: str, published: date) -> str:
    """A wire dateline in capitals ("BEIRUT, March 3 (Reuters) - "); the bureau is never the event's town,
    since the coder (rightly) reads dateline places as where the reporter is."""
    if style is None or rng.random() < 0.2:
        return ""
    bureau = rng.choice([b for b in c["bureaus"] if b.lower() != town.lower()])
    md = f"{MONTHS[published.month - 1]} {published.day}"
    return {"reuters": f"{bureau}, {md} (Reuters) - ", "afp": f"{bureau} (AFP) - ", "ap": f"{bureau} (AP) — ",
            "xinhua": f"{bureau}, {md} (Xinhua) -- "}[style]


def _signoff(rng: random.Random, k: int) -> str:
    """The reporters' line; `k` picks the pair of names that makes this article's text unique."""
    a, b = divmod(k, NAMES - 1)
    b += b >= a  # skip the reporter's own name: still one pair per k
    first, second = (f"{FIRST[x // len(LAST)]} {LAST[x % len(LAST)]}" for x in (a, b))
    # No bureau city here: "reporting by X in Nairobi" would count as a place named in the story.
    return rng.choice(("Reporting by {a}; additional reporting by {b}; editing by {e}.",
                       "Reporting by {a} and {b}; writing by {e}.",
                       "Additional reporting by {a} and {b}; editing by {e}.")).format(a=first, b=second, e=rng.choice(EDITORS))


def _article(seed: int, index: int) -> tuple[dict, str]:
    """Article `index` of `seed` and its kind; its own Random makes any slice reproducible on its own."""
    rng = random.Random(f"bench-corpus:{seed}:{index}")
    kind = rng.choices(KIND_NAMES, KIND_WEIGHTS)[0]
    iso2 = rng.choice(KINDS[kind][1].split())
    c = COUNTRIES[iso2]
    town, prov = rng.choice(c["towns"])
    town2 = rng.choice([t for t, _ in c["towns"] if t != town])
    published = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    titles, leads, details = T[kind]
    kn, n = _number(rng, *COUNT_RANGE.get(kind, (2, 30)))
    perp, foe = rng.choice(c[ROLE.get(kind, "police")]), rng.choice(c["rebel"])
    (target, target_short), (why, why_short) = rng.choice(TARGETS), rng.choice(WHY)
    slots = dict(perp=perp, police=perp, foe=foe, where=_where(rng, c, town, prov), when=_when(rng, published), kn=kn,
                 kv=rng.choice(("people", "civilians", "people, including children,")), wn=_number(rng, 2, 40)[0],
                 src=rng.choice(c["src"]), target=target, target_short=target_short, vehicle=rng.choice(VEHICLES),
                 victims=rng.choice(VICTIMS), town=town, town2=town2, prov=prov, unit=c["unit"], country=c["short"], dem=c["dem"],
                 crowd=rng.choice(("hundreds of", "thousands of", "several hundred", "dozens of")), why=why, why_short=why_short,
                 crime=rng.choice(CRIMES), N=n, bomber=c["bomber"] or "Militants", venue=rng.choice(c["venue"]))
    sentences = [rng.choice(leads).format(**slots)]
    sentences += [d.format(**slots) for d in rng.sample(details, rng.randint(1, len(details)))]
    mood = MOOD.get(kind, "violent")
    for quote in rng.sample(QUOTES[mood], rng.choice((0, 1, 1, 2))):
        speaker = rng.choice(SPEAKERS[mood]).format(name=rng.choice(PEOPLE[c["names"]]))
        sentences.append(f'"{quote}," {speaker}.' if rng.random() < 0.6 else f'{speaker[0].upper() + speaker[1:]}: "{quote}."')
    if mood in ("violent", "fighting", "raid") and rng.random() < 0.6:
        sentences.append(rng.choice(OFFICIAL))
    # Name the country at least once, as real copy does: the coder finds an article's country from its text.
    pool = [*c["background"], *CONTEXT]
    if not c["names_it"](" ".join(sentences)):
        sentences.append(rng.choice(c["named"]))
        pool.remove(sentences[-1])
    # Background up to the article's target length (150-600 words overall), within 11 sentences + sign-off.
    target = rng.choice((165, 220, 300, 400, 520))
    words, count = map(sum, zip(*map(_size, sentences), strict=True))
    for more in rng.sample(pool, len(pool)):
        if count >= 11 or words >= target:
            break
        sentences.append(more)
        words, count = words + _size(more)[0], count + _size(more)[1]
    sentences = [s[0].upper() + s[1:] for s in sentences]
    # Paragraphs of one or two sentences, as wire copy runs; the lead stands alone.
    paragraphs, rest = [sentences[0]], sentences[1:]
    while rest:
        take = 2 if len(rest) > 1 and rng.random() < 0.35 else 1
        paragraphs.append(" ".join(rest[:take]))
        rest = rest[take:]
    name, host, style = rng.choice(SOURCES)
    paragraphs[0] = _dateline(rng, style, c, town, published) + paragraphs[0]
    k = (index * 2654435761 + seed * 1000003) % PAIRS  # a bijection on 0..PAIRS-1: distinct pairs per index
    paragraphs.append(_signoff(rng, k))
    title = rng.choice(titles).format(**slots)
    slug = "-".join("".join(ch for ch in w.lower() if ch.isalnum()) for w in title.split())
    stamp = f"{published.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
    return {"id": f"bench-{index:06d}", "title": title, "text": "\n\n".join(paragraphs), "source": name,
            "url": f"https://www.{host}/world/{slug}-{index}", "published": stamp}, kind


def _indexes(n: int, start: int) -> range:
    if n < 0 or start < 0 or start + n > PAIRS:  # past PAIRS the sign-off pairs (and so texts) would repeat
        raise ValueError(f"article indexes must lie in 0..{PAIRS - 1}")
    return range(start, start + n)


def generate(n: int, seed: int = 0, start: int = 0) -> list[dict]:
    """`n` articles (ids start..start+n-1) of the corpus `seed`; same arguments, same articles."""
    return [_article(seed, i)[0] for i in _indexes(n, start)]


def write_jsonl(records: Iterable[dict], path: str | Path) -> int:
    """Write records one JSON object a line (UTF-8), streaming; returns the bytes written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with path.open("wb") as out:
        for record in records:
            size += out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    return size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of articles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="index of the first article (ids bench-<start>...)")
    parser.add_argument("--out", required=True, help="output .jsonl path")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    # Streamed, so 100k articles never sit in memory at once; the same articles generate() returns.
    size = write_jsonl((_article(args.seed, i)[0] for i in _indexes(args.n, args.start)), args.out)
    print(f"{args.n} articles, {size / 1e6:.1f} MB -> {args.out} ({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
