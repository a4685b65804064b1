"""clean: text normalisation, title/source/date finding, duplicates and unusable texts."""

from __future__ import annotations

from datetime import date

import pytest

from tasks.clean import article_id_of, clean_records, find_dateline, normalise_text, parse_published
from conflict_events.models import RawRecord

RUN_DATE = date(2026, 11, 21)
BODY = "Russian warplanes struck the town of Ariha in Idlib province on Tuesday, killing at least 12 civilians, monitors said."


def clean_one(text, **fields):
    result = clean_records([RawRecord(source_ref="r1", text=text, **fields)], RUN_DATE, {})
    return result.articles[0] if result.articles else result.quarantined[0]


def test_seed_header_footer_and_headings_are_taken_out_of_the_text():
    text = f" date 2024-03-18 {BODY}\n\nImmediate Aftermath\n\nA second paragraph follows here.\nOriginal Source: news.example.org"
    article = clean_one(text)
    assert article["published_date"] == date(2024, 3, 18) and article["date_source"] == "header"
    assert article["source_name"] == "news.example.org"
    assert article["text"] == f"{BODY}\n\nA second paragraph follows here."
    assert article["article_id"] == article_id_of(article["text"]) and len(article["article_id"]) == 64


def test_title_line_becomes_the_title():
    article = clean_one(f"Warplanes Strike Ariha\n{BODY}")
    assert article["title"] == "Warplanes Strike Ariha"
    assert article["text"] == BODY


def test_without_a_title_the_first_sentence_stands_in():
    assert clean_one(BODY)["title"] == BODY


@pytest.mark.parametrize(
    "opening, expected",
    [
        ("Wed 05 Apr 2017 Syria attack symptoms", date(2017, 4, 5)),
        ("6 July 2015 So called Islamic State", date(2015, 7, 6)),
        ("Published October 4 2014 At least 35", date(2014, 10, 4)),
        ("Last updated at Oct 042017 BEIRUT A Russian", date(2017, 10, 4)),
        ("01.10.2017Get short URL", date(2017, 10, 1)),
        ("16-02-2015 Terrorists Rocket Shells", date(2015, 2, 16)),
        ("Suicide bomber kills 4 AFP Sunday 22 Feb 2015 A suicide", date(2015, 2, 22)),
        ("Date of publication 4 October 2016 At least 22", date(2016, 10, 4)),
        ("No date anywhere in this opening sentence", None),
    ],
)
def test_datelines(opening, expected):
    assert find_dateline(opening) == expected


def test_date_precedence_header_then_metadata_then_text():
    assert clean_one(f"date 2024-01-02 {BODY}", published="2023-05-05")["date_source"] == "header"
    article = clean_one(f"Wed 05 Apr 2017 {BODY}", published="2024-02-03T10:00:00Z")
    assert (article["published_date"], article["date_source"]) == (date(2024, 2, 3), "metadata")
    article = clean_one(f"Wed 05 Apr 2017 {BODY}")
    assert (article["published_date"], article["date_source"]) == (date(2017, 4, 5), "text")
    assert clean_one(BODY)["date_source"] == "none"


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("2024-13-45", "invalid_published_date"),
        ("not a date", "invalid_published_date"),
        ("2999-01-01", "published_in_future"),
        ("2026-11-23", "published_in_future"),
        ("1850-06-01", "published_before_1900"),
    ],
)
def test_a_record_claiming_an_impossible_date_is_quarantined_with_the_value(bad, reason):
    row = clean_one(BODY, published=bad)
    assert (row.stage, row.reason) == ("clean", reason)
    assert repr(bad) in row.detail and '"published": "' + bad in row.payload


@pytest.mark.parametrize("header, reason", [("2024-13-45", "invalid_published_date"), ("2031-02-03", "published_in_future")])
def test_an_impossible_seed_header_date_is_quarantined(header, reason):
    row = clean_one(f"date {header} {BODY}")
    assert row.reason == reason and "header date" in row.detail


@pytest.mark.parametrize("empty", ["", "  ", "N/A", "unknown", "null"])
def test_an_empty_date_field_is_no_date_not_a_wrong_one(empty):
    article = clean_one(BODY, published=empty)
    assert article["published_date"] is None and article["date_source"] == "none"


def test_a_date_one_day_ahead_of_utc_is_a_time_zone_not_the_future():
    assert clean_one(BODY, published="2026-11-22T08:00:00+14:00")["published_date"] == date(2026, 11, 22)


def test_parse_published_accepts_iso_datetimes_and_rss_dates():
    assert parse_published("2024-02-03T23:10:00+02:00") == date(2024, 2, 3)
    assert parse_published("Tue, 05 Apr 2017 10:00:00 GMT") == date(2017, 4, 5)


def test_normalisation_nfc_controls_and_whitespace():
    assert normalise_text("Cafe\u0301\x00 \t hit\r\n\r\n\r\n  again ") == "Café hit\n\nagain"


def test_duplicates_are_quarantined_with_a_pointer_to_the_kept_article():
    records = [RawRecord("a", BODY), RawRecord("b", "  " + BODY + "\n"), RawRecord("c", BODY + " More.")]
    first = clean_records(records[:1], RUN_DATE, {})
    second = clean_records(records[1:], RUN_DATE, first.new_ids)  # a later batch still sees the first
    assert [a["source_ref"] for a in first.articles + second.articles] == ["a", "c"]
    assert second.quarantined[0].reason == "duplicate" and "same normalised text as a" in second.quarantined[0].detail


def test_one_id_on_two_different_texts_keeps_the_first_and_quarantines_the_second():
    first = clean_records([RawRecord("x1", BODY, has_own_id=True)], RUN_DATE, {}, seen_refs={})
    second = clean_records([RawRecord("x1", BODY + " Later text.", has_own_id=True)], RUN_DATE, {}, seen_refs=first.new_refs)
    assert [a["source_ref"] for a in first.articles] == ["x1"] and second.articles == []
    assert second.quarantined[0].reason == "duplicate_id" and "'x1'" in second.quarantined[0].detail


def test_a_batch_changes_nothing_it_is_given_and_returns_what_it_saw_first():
    seen_ids, seen_refs = {"old": "earlier.txt"}, {"e1": "old"}
    result = clean_records([RawRecord("x1", BODY, has_own_id=True)], RUN_DATE, seen_ids, seen_refs=seen_refs)
    # A retried batch (or one cleaned on a worker) must find the run's state as it was.
    assert seen_ids == {"old": "earlier.txt"} and seen_refs == {"e1": "old"}
    article_id = result.articles[0]["article_id"]
    assert result.new_ids == {article_id: "x1"} and result.new_refs == {"x1": article_id}


def test_file_names_repeated_across_input_folders_are_not_id_clashes():
    result = clean_records([RawRecord("a.txt", BODY), RawRecord("a.txt", BODY + " Other.")], RUN_DATE, {}, seen_refs={})
    assert len(result.articles) == 2


@pytest.mark.parametrize(
    "text, reason",
    [
        ("   \n\t  ", "empty_text"),
        ("Explosion.", "too_short"),
        ("قتل خمسة مدنيين في غارة جوية على مدينة إدلب يوم الثلاثاء بحسب المرصد السوري", "not_english"),
        ("Cinco civiles murieron en un ataque aéreo contra la ciudad según el observatorio sirio de derechos humanos.", "not_english"),
    ],
)
def test_unusable_texts_are_quarantined(text, reason):
    row = clean_one(text)
    assert row.stage == "clean" and row.reason == reason


def test_a_sentence_without_its_full_stop_is_prose_not_a_heading():
    text = f"{BODY}\n\nAt least 12 people were killed in Aleppo on Monday\n\nRescue Efforts Continue\n\nThe government denied it."
    article = clean_one(text)
    assert "At least 12 people were killed in Aleppo on Monday" in article["text"]
    assert "Rescue Efforts Continue" not in article["text"]


def test_a_malformed_url_leaves_the_source_unknown_instead_of_failing():
    assert clean_one(BODY, url="http://[broken/x")["source_name"] is None
    assert clean_one(BODY, url="https://news.example.org/a/1")["source_name"] == "news.example.org"


def test_texts_too_long_for_one_article_are_quarantined():
    result = clean_records([RawRecord("long", BODY + " word" * 300)], RUN_DATE, {}, max_chars=1000)
    assert result.quarantined[0].reason == "too_long"


def test_by_default_a_text_that_would_take_spacy_over_a_second_is_quarantined_naming_the_setting():
    # ~30 us a character: 40,000 characters is the longest text coded in under 2 s (the fuzzing harness's bound).
    def text_of(chars: int) -> str:
        return "\n\n".join([BODY] * (chars // (len(BODY) + 2) + 1))

    result = clean_records([RawRecord("report", text_of(41_000)), RawRecord("story", text_of(39_000))], RUN_DATE, {})
    assert [a["source_ref"] for a in result.articles] == ["story"]
    [row] = result.quarantined
    assert (row.record_ref, row.reason) == ("report", "too_long") and "CONFLICT_EVENTS_MAX_TEXT_CHARS" in row.detail


def test_an_id_already_published_with_its_text_is_still_taken_in_the_next_run():
    published_text = clean_one(BODY)["article_id"]
    records = [RawRecord("x1", BODY, has_own_id=True), RawRecord("x1", BODY + " Later text.", has_own_id=True)]
    result = clean_records(records, RUN_DATE, {}, published={published_text: "x1"}, seen_refs={})
    assert result.unchanged == ["x1"] and result.articles == []
    assert result.quarantined[0].reason == "duplicate_id"
