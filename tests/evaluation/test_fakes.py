"""FA-KES scoring: duplicate texts, metrics, errors worst first, actor classes."""

from __future__ import annotations

from datetime import date

import pytest

from conflict_events.evaluation.evaluate import evaluate
from conflict_events.evaluation.fakes import fakes_actor_class
from tests.evaluation.rows import BOMB, STRIKE, cleaned, event, fakes_gold


def test_fakes_duplicate_text_is_scored_against_the_kept_copys_events():
    articles, quarantine = cleaned([("g1", STRIKE), ("g2", STRIKE), ("g3", "Shelling in Idlib."), ("g4", BOMB)])
    kept = {a["source_ref"]: a["article_id"] for a in articles}
    events = [event(kept["g1"]), event(kept["g1"], fatalities=2, confidence=0.99),
              event(kept["g4"], sub_event_type="Remote explosive/landmine/IED", admin1="Aleppo", fatalities=5,
                    actor1="Unidentified Armed Group (Syria)", event_date=date(2024, 3, 15))]
    gold = [fakes_gold("g1"), fakes_gold("g2", fatalities=10, admin1="Hama", actor_class="unknown"), fakes_gold("g3"),
            fakes_gold("g4", admin1="Aleppo", fatalities=6, event_date="2024-03-18", cause_of_death="explosion", actor_class="isis")]
    result = evaluate("fakes", gold, articles, events, quarantine)
    assert result["metrics"] == {
        "articles": 4, "with_event": 0.75, "admin1": 0.5, "date_exact": 0.5, "date_within_1_day": 0.5,
        "fatalities_exact": 0.25, "fatalities_within_20pct": 0.75, "cause": 1.0, "actor_class": 0.5,
    }
    assert [(e["id"], e["field"], e["got"]) for e in result["errors"]] == [
        ("g3", "event", "quarantined clean:too_short"),
        ("g2", "fatalities", 12),  # 20% off before g4's 17%
        ("g4", "fatalities", 5),
        ("g4", "event_date", "2024-03-15"),
        ("g2", "admin1", "Idlib"),
        ("g4", "actor_class", "Unidentified Armed Group (Syria) (unknown)"),
    ]
    assert result["not_in_lake"] == []


@pytest.mark.parametrize(
    "actor1, fakes_class",
    [
        ("Global Coalition Against Daesh", "international_coalition"),
        ("Military Forces of the United States", "international_coalition"),
        ("Government of Syria", "syrian_government_or_russia"),
        ("Military Forces of Russia", "syrian_government_or_russia"),
        ("Islamic State (Syria)", "isis"),
        ("Hayat Tahrir al-Sham", "nusra_hts"),
        ("Syrian Democratic Forces", "kurdish_self_administration"),
        ("Rebel Forces (Syria)", "armed_opposition"),
        ("Unidentified Armed Group (Syria)", "unknown"),
    ],
)
def test_acled_actor_names_map_to_fakes_classes(actor1, fakes_class):
    assert fakes_actor_class(actor1) == fakes_class
