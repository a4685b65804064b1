"""Scoring published rows against a gold coding (FA-KES dev set, the seeds), with the metric definitions of the issues.

Everything here is pure: gold rows and published rows (dicts, as pyarrow's `to_pylist` gives them; quarantine
rows as `QuarantineRow`) in, metrics and error rows out. `conflict-events evaluate` and `scripts.evaluate_fakes`
only wire it.
"""

from __future__ import annotations

from typing import Any, Iterable

from conflict_events.evaluation.fakes import score_fakes
from conflict_events.evaluation.gold import NOT_IN_LAKE, gold_ids, group_events, map_gold_to_articles
from conflict_events.evaluation.report import order_errors
from conflict_events.evaluation.seeds import score_seeds
from conflict_events.models import QuarantineRow


def evaluate(
    kind: str, gold: Any, articles: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]], quarantine: Iterable[QuarantineRow]
) -> dict[str, Any]:
    """Score published rows (articles, events, quarantine) against a gold set loaded by `load_gold`.

    Returns metrics, errors worst first, and the gold ids found neither as an article nor in quarantine.
    """
    ids = gold_ids(kind, gold)
    article_of_gold, why_missing = map_gold_to_articles(ids, articles, quarantine)
    by_article = group_events(events)
    scorer = score_fakes if kind == "fakes" else score_seeds
    result = scorer(by_article, article_of_gold, gold, why_missing)
    result["errors"] = order_errors(result["errors"])
    result["not_in_lake"] = [i for i in ids if why_missing.get(i) == NOT_IN_LAKE]
    return result
