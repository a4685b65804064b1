"""Pairwise scoring of incident merging: are the right *articles* linked?

Two articles are linked when some event of one and some event of the other share an incident_id
(predicted), or when they carry the same gold incident label (gold; an article labelled null, a
distractor or a non-event, is linked to nothing). Precision is the share of predicted links that are
gold links, recall the share of gold links predicted. Only articles of the gold set count; a gold article
that was not coded (quarantined, no events) links to nothing, so its gold links count as missed.

Gold formats:
* the project's own set (`data/eval/incidents/gold.jsonl`): {"id": article id, "incident": label or null};
* FA-KES (`fakes_dev_gold.jsonl`): one coded incident per article; articles with the same event date,
  governorate, actor class, cause of death and fatality count report one incident (several outlets' reports
  of one incident agree on all of them); every other article is an incident of its own.

That FA-KES rule misses most multi-outlet reports: crowd coders of different articles about one incident
rarely agree on all five fields (tolls rise between reports, actor classes differ). An *adjudication* file
(`data/eval/incidents/fakes_dev_adjudication.jsonl`: {"a", "b", "same_incident", "note"}) records pairs of
articles judged by reading both texts. Adjudicated scores count a link as true when the gold links it or it
was judged the same incident; the adjudicated gold is the gold links plus the pairs judged the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

Pair = frozenset  # of two article keys

FAKES_KEY = ("event_date", "admin1", "actor_class", "cause_of_death", "fatalities")


def links_of_groups(groups: Iterable[Iterable[str]]) -> set[Pair]:
    """Every pair of distinct keys within a group (a key in several groups links to each group's keys)."""
    pairs: set[Pair] = set()
    for group in groups:
        members = sorted(set(group))
        pairs.update(frozenset(p) for p in combinations(members, 2))
    return pairs


def gold_links(labels: Mapping[str, Any]) -> set[Pair]:
    """Links between articles with the same non-null label ({article key: incident label or None})."""
    groups: dict[Any, list[str]] = defaultdict(list)
    for key, label in labels.items():
        if label is not None:
            groups[label].append(key)
    return links_of_groups(groups.values())


def predicted_links(
    incidents: Iterable[Mapping[str, Any]], article_of_event: Mapping[str, str], key_of_article: Mapping[str, str] | None = None,
    keep: Iterable[str] | None = None,
) -> set[Pair]:
    """Links between articles whose events share an incident.

    `article_of_event`: event_id -> article_id; `key_of_article` (optional): article_id -> the key the gold
    uses (the record id); `keep` (optional): only links between these keys count.
    """
    keep_set = set(keep) if keep is not None else None
    groups = []
    for incident in incidents:
        keys = set()
        for event_id in incident.get("event_ids") or []:
            article = article_of_event.get(event_id)
            if article is None:
                continue
            key = key_of_article.get(article, article) if key_of_article is not None else article
            if keep_set is None or key in keep_set:
                keys.add(key)
        groups.append(keys)
    return links_of_groups(groups)


def pairwise_scores(predicted: set[Pair], gold: set[Pair]) -> dict[str, Any]:
    """Precision, recall and F1 of predicted links against gold links, with the counts.

    With nothing predicted precision is 1.0; with no gold link recall is 1.0 (nothing to miss).
    """
    tp = len(predicted & gold)
    fp = len(predicted - gold)
    fn = len(gold - predicted)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "true_links": tp, "false_links": fp, "missed_links": fn, "predicted_links": len(predicted), "gold_links": len(gold),
    }


def fakes_labels(gold_rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """{article id: incident label} for FA-KES gold rows: the label is the FAKES_KEY tuple.

    An id that occurs twice keeps its first row (clean keeps the first record of an id, too).
    """
    labels: dict[str, Any] = {}
    for row in gold_rows:
        labels.setdefault(row["id"], tuple(row.get(k) for k in FAKES_KEY))
    return labels


def incident_labels(gold_rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """{article id: incident label or None} for the project's own gold rows ({"id", "incident"})."""
    labels: dict[str, Any] = {}
    for row in gold_rows:
        labels.setdefault(row["id"], row.get("incident"))
    return labels


def labels_of(gold_rows: list[Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """("incidents" | "fakes", labels) for either gold format."""
    if gold_rows and all("incident" in row for row in gold_rows):
        return "incidents", incident_labels(gold_rows)
    if gold_rows and all(all(k in row for k in FAKES_KEY) for row in gold_rows):
        return "fakes", fakes_labels(gold_rows)
    raise ValueError('gold rows must all have "incident" (the incidents set) or the FA-KES fields ' + ", ".join(FAKES_KEY))


def adjudicated_links(rows: Iterable[Mapping[str, Any]]) -> tuple[set[Pair], set[Pair]]:
    """(pairs judged the same incident, pairs judged different) from adjudication rows."""
    same: set[Pair] = set()
    different: set[Pair] = set()
    for row in rows:
        pair = frozenset((row["a"], row["b"]))
        (same if row["same_incident"] else different).add(pair)
    return same, different


def score_incidents(
    labels: Mapping[str, Any], incidents: Iterable[Mapping[str, Any]], article_of_event: Mapping[str, str],
    key_of_article: Mapping[str, str] | None = None, adjudication: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Pairwise scores of incidents against gold labels, plus the link sets (for error listings).

    With `adjudication` rows, `adjudicated` metrics too (see the module docstring); `unjudged` counts the
    predicted links neither the gold nor the adjudication decides (they count as false there).
    """
    gold = gold_links(labels)
    predicted = predicted_links(incidents, article_of_event, key_of_article, keep=labels.keys())
    scores = pairwise_scores(predicted, gold)
    scores["articles"] = len(labels)
    scores["gold_incidents"] = len({label for label in labels.values() if label is not None})
    result = {"metrics": scores, "false": sorted(map(sorted, predicted - gold)), "missed": sorted(map(sorted, gold - predicted))}
    if adjudication is not None:
        same, different = adjudicated_links(adjudication)
        wider = gold | (same - different)
        adjudicated = pairwise_scores(predicted, wider)
        adjudicated["unjudged"] = len(predicted - wider - different)
        result["adjudicated"] = adjudicated
        result["adjudicated_false"] = sorted(map(sorted, predicted - wider))
        result["adjudicated_missed"] = sorted(map(sorted, wider - predicted))
    return result
