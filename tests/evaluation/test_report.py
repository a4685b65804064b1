"""Errors worst first."""

from __future__ import annotations

from conflict_events.evaluation.report import order_errors


def test_errors_are_ordered_no_event_then_fatalities_by_relative_error_then_days_then_the_rest():
    errors = [
        {"id": "1", "field": "admin1"},
        {"id": "2", "field": "event_date", "off": 3},
        {"id": "3", "field": "fatalities", "off": 0.5},
        {"id": "4", "field": "event"},
        {"id": "5", "field": "fatalities", "off": 20.0},
        {"id": "6", "field": "event_date", "off": float("inf")},
        {"id": "7", "field": "cause"},
    ]
    assert [e["id"] for e in order_errors(errors)] == ["4", "5", "3", "6", "2", "1", "7"]
