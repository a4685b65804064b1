"""Gold files and their mapping onto published articles and quarantine rows."""

from __future__ import annotations

import json

import pytest

from conflict_events.evaluation.gold import NOT_IN_LAKE, GoldError, load_gold, map_gold_to_articles
from conflict_events.models import QuarantineRow
from tests.evaluation.rows import AIRSTRIKE, BOMB, STRIKE, cleaned, event, fakes_gold


def test_a_duplicate_maps_to_the_kept_copy_and_other_quarantine_reasons_to_no_article():
    articles, quarantine = cleaned([("g1", STRIKE), ("g2", "  " + STRIKE.replace(" ", "  ") + "\n"), ("g3", "Shelling in Idlib.")])
    assert [q.reason for q in quarantine] == ["duplicate", "too_short"]
    article_of_gold, missing = map_gold_to_articles(["g1", "g2", "g3", "g4"], articles, quarantine)
    assert article_of_gold == {"g1": articles[0]["article_id"], "g2": articles[0]["article_id"]}
    assert missing == {"g3": "quarantined clean:too_short", "g4": NOT_IN_LAKE}


def test_seed_gold_keys_match_the_file_name_of_a_relative_path_and_validate_rows_their_source_ref():
    articles = [{"source_ref": "batch/000_a.txt", "article_id": "A"}, {"source_ref": "other/000_a.txt.bak", "article_id": "B"}]
    rejected = QuarantineRow.of("C" * 64, "validate", "failed_expectations", "articles row failed: n_chars", {"source_ref": "batch/001_b.txt"})
    article_of_gold, missing = map_gold_to_articles(["000_a.txt", "001_b.txt"], articles, [rejected])
    assert article_of_gold == {"000_a.txt": "A"}
    assert missing == {"001_b.txt": "quarantined validate:failed_expectations"}


def test_an_article_published_by_a_later_run_wins_over_an_old_quarantine_row():
    articles, _ = cleaned([("g1", STRIKE)])
    old = QuarantineRow.of("g1", "extract", "extract_error", "ValueError: boom", {"text": STRIKE})
    assert map_gold_to_articles(["g1"], articles, [old]) == ({"g1": articles[0]["article_id"]}, {})


def test_events_rejected_by_validation_explain_why_a_published_article_has_no_event():
    articles, _ = cleaned([("g1", STRIKE), ("g2", BOMB)])
    for article in articles:
        article["run_id"] = "run-2"
    bad = event(articles[0]["article_id"], country=None)
    rejected = QuarantineRow.of("e1", "validate", "failed_expectations", "events row failed: not_null(country)", bad, "run-2")
    older = QuarantineRow.of("e0", "validate", "failed_expectations", "events row failed: range(fatalities)", event(articles[1]["article_id"]), "run-1")
    article_of_gold, missing = map_gold_to_articles(["g1", "g2"], articles, [rejected, older])
    assert article_of_gold == {"g1": articles[0]["article_id"], "g2": articles[1]["article_id"]}
    assert missing == {"g1": "events quarantined validate:failed_expectations (events row failed: not_null(country))"}


def test_load_gold_detects_the_format(tmp_path):
    jsonl = tmp_path / "g.jsonl"
    jsonl.write_text(json.dumps(fakes_gold("a")) + "\n\n" + json.dumps(fakes_gold("b")) + "\n")
    assert load_gold(jsonl) == ("fakes", [fakes_gold("a"), fakes_gold("b")])
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(fakes_gold("a")))
    assert load_gold(one) == ("fakes", [fakes_gold("a")])
    seeds = tmp_path / "s.json"
    seeds.write_text(json.dumps({"about": "x", "articles": {"a.txt": {"events": [AIRSTRIKE]}}}))
    assert load_gold(seeds) == ("seeds", {"a.txt": {"events": [AIRSTRIKE]}})


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"id": "a"}\n{not json\n', "line 2 is not JSON"),
        ('{"event_date": "2024-01-01"}\n', 'line 1 is not an object with an "id"'),
        ('{"articles": {"a.txt": {"coding": []}}}', '"events" list'),
        ("\n\n", "no gold rows"),
        ("[1, 2]", 'line 1 is not an object with an "id"'),
    ],
)
def test_unusable_gold_files_raise_a_clear_error(tmp_path, content, message):
    path = tmp_path / "gold.json"
    path.write_text(content)
    with pytest.raises(GoldError, match=message):
        load_gold(path)


def test_the_shared_gold_files_are_recognised(shared_dir):
    kind, rows = load_gold(shared_dir / "eval" / "fakes_dev_gold.jsonl")
    assert kind == "fakes" and len(rows) == 319
    kind, articles = load_gold(shared_dir / "eval" / "seeds_gold.json")
    assert kind == "seeds" and "000_2ed2d417069db657.txt" in articles
