"""The project's own snippet corpus: its format is checked line by line, its split is fixed, its scores are what they say."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conflict_events.cli import main
from conflict_events.evaluation.corpus import CorpusError, Snippet, load_corpus, score_corpus
from conflict_events.schemas import SUB_EVENT_TYPES

EVENT = {"id": "x-e-1", "text": "Gunmen killed five villagers in Konduga on Sunday, officials said.", "sub_event_type": "Attack",
         "non_event_kind": None, "country": "Nigeria", "iso3": "NGA", "admin1": "Borno", "location": "Konduga", "fatalities": 5}


def write(tmp_path, *records) -> None:
    (tmp_path / "part.jsonl").write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")


def test_the_versioned_corpus_is_as_broad_as_the_issue_asks():
    snippets = load_corpus()
    labels = Counter(s.label for s in snippets)
    assert all(labels[sub] >= 40 for sub in SUB_EVENT_TYPES), labels
    assert labels["none"] >= 300 and len({s.iso3 for s in snippets if s.sub_event_type}) >= 40
    assert set(Counter(s.non_event_kind for s in snippets if s.non_event_kind)) == {
        "natural_disaster", "accident", "organised_crime", "diplomacy", "blame_statement", "sport", "business", "weather", "politics",
        "context"}  # sentences of conflict reporting that report no new event
    dev = sum(s.split == "dev" for s in snippets) / len(snippets)
    assert 0.15 < dev < 0.25


@pytest.mark.parametrize(
    ("change", "problem"),
    [({"sub_event_type": "Ambush"}, "unknown sub_event_type"), ({"non_event_kind": "sport"}, "exactly one of"),
     ({"fatalities": -1}, "'fatalities'"), ({"country": None}, "needs its 'country'"), ({"text": "too short"}, "at least 5 words")],
)
def test_a_bad_line_is_refused_with_its_file_line_and_problem(tmp_path, change, problem):
    write(tmp_path, EVENT, {**EVENT, "id": "x-e-2", **change})
    with pytest.raises(CorpusError, match=rf"part.jsonl:2: .*{problem}"):
        load_corpus(tmp_path)


def test_a_repeated_id_and_a_line_that_is_not_json_are_refused(tmp_path):
    write(tmp_path, EVENT, EVENT)
    with pytest.raises(CorpusError, match="already used at part.jsonl:1"):
        load_corpus(tmp_path)
    write(tmp_path, EVENT, "{not json")
    with pytest.raises(CorpusError, match="part.jsonl:2: not JSON"):
        load_corpus(tmp_path)


def test_the_split_depends_on_the_id_alone():
    first = Snippet("w9-e-001", "text", "Attack", None, "Nigeria", "NGA", None, None, 0)
    moved = Snippet("w9-e-001", "other text entirely", "Arrests", None, "Kenya", "KEN", None, None, 0)
    assert first.split == moved.split
    assert Counter(Snippet(f"id-{i}", "t", "Attack", None, "c", None, None, None, 0).split for i in range(1000))["dev"] in range(150, 251)


def test_scores_count_per_class_precision_recall_and_non_event_rejection():
    def snippet(i, label):
        return Snippet(f"s{i}", "text", None if label == "none" else label, "sport" if label == "none" else None, "Kenya", "KEN", "Nairobi", None, 0)

    gold = [snippet(0, "Attack"), snippet(1, "Attack"), snippet(2, "Arrests"), snippet(3, "none"), snippet(4, "none")]
    coded = {"s0": [{"sub_event_type": "Attack", "fatalities": 1, "confidence": 0.9, "iso3": "KEN", "admin1": "Nairobi"}],
             "s1": [], "s2": [{"sub_event_type": "Attack", "fatalities": 0, "confidence": 0.5, "iso3": "UGA", "admin1": None}],
             "s3": [], "s4": [{"sub_event_type": "Arrests", "fatalities": 0, "confidence": 0.5, "iso3": "KEN", "admin1": None}]}
    scores = score_corpus(gold, coded)
    assert scores["per_class"]["Attack"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "gold": 2, "predicted": 2}
    assert scores["per_class"]["Arrests"]["f1"] == 0.0 and scores["macro_f1"] == 0.25  # over the classes the gold has
    assert (scores["event_found"], scores["non_event_rejection"]) == (0.667, 0.5)
    assert (scores["country"], scores["admin1"]) == (0.5, 0.5)
    assert {"gold": "Attack", "predicted": "none", "count": 1} in scores["confusions"]


def test_evaluate_refuses_a_bad_corpus_in_one_line(tmp_path, capsys):
    write(tmp_path, {**EVENT, "sub_event_type": "Ambush"})
    assert main(["evaluate", "--corpus", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("conflict-events: cannot use corpus") and err.count("\n") == 1
