"""Pairwise scoring of same-incident links between articles."""

from __future__ import annotations

import pytest

from conflict_events.incidents.scoring import (
    adjudicated_links,
    fakes_labels,
    gold_links,
    labels_of,
    pairwise_scores,
    predicted_links,
    score_incidents,
)


def test_gold_links_join_articles_with_one_label_and_none_for_distractors():
    labels = {"a": "x", "b": "x", "c": "x", "d": "y", "e": None, "f": None}
    assert gold_links(labels) == {frozenset("ab"), frozenset("ac"), frozenset("bc")}


def test_predicted_links_come_from_events_sharing_an_incident():
    incidents = [{"event_ids": ["a-0", "b-0", "b-1"]}, {"event_ids": ["c-0"]}, {"event_ids": ["d-0", "zz-0"]}]
    article_of_event = {"a-0": "A", "b-0": "B", "b-1": "B", "c-0": "C", "d-0": "D", "zz-0": "Z"}
    keys = {"A": "a", "B": "b", "C": "c", "D": "d", "Z": "z"}
    assert predicted_links(incidents, article_of_event, keys) == {frozenset("ab"), frozenset("dz")}
    assert predicted_links(incidents, article_of_event, keys, keep={"a", "b", "c", "d"}) == {frozenset("ab")}


def test_pairwise_precision_recall_on_a_toy_example():
    # Gold: {a, b, c} one incident (3 links), {d, e} another (1 link). Predicted: {a, b}, {c, d}, {e}.
    gold = gold_links({"a": 1, "b": 1, "c": 1, "d": 2, "e": 2})
    predicted = {frozenset("ab"), frozenset("cd")}
    scores = pairwise_scores(predicted, gold)
    assert scores["true_links"] == 1 and scores["false_links"] == 1 and scores["missed_links"] == 3
    assert scores["precision"] == 0.5 and scores["recall"] == 0.25
    assert scores["f1"] == pytest.approx(2 * 0.5 * 0.25 / 0.75, abs=1e-4)
    assert pairwise_scores(set(), set())["precision"] == 1.0 and pairwise_scores(set(), set())["recall"] == 1.0


def test_score_incidents_end_to_end_and_with_an_adjudication():
    labels = {"a": "x", "b": "x", "c": None, "d": None}
    incidents = [{"event_ids": ["a-0", "b-0"]}, {"event_ids": ["c-0", "d-0"]}]
    article_of_event = {"a-0": "a", "b-0": "b", "c-0": "c", "d-0": "d"}
    result = score_incidents(labels, incidents, article_of_event)
    assert result["metrics"]["precision"] == 0.5 and result["metrics"]["recall"] == 1.0
    assert result["false"] == [["c", "d"]] and result["missed"] == []
    assert result["metrics"]["articles"] == 4 and result["metrics"]["gold_incidents"] == 1
    adjudication = [{"a": "d", "b": "c", "same_incident": True, "note": "one incident"}]
    adjudicated = score_incidents(labels, incidents, article_of_event, adjudication=adjudication)["adjudicated"]
    assert adjudicated["precision"] == 1.0 and adjudicated["recall"] == 1.0 and adjudicated["unjudged"] == 0
    judged_different = [{"a": "c", "b": "d", "same_incident": False, "note": ""}]
    assert adjudicated_links(judged_different) == (set(), {frozenset("cd")})
    assert score_incidents(labels, incidents, article_of_event, adjudication=judged_different)["adjudicated"]["precision"] == 0.5


def test_fakes_gold_rows_with_the_same_date_place_actor_cause_and_toll_are_one_incident():
    rows = [
        {"id": "1", "event_date": "2016-08-11", "admin1": "Aleppo", "actor_class": "unknown", "cause_of_death": "chemical", "fatalities": 4},
        {"id": "2", "event_date": "2016-08-11", "admin1": "Aleppo", "actor_class": "unknown", "cause_of_death": "chemical", "fatalities": 4},
        {"id": "3", "event_date": "2016-08-11", "admin1": "Aleppo", "actor_class": "unknown", "cause_of_death": "chemical", "fatalities": 5},
        {"id": "1", "event_date": "2019-01-01", "admin1": "Idlib", "actor_class": "isis", "cause_of_death": "shooting", "fatalities": 1},
    ]
    labels = fakes_labels(rows)
    assert len(labels) == 3 and gold_links(labels) == {frozenset("12")}  # an id given twice keeps its first row
    assert labels_of(rows)[0] == "fakes"
    assert labels_of([{"id": "a", "incident": "x"}, {"id": "b", "incident": None}]) == ("incidents", {"a": "x", "b": None})
    with pytest.raises(ValueError):
        labels_of([{"id": "a"}])
