"""clean: text normalisation, title/source/date finding, duplicates and unusable texts."""

from __future__ import annotations

from datetime import date

import pytest

from tasks.clean import article_id_of, clean_records, find_dateline, normalise_text, parse_published
from tasks.records import RawRecord

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


@pytest.mark.parametrize("bad", ["2024-13-45", "2999-01-01", "1850-06-01", "not a date"])
def test_impossible_future_or_ancient_metadata_dates_are_not_used(bad):
    article = clean_one(BODY, published=bad)
    assert article["published_date"] is None and article["date_source"] == "none"


def test_parse_published_accepts_iso_datetimes():
    assert parse_published("2024-02-03T23:10:00+02:00") == date(2024, 2, 3)


def test_normalisation_nfc_controls_and_whitespace():
    assert normalise_text("Cafe\u0301\x00 \t hit\r\n\r\n\r\n  again ") == "Café hit\n\nagain"


def test_duplicates_are_quarantined_with_a_pointer_to_the_kept_article():
    seen = {}
    records = [RawRecord("a", BODY), RawRecord("b", "  " + BODY + "\n"), RawRecord("c", BODY + " More.")]
    first = clean_records(records[:1], RUN_DATE, seen)
    second = clean_records(records[1:], RUN_DATE, seen)  # a later batch still sees the first
    assert [a["source_ref"] for a in first.articles + second.articles] == ["a", "c"]
    assert second.quarantined[0]["reason"] == "duplicate" and "same normalised text as a" in second.quarantined[0]["detail"]


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
    assert row["stage"] == "clean" and row["reason"] == reason


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
    assert result.quarantined[0]["reason"] == "too_long"
