"""Field comparisons both scorers share: the primary event and admin1 names."""

from __future__ import annotations

import pytest

from conflict_events.evaluation.scoring import admin1_matches, normalise_admin1, primary_event
from tests.evaluation.rows import event


def test_primary_event_is_the_deadliest_then_the_most_confident_then_the_first():
    a, b, c = event(fatalities=3, confidence=0.99), event(fatalities=7, confidence=0.5), event(fatalities=7, confidence=0.8)
    assert primary_event([a, b, c]) is c
    d, e = event(fatalities=7, confidence=0.8), event(fatalities=7, confidence=0.8)
    assert primary_event([d, e]) is d
    assert primary_event([event(fatalities=None, confidence=0.9), event(fatalities=0, confidence=0.2)])["confidence"] == 0.9
    assert primary_event([]) is None


@pytest.mark.parametrize(
    "predicted, gold",
    [("Ar-Raqqah", "Raqqah"), ("Idlib Governorate", "idlib"), ("Ḩamāh", "Hamah"), ("Al-Hasakah", "Hasakah"), ("Deir ez-Zor", "Deir Ez Zor")],
)
def test_admin1_names_compare_without_case_accents_prefixes_or_governorate(predicted, gold):
    assert normalise_admin1(predicted) == normalise_admin1(gold)


def test_admin1_alternatives_and_null():
    assert admin1_matches("Rif Dimashq", "Damascus", ["Rif Dimashq"])
    assert not admin1_matches("Aleppo", "Idlib", [])
    assert admin1_matches(None, None, ["Daraa"]) and admin1_matches("Daraa", None, ["Daraa"])
    assert not admin1_matches(None, "Idlib", []) and not admin1_matches("Homs", None, ["Daraa"])
