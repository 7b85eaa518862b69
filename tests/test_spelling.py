"""Misspelt words put right into our own words, and only those (netfaq/core/spelling.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from netfaq.core.procedure_finder import edit_distance
from netfaq.core.spelling import Speller

OURS = Counter({"scan": 40, "take": 30, "long": 20, "lung": 2, "ultrasound": 25, "results": 10, "echo": 8})
ENGLISH = frozenset({"how", "does", "dose", "an", "the", "abut", "my", "dave", "lanreotide"})


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(OURS, ENGLISH)


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [("scna", "scan", 1), ("tkae", "take", 1), ("lng", "long", 1), ("ultrsound", "ultrasound", 1),
     ("resluts", "results", 1), ("ultrsond", "ultrasound", 2), ("scan", "scan", 0), ("echo", "scan", 3)],
)  # fmt: skip
def test_edits_count_a_swap_of_neighbours_as_one(a, b, edits):
    assert edit_distance(a, b, 5) == edits


def test_a_misspelt_question_is_read_in_our_words(speller):
    assert speller.correct("how lng dose an ultrsound scna tkae") == "how long dose an ultrasound scan take"


def test_the_most_used_of_equally_near_words_wins(speller):
    assert speller.word("lnng") == "long"  # "long" (20) before "lung" (2), both one edit away


def test_real_words_short_words_and_words_too_far_are_left_as_typed(speller):
    # "dose" for "does" is a real word: nothing says which was meant.
    assert speller.correct("Dave dose abut it") == "Dave dose abut it"
    assert speller.word("ec") == "ec"  # shorter than three letters
    assert speller.word("lanreotide") == "lanreotide"  # an ordinary word of ours, never changed
    assert speller.word("scnaxx") == "scnaxx"  # three edits from "scan": not meant as it
    assert speller.word("tkea") == "tkea"  # two edits from "take", and short words get one


def test_a_long_word_may_be_two_edits_off(speller):
    assert speller.word("ultrsond") == "ultrasound"


def test_a_misspelling_is_never_read_as_a_test_s_name_nor_an_abbreviation_changed():
    speller = Speller(Counter({"pet": 30, "net": 10, "scan": 5}), frozenset(), never_into=frozenset({"pet"}))
    assert speller.word("pnet") == "net"  # not "pet": the test finder reads misspelt names itself
    assert speller.word("pNET") == "pNET"  # capitals inside: an abbreviation


def test_english_in_common_use_is_never_changed():
    from netfaq.core.spelling import english_words

    english = english_words()
    assert {"starve", "jelly", "claustrophobic", "dose"} <= english and "abut" not in english
    speller = Speller(Counter({"started": 5, "about": 50}), english)
    assert speller.correct("do I starve myself, wat abut it") == "do I starve myself, wat about it"
