"""Treatments and tests our sources don't describe, found by the names patients give them."""

from __future__ import annotations

import pytest

from netfaq.core.not_covered import NotCoveredError, default_not_covered, load_not_covered
from netfaq.core.paths import NOT_COVERED_FILE
from netfaq.core.redirects import default_redirects


def found(text: str) -> list[tuple[str, str]]:
    return [(n.thing.id, text[n.start : n.end]) for n in default_not_covered().find(text)]


@pytest.mark.parametrize(
    ("text", "thing", "words"),
    [
        ("does my monthly octreotide injection hurt?", "somatostatin_analogue_injections", "monthly octreotide"),
        ("I have my LANREOTIDE jab on friday", "somatostatin_analogue_injections", "LANREOTIDE"),
        ("side effects of lu177 please", "prrt", "lu177"),
        ("is Lu-177 the same as the scan", "prrt", "Lu-177"),
        ("when do my LFTs come back", "liver_function_tests", "LFTs"),
        ("how do i do the 24-hour urine collection", "five_hiaa", "24-hour urine"),
        ("I'm halfway through chemo", "chemotherapy", "chemo"),
    ],
)
def test_treatments_and_other_tests_are_found_by_the_names_patients_use(text, thing, words):
    assert (thing, words) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "how long does the octreotide scan take?",
        "is the octreotide injection for the scan radioactive?",  # the scan's tracer, not the treatment
        "is the injection for the bone scan painful?",
        "what is a liver scan",
    ],
)
def test_our_own_tests_are_not_taken_for_something_else(text):
    assert found(text) == []


def test_the_treatment_redirect_is_one_of_the_hospital_s_redirects():
    assert default_not_covered().treatment_redirect in default_redirects().replies


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace("kind: treatment", "kind: drug", 1), "'somatostatin_analogue_injections': kind must be"),
        (lambda t: t.replace("name: chemotherapy", "name: ''", 1), "'chemotherapy': the name must be non-empty"),
        (lambda t: t.replace("treatment_redirect: medicines", "treatment_redirect: ''"), "treatment_redirect"),
        (lambda t: t + "\n  broken: [", "not valid YAML"),
    ],
)
def test_a_broken_file_names_the_file_the_entry_and_the_problem(tmp_path, change, problem):
    path = tmp_path / "not_covered.yml"
    path.write_text(change(NOT_COVERED_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(NotCoveredError) as raised:
        load_not_covered(path)
    assert str(path) in str(raised.value) and problem in str(raised.value)
