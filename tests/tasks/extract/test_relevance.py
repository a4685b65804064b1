"""The coder's sentence model: the gate turns general news away before the parse, the model codes what no
trigger phrase names, and the model file is part of extractor_version."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date

from conftest import REFERENCE, code_text
from tasks.extract.coder import extractor_version
from tasks.extract.relevance import MODEL_FILE, SentenceModel, gate_units, split_sentences

SPORT = ("Arsenal crushed Tottenham 4-0 on Sunday, with Saka firing two shots past the keeper in a first half in which "
         "the visitors were bombarded from every side. The north London derby win keeps Arsenal top of the table.")
BASE = ("Insurgents have established a base in the Catupa forest in Macomia district, Mozambique, from where they launch "
        "raids on nearby villages, local sources told reporters on Monday.")


def test_the_shipped_model_loads_with_thresholds_chosen_by_training():
    model = SentenceModel.load(REFERENCE)
    assert model is not None and len(model.pipeline.classes_) == 26
    assert 0 < model.thresholds.adopt < model.thresholds.override < 1 and 0 < model.thresholds.confirm < model.thresholds.gate


def test_the_gate_turns_general_news_away_and_lets_conflict_news_through():
    model = SentenceModel.load(REFERENCE)
    assert not model.relevant(SPORT)
    assert model.relevant("Gunmen killed five villagers in an attack on Konduga in Borno State on Sunday, residents said.")


def test_sport_in_military_words_gets_no_event(resources):
    assert code_text(resources, SPORT, date(2026, 3, 2)) == []


def test_a_development_no_trigger_phrase_names_is_coded_by_the_model(resources):
    (event,) = code_text(resources, BASE, date(2026, 3, 3))
    assert event["sub_event_type"] == "Headquarters or base established" and event["event_type"] == "Strategic developments"


def test_sentences_are_split_without_the_parse():
    assert split_sentences("Shells hit Homs on Monday. Then 3 more hit Hama. Ok.") == ["Shells hit Homs on Monday.", "Then 3 more hit Hama."]


def test_a_retrained_model_codes_everything_again(tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE, copy)
    before = extractor_version(copy, "m")
    (copy / MODEL_FILE).write_bytes((copy / MODEL_FILE).read_bytes() + b"\0")
    assert extractor_version(copy, "m") != before


def test_the_gate_judges_many_articles_as_it_judges_each():
    model = SentenceModel.load(REFERENCE)
    texts = [SPORT, BASE, "Floods swept away 40 homes in Sylhet on Monday.\n\nThe river burst its banks overnight."]
    assert model.relevant_many(texts) == [model.relevant(t) for t in texts] == [False, True, model.relevant(texts[2])]
    assert gate_units("One sentence here. Two sentences here. Three sentences here.\nA new paragraph here.") == [
        "One sentence here. Two sentences here.", "Three sentences here.", "A new paragraph here.",
    ]


def test_a_plain_report_of_violence_passes_the_gate_whatever_the_model_says(resources):
    # A model that finds nothing relevant: the rules' own evidence (a strong trigger and a toll in one
    # sentence) still sends the article to the parse; general news stays out.
    strict = dataclasses.replace(resources, model=dataclasses.replace(
        resources.model, thresholds=dataclasses.replace(resources.model.thresholds, gate=0.0)
    ))
    (event,) = code_text(strict, "A Russian airstrike on the Syrian city of Aleppo killed eight civilians on Saturday, a civil defence source said.", date(2016, 6, 4))
    assert (event["sub_event_type"], event["admin1"], event["fatalities"]) == ("Air/drone strike", "Aleppo", 8)
    assert code_text(strict, SPORT, date(2026, 3, 2)) == []
