"""Every pattern the coder and clean run on article text is listed in docs/regex_audit.md, and none takes more
than linear time on text built from its own words: runs of blanks, a word or phrase over and over, mixtures.

The audit says why each pattern is linear or bounded; these tests keep it complete (a new pattern fails the
first test until it is audited) and check what it says against hostile inputs (the second).
"""

from __future__ import annotations

import ast
import importlib
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzz.invariants import within

from conftest import PROJECT_ROOT

AUDIT = PROJECT_ROOT / "docs" / "regex_audit.md"
# Where the patterns are defined, in the order their names are taken (modules that import them come later).
MODULES = (
    "tasks.extract.lexicon", "tasks.extract.taxonomy", "tasks.extract.numbers", "tasks.extract.dates", "tasks.extract.gazetteer",
    "tasks.extract.actors", "tasks.extract.places", "tasks.extract.roles", "tasks.extract.relevance", "tasks.extract.assembly", "tasks.extract.rows",
    "tasks.extract.coder", "tasks.clean", "conflict_events.article_text",
)
RE_CALLS = {"search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}  # compiled ones have names
# Run by the coder with .match at one position (WEAPONS right after a figure, _WIRE_AFTER after a dateline):
# from every position of a text, as finditer tries them, they would read each run of blanks to its end.
AT_ONE_POSITION = {"numbers.WEAPONS", "dates._WIRE_AFTER"}
HOSTILE_CHARS = 50_000
CALL_SECONDS = 2.0  # linear patterns take 1-60 ms on HOSTILE_CHARS characters (the actor lists up to 0.3 s)


def _patterns_in(name: str, value: object, depth: int = 0) -> Iterator[tuple[str, re.Pattern]]:
    """Compiled patterns in a value: itself, or inside tuples, lists and dataclass instances."""
    if isinstance(value, re.Pattern):
        yield name, value
    elif depth < 3 and isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from _patterns_in(f"{name}[{index}]", item, depth + 1)
    elif depth < 3 and hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        for field in value.__dataclass_fields__:
            yield from _patterns_in(f"{name}.{field}", getattr(value, field), depth + 1)


def audited_patterns(resources) -> dict[str, re.Pattern]:
    """Every compiled pattern the coder and clean use, by `module.NAME` (or `Class.attribute` for those built from data)."""
    found: dict[str, re.Pattern] = {}
    seen: set[int] = set()

    def add(name: str, value: object) -> None:
        for label, pattern in _patterns_in(name, value):
            if id(pattern) not in seen:
                seen.add(id(pattern))
                found[label] = pattern

    for module_name in MODULES:
        for attribute, value in vars(importlib.import_module(module_name)).items():
            add(f"{module_name.rsplit('.', 1)[-1]}.{attribute}", value)
    for attribute, value in vars(resources.actors).items():
        add(f"ActorDictionary.{attribute}", value)
    for iso2 in ("SY", "IQ", "NG", "UA"):
        add(f"Gazetteer.region_pattern[{iso2}]", resources.gazetteer.region_pattern(iso2))
    return found


def inline_literals() -> Iterator[tuple[str, str]]:
    """(module, pattern) for every `re.search("literal", ...)` and the like in the modules: patterns without a name."""
    for module_name in MODULES:
        path = Path(importlib.import_module(module_name).__file__)
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RE_CALLS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                yield module_name, node.args[0].value


def test_every_pattern_on_article_text_is_in_the_audit(resources):
    audit = AUDIT.read_text()
    named = {re.sub(r"\[.*$", "", name) for name in audited_patterns(resources)}  # TRIGGERS[3].pattern: TRIGGERS
    missing = sorted(name for name in named if f"`{name}`" not in audit)
    assert missing == [], f"patterns not in {AUDIT.name}: {missing}"
    unnamed = sorted(f"{module}: {literal}" for module, literal in inline_literals() if f"`{literal}`" not in audit)
    assert unnamed == [], f"inline patterns not in {AUDIT.name}: {unnamed}"


def hostile_texts(pattern: re.Pattern, length: int) -> dict[str, str]:
    """Texts of about `length` characters built from the pattern's own words (its literals, not its escapes)."""
    source = re.sub(r"\\[a-zA-Z][+*?]*", " ", pattern.pattern)  # "at\s+least" -> "at least"
    words = sorted(set(re.findall(r"[a-z]{2,}", source.lower())))
    rng = random.Random(pattern.pattern)
    sample = rng.sample(words, min(len(words), 24))
    phrases = re.findall(r"[a-z]+(?: +(?:\(\?:)?[a-z]+){1,2}", source.lower())
    texts = {}
    for blank in (" ", "\n", "\u2028"):
        run = blank * max(1, length // (4 * max(1, len(sample))))
        texts[f"runs of {blank!r}"] = "".join(w + run for w in sample) + "x"
    for word in sample:  # U+2028 survives clean's normalising: a long run of it reaches the coder
        texts[f"{word!r} before a long run of blanks"] = f"{word}{chr(0x2028) * length}x"
    for word in sample:
        texts[f"{word!r} repeated"] = (word + " ") * (length // (len(word) + 1))
        texts[f"{word!r} 1 repeated"] = (word + " 1 ") * (length // (len(word) + 3))
        texts[f"{word.capitalize()!r} repeated"] = (word.capitalize() + ", ") * (length // (len(word) + 2))
    heads = rng.sample(words, min(len(words), 60))
    for phrase in rng.sample(phrases, min(len(phrases), 24)):
        unit = re.sub(r"\(\?:| +", " ", phrase) + " "
        texts[f"{unit!r} repeated"] = unit * (length // len(unit))
        # After each of the pattern's words: where a repeated group starts ("killed at least another at least ...").
        runs = max(1, length // (len(heads) * len(unit)))
        texts[f"words each before {unit!r} repeated"] = "".join(f"{head} {unit * runs}" for head in heads)
    tokens = words + ["1", "12", ",", "and", "the", "\n", "  ", "."]
    for index in range(2):
        mixed = " ".join(rng.choice(tokens) for _ in range(length // 3))
        texts[f"mixture {index}"] = mixed[:length]
    return texts


@pytest.mark.slow
def test_no_pattern_takes_more_than_linear_time_on_hostile_text(resources):
    slow = []
    for name, pattern in audited_patterns(resources).items():
        for kind, text in hostile_texts(pattern, HOSTILE_CHARS).items():
            started = time.perf_counter()
            with within(30, f"{name} on {kind}"):  # an exponential pattern stops here, not never
                if name in AT_ONE_POSITION:
                    pattern.match(text)
                else:
                    for _match in pattern.finditer(text):
                        pass
            seconds = time.perf_counter() - started
            if seconds > CALL_SECONDS:
                slow.append(f"{name} on {kind}: {seconds:.1f} s")
    assert slow == []
