"""Near-duplicate texts: wire copies are recognised, two outlets' own stories about one event are not."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from conflict_events.incidents.near_duplicates import (
    NUM_PERM,
    NearDuplicateIndex,
    Signature,
    find_originals,
    signature,
    similarity,
)

LEAD = (
    "A suicide bomber blew himself up at the entrance of a crowded restaurant on Lido beach in Somalia's capital "
    "Mogadishu on Friday evening, killing at least six people, police said."
)
QUOTE = (
    '"The attacker tried to enter the restaurant and detonated his explosive vest when the guards stopped him," '
    "police spokesman Abdifatah Aden said. Gunfire was heard for several minutes after the blast, and ambulances "
    "took the wounded to Medina and Erdogan hospitals."
)
CLAIM = (
    "The al Qaeda-linked al Shabaab group claimed responsibility in a statement on its Andalus radio station. Lido "
    "beach is popular with families and young people on Friday evenings, the start of the Somali weekend."
)
BACKGROUND = (
    "Al Shabaab has fought Somalia's federal government for more than 15 years. Government forces, backed by "
    "African Union troops and clan militias, have pushed the group out of several towns in central Somalia since "
    "2022, but it still carries out bombings in the capital, often against hotels and restaurants frequented by "
    "officials and members of the security forces."
)
ORIGINAL = "\n\n".join([LEAD, QUOTE, CLAIM, BACKGROUND]) + "\n\n(Reporting by GWS; editing by the Africa desk)"

COPIES = {
    "new headline": "Al Shabaab suicide attack on Lido beach\n\n" + ORIGINAL,
    "dateline added": "MOGADISHU, March 7 (GWS) - " + ORIGINAL,
    "sign-off changed": ORIGINAL.replace("(Reporting by GWS; editing by the Africa desk)", "Horn Observer will update this story."),
    "paragraph cut": "\n\n".join([LEAD, QUOTE, CLAIM]) + "\n\n(Reporting by GWS; editing by the Africa desk)",
    "cut, local paragraph added": "\n\n".join([LEAD, QUOTE, CLAIM]) + "\n\nThe Horn Observer spoke to two families in "
    "Hodan district who said relatives had gone to the beach that evening to celebrate a wedding and had not returned.",
    "all of them": "Six dead in Mogadishu beach blast\n\nMOGADISHU (GWS) - " + "\n\n".join([LEAD, QUOTE, BACKGROUND]) + "\n\nCopyright GWS.",
}

# Another outlet's own story of the same bombing: same facts, its own words.
OTHER_OUTLET = (
    "The number of people killed in Friday night's suicide attack at Lido beach has risen to eleven, the Aamin "
    "ambulance service told Radio Banadir Voice on Saturday morning. More than 30 people were wounded. Among the "
    "dead are two sisters who were celebrating a birthday and a waiter who had worked at the restaurant for five "
    "years. Relatives waited outside Medina and Erdogan hospitals through the night for news. Security forces have "
    "closed the beach road, and the mayor of Mogadishu visited the wounded and called for calm. Al Shabaab said it "
    "carried out the attack."
)

T0 = datetime(2025, 3, 7, 18, tzinfo=timezone.utc)


@pytest.mark.parametrize("edit", sorted(COPIES))
def test_a_wire_copy_is_linked_to_its_original(edit):
    index = NearDuplicateIndex([("original", signature(ORIGINAL), T0)])
    assert index.original_of("copy", signature(COPIES[edit])) == "original"


def test_another_outlets_story_of_the_same_event_is_not_a_copy():
    index = NearDuplicateIndex([("original", signature(ORIGINAL), T0)])
    assert index.original_of("other", signature(OTHER_OUTLET)) is None
    jaccard, containment = similarity(Signature(signature(ORIGINAL)), Signature(signature(OTHER_OUTLET)))
    assert jaccard < 0.2 and containment < 0.3


def test_a_story_that_quotes_one_paragraph_is_not_a_copy():
    quoting = OTHER_OUTLET + "\n\nIn its first report the agency wrote: " + LEAD
    index = NearDuplicateIndex([("original", signature(ORIGINAL), T0)])
    assert index.original_of("quoting", signature(quoting)) is None


def test_signature_is_deterministic_bytes_that_round_trip():
    first, second = signature(ORIGINAL), signature(ORIGINAL)
    assert isinstance(first, bytes) and first == second
    assert len(first) < 600  # small enough for a Parquet binary column
    parsed = Signature(first)
    assert len(parsed.minhash) == NUM_PERM and parsed.size > 50
    # Case, punctuation and spacing are normalised away.
    assert signature(ORIGINAL.upper().replace(",", " ,  ")) == first


def test_invalid_signatures_are_refused():
    with pytest.raises(ValueError):
        Signature(b"not a signature at all, just some bytes")
    with pytest.raises(ValueError):
        NearDuplicateIndex([("a", b"short", T0)])


def test_empty_text_is_nobodys_copy():
    index = NearDuplicateIndex([("empty", signature(""), T0), ("original", signature(ORIGINAL), T0)])
    assert index.original_of("other-empty", signature("")) is None
    assert index.original_of("x", signature("   ...  ")) is None


def test_the_earliest_copy_is_the_original_and_later_copies_point_at_it():
    index = NearDuplicateIndex()
    assert index.add("late", signature(COPIES["dateline added"]), datetime(2025, 3, 8, tzinfo=timezone.utc))
    assert index.add("early", signature(ORIGINAL), T0)
    assert not index.add("early", signature(OTHER_OUTLET), T0)  # an id is indexed once
    assert len(index) == 2 and "early" in index
    assert index.original_of("new", signature(COPIES["sign-off changed"])) == "early"
    # An indexed article is its own original when it came first; later ones point at it.
    assert index.original_of("early", signature(ORIGINAL)) is None
    assert index.original_of("late", signature(COPIES["dateline added"])) == "early"
    assert index.copies_of("new", signature(ORIGINAL)) == ["early", "late"]


def test_dates_and_naive_timestamps_compare_as_utc():
    index = NearDuplicateIndex([("a", signature(ORIGINAL), date(2025, 3, 7)), ("b", signature(ORIGINAL), datetime(2025, 3, 6, 23))])
    assert index.original_of("a", signature(ORIGINAL)) == "b"


def test_find_originals_maps_each_copy_to_the_first_story():
    items = [
        ("copy-2", COPIES["paragraph cut"], datetime(2025, 3, 9, tzinfo=timezone.utc)),
        ("original", ORIGINAL, T0),
        ("copy-1", COPIES["new headline"], datetime(2025, 3, 8, tzinfo=timezone.utc)),
        ("other", OTHER_OUTLET, datetime(2025, 3, 8, tzinfo=timezone.utc)),
    ]
    index = NearDuplicateIndex()
    assert find_originals(items, index) == {"copy-1": "original", "copy-2": "original"}
    assert len(index) == 4  # a run goes on with the index


def test_an_index_rebuilt_from_stored_signatures_answers_the_same():
    stored = [(f"a{i}", signature(f"{ORIGINAL} story number {i} " * (i % 3 + 1)), T0) for i in range(20)]
    first = NearDuplicateIndex(stored)
    again = NearDuplicateIndex(list(stored))
    probe = signature(COPIES["all of them"])
    assert first.copies_of("probe", probe) == again.copies_of("probe", probe)
