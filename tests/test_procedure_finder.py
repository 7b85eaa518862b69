"""Finding the tests a message is about: named, misspelt, described or hinted at."""

import pytest

from netfaq.core.embedding import default_encoder
from netfaq.core.procedure_finder import ProcedureFinder, edit_distance, tokens


@pytest.fixture(scope="module")
def finder(kb):
    return ProcedureFinder(kb, default_encoder().words())


def found(finder, text):
    return [(m.procedure, m.how) for m in finder.find(text)]


@pytest.mark.parametrize(
    ("text", "procedure"),
    [
        ("how do I prepare for an ultrasound?", "abdominal_ultrasound"),
        ("what is an EUS", "endoscopic_ultrasound"),
        ("two PET-CT scans", "pet_ct"),
        ("m.r.i. results", "mri_scan"),
        ("m.i.b.g. scan - what does it find", "mibg_scan"),
        ("an ultra sound next week", "abdominal_ultrasound"),
        ("is the ga-68 scan radioactive", "ga68_dotatate_pet"),
    ],
)
def test_names(finder, text, procedure):
    assert finder.procedures(text) == [procedure]


@pytest.mark.parametrize(
    ("text", "procedure"),
    [
        ("whats an octreotid scan", "octreotide_scan"),
        ("whats a echocardiagram", "echocardiogram"),
        ("liver ultrsound tomorrow", "liver_ultrasound"),
        ("bone scintigrafy", "bone_scan"),
    ],
)
def test_misspellings(finder, text, procedure):
    assert finder.procedures(text) == [procedure]


@pytest.mark.parametrize("text", ["can i have blood tests", "positive result", "my tumours", "the scanner"])
def test_ordinary_words_are_never_read_as_misspelt_names(finder, text):
    assert all(how != "spelling" for _, how in found(finder, text))


def test_described_tests(finder):
    assert found(finder, "the scan with the tube down the throat") == [("endoscopic_ultrasound", "description")]
    assert found(finder, "the heart one") == [("echocardiogram", "description")]
    # A description makes a name more precise: this ultrasound is the liver ultrasound.
    assert finder.procedures("an ultrasound to check my liver") == ["liver_ultrasound"]
    # ... but does not add a second test to one already named.
    assert finder.procedures("will the CT scan show my heart") == ["ct_scan"]
    # A name that is part of the described test's name, described beside it, is that test.
    assert finder.procedures("can the camera-down-the-tube ultrasound check lymph glands") == ["endoscopic_ultrasound"]
    assert finder.procedures("the ultrasound with the camera on a tube") == ["endoscopic_ultrasound"]
    assert finder.procedures("the one with the camera and the ultrasound bit") == ["endoscopic_ultrasound"]
    # Not across "or" or "then": two tests, the one named kept.
    assert finder.procedures("an ultrasound or the camera on a tube") == ["abdominal_ultrasound"]
    assert finder.procedures("I have an ultrasound, then the one with the camera on a tube") == ["abdominal_ultrasound"]


def test_hints_only_when_nothing_is_named(finder):
    assert found(finder, "is the jelly stuff cold?") == [("abdominal_ultrasound", "hint")]
    assert found(finder, "is the gel cold for an echo?") == [("echocardiogram", "name")]


def test_the_message_with_names_written_out_and_taken_out(finder):
    text = "how long do an EUS and an echo take"
    mentions = finder.find(text)
    assert finder.corrected(text, mentions) == "how long do an endoscopic ultrasound and an echocardiogram (echo) take"
    assert (
        finder.corrected(text, mentions, only="echocardiogram") == "how long do an  and an echocardiogram (echo) take"
    )
    assert finder.without_mentions(text, mentions) == "how long do an and an take"
    assert finder.corrected("the camera down the throat one").endswith("(endoscopic ultrasound)")


def test_edit_distance_counts_a_swap_once():
    assert edit_distance("ultrasound", "ultrsaound", 2) == 1
    assert edit_distance("octreotid", "octreotide", 2) == 1
    assert edit_distance("scan", "echocardiogram", 2) == 3  # stops counting past the limit


def test_tokens_keep_offsets(finder):
    assert [(t.text, t.start, t.end) for t in tokens("An EUS, then c.t.")] == [
        ("an", 0, 2),
        ("eus", 3, 6),
        ("then", 8, 12),
        ("ct", 13, 17),
    ]
