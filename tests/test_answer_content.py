"""What answers say, beyond choosing the facts (issue 21): a prognosis given only when asked, a
welcome that promises no more than the knowledge base holds, honest labels on borrowed facts and
sources, the facts the sources give, and plain words. The same, through the real servers, is in
tests/test_answer_content_e2e.py."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from actions.welcome import ActionWelcome
from netfaq.core.answering import Answerer, Section
from netfaq.core.conversation import Turn
from netfaq.core.embedding import default_encoder
from netfaq.core.freshness import freshness_report, probably_stale
from netfaq.core.hours import helpline_status
from netfaq.core.knowledge import load_knowledge
from netfaq.core.paths import PRIVACY_FILE
from netfaq.core.patient_words import default_patient_words
from netfaq.core.reading_ease import possible_answers
from netfaq.core.replies import (
    coverage_lines,
    describe_source,
    helpline_answer,
    privacy_notice,
    section_text,
    welcome_text,
)
from netfaq.core.retrieval import fact_units
from netfaq.core.safety import default_rules
from tests.conftest import make_tracker

TODAY = date(2026, 12, 7)
SERVICES = default_rules().services
SPREAD = "general/spread_and_staging/1"


@pytest.fixture(scope="module")
def answerer(kb) -> Answerer:
    return Answerer.build(kb, default_encoder(), default_patient_words())


@pytest.fixture(scope="module")
def answers(kb) -> dict[str, str]:
    return dict(possible_answers(kb, TODAY, SERVICES, privacy_notice(PRIVACY_FILE, 90)))


def given(answer) -> list[str]:
    return [unit.key for section in answer.sections for unit in section.units]


def units(kb, *keys):
    by_key = {unit.key: unit for unit in fact_units(kb)}
    return tuple(by_key[key] for key in keys)


# Item 7: "they have often already spread by the time they are diagnosed" reads as a prognosis.


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what are NETs?", "ask_about_nets"),
        ("what is a neuroendocrine tumour?", None),
        ("how are NETs diagnosed?", "ask_diagnosis_process"),
        ("why do I need so many tests?", "ask_diagnosis_process"),
        ("how are NETs treated?", "ask_treatment"),
        ("why would I need an MRI for my NET?", "ask_why"),
        ("what causes NETs?", "ask_risk_factors"),
    ],
)
def test_the_spread_at_diagnosis_fact_is_not_given_unasked(answerer, text, intent):
    assert SPREAD not in given(answerer.answer(Turn(text, intent, 0.95 if intent else 0.4)))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("do NETs spread?", "ask_about_nets"),
        ("are NETs usually found early?", "ask_about_nets"),
        ("have NETs usually spread by the time they are found?", None),
    ],
)
def test_the_spread_at_diagnosis_fact_answers_questions_about_spread(answerer, text, intent):
    assert SPREAD in given(answerer.answer(Turn(text, intent, 0.95 if intent else 0.4)))


def test_the_spread_at_diagnosis_fact_has_the_care_team_beside_it(kb):
    (unit,) = units(kb, SPREAD)
    assert "already spread" in unit.text and "not about you" in unit.text and "care team" in unit.text
    assert kb.general["spread_and_staging"].asked_with  # only for messages about spread or staging
    assert not any("already spread" in f.text for f in kb.general["about_nets"].facts)


# Item 8: the welcome says what we can answer for which test, worked out from the knowledge base.


def test_the_welcome_says_what_we_can_answer_for_which_test(kb):
    text = welcome_text(kb, SERVICES, "What is kept.")
    assert "\u2022 For all 12 tests: what the test is and why it is done." in text
    assert (
        "\u2022 For an ultrasound scan and a liver ultrasound: also how to prepare, what happens, how long it "
        "takes, whether it hurts, the risks and when results come." in text
    )
    assert (
        "\u2022 For the other 10 tests: only some of that, and not how to prepare, what happens when you "
        "arrive or when results come." in text
    )
    assert "how long they take, whether they hurt" not in text  # the old promise, for every test
    assert "I can't give a diagnosis" in text and "Where does your information come from?" in text


def test_the_welcome_follows_the_knowledge_base(kb_copy):
    mri = kb_copy / "procedures" / "mri_scan.yml"
    data = yaml.safe_load(mri.read_text(encoding="utf-8"))
    fact = [{"text": "A made-up fact for this test only.", "source": "pubmed_imaging_review"}]
    data["procedure"]["topics"]["preparation"] = fact
    mri.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    lines = coverage_lines(load_knowledge(kb_copy))
    assert lines[-1] == (
        "\u2022 For the other 10 tests: only some of that, and not what happens when you arrive or when results come."
    )
    data["procedure"]["topics"] = {topic: fact for topic in data["procedure"]["topics"]}
    mri.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    lines = coverage_lines(load_knowledge(kb_copy))
    assert lines[1].startswith("\u2022 For an ultrasound scan, a liver ultrasound and an MRI scan: also how to prepare")
    assert lines[2].startswith("\u2022 For the other 9 tests: only some of that")


async def test_the_welcome_action_says_it():
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    await ActionWelcome().run(dispatcher, make_tracker("greet"), {"responses": {}})
    assert "For an ultrasound scan and a liver ultrasound: also how to prepare" in dispatcher.messages[0]["text"]


# Item 10: labels.


def test_general_pet_facts_given_for_the_gallium_pet_say_so(kb):
    borrowed = [
        fact
        for facts in kb.procedures["ga68_dotatate_pet"].topics.values()
        for fact in facts or ()
        if "ipsen_nuclear_medicine" in fact.sources
    ]
    assert borrowed and all(fact.said_of == "PET scans in general" for fact in borrowed)
    text = section_text(kb, Section("ga68_dotatate_pet", units(kb, "ga68_dotatate_pet/during/1")), TODAY)
    assert "(Our source says this of PET scans in general.)" in text


def test_coping_facts_from_the_net_leaflet_cite_it(kb):
    coping = [f for t in ("coping", "results_late") for f in kb.general[t].facts if re.search(r"cope|worr", f.text)]
    assert coping and all(f.sources == ("cruk_ultrasound_nets",) for f in coping)
    text = section_text(kb, Section(None, units(kb, "general/coping/1", "general/results_late/3")), TODAY)
    assert "breast" not in text


def test_facts_from_the_liver_leaflet_filed_under_other_tests_say_what_they_were_said_of(kb):
    for procedure in kb.procedures.values():
        if procedure.id == "liver_ultrasound":
            continue
        for facts in procedure.topics.values():
            for fact in facts or ():
                if "cruk_liver_ultrasound" in fact.sources:
                    assert fact.said_of, (procedure.id, fact.text)


def test_the_nurse_line_answer_cites_its_source_briefly_without_the_breast_cancer_note(kb):
    moment = datetime(2026, 12, 7, 10, tzinfo=ZoneInfo("Europe/London"))
    text = helpline_answer(kb, helpline_status(kb.helpline, moment), TODAY, SERVICES)
    assert "breast" not in text
    assert text.endswith("\nHelpline details from Cancer Research UK.")


def test_the_drug_company_page_says_who_published_it(kb):
    assert kb.sources["ipsen_nuclear_medicine"].publisher_is == "a drug company"
    assert describe_source(kb.sources["ipsen_nuclear_medicine"], TODAY).startswith("Ipsen Ltd (a drug company), ")
    octreotide = section_text(kb, Section("octreotide_scan", units(kb, "octreotide_scan/duration/1")), TODAY)
    assert "Source: Ipsen Ltd (a drug company)" in octreotide
    assert "Ipsen Ltd (a drug company)" in freshness_report(kb, TODAY)


def test_pages_with_no_review_date_are_flagged_as_probably_stale(kb):
    flag = "no review date given, so it may be out of date"
    sources = kb.sources
    assert f"page dated September 2018; {flag}" in describe_source(sources["ipsen_nuclear_medicine"], TODAY)
    assert f"last reviewed 15 January 2019; {flag}" in describe_source(sources["cruk_ultrasound_nets"], TODAY)
    assert flag not in describe_source(sources["cruk_ultrasound_nets"], date(2021, 6, 1))  # under 3 years old
    assert not probably_stale(sources["pubmed_imaging_review"], TODAY)  # a published article is not reviewed
    assert not probably_stale(sources["cruk_liver_ultrasound"], TODAY)  # has a review date (and is overdue)
    assert not probably_stale(sources["ontario_nets_overview"], TODAY)  # no date at all: said so already
    report = freshness_report(kb, TODAY)
    assert "Probably out of date (no next-review date given" in report
    assert "- cruk_ultrasound_nets (Cancer Research UK" in report and "- ipsen_nuclear_medicine (Ipsen Ltd" in report


# Item 11: facts the sources give.


@pytest.mark.parametrize("procedure", ["octreotide_scan", "bone_scan", "mibg_scan", "pet_ct"])
def test_radioactive_tests_answer_risks_with_what_the_sources_say_and_what_they_dont(kb, procedure):
    (fact,) = kb.procedures[procedure].topics["risks"]
    assert fact.sources == ("ipsen_nuclear_medicine",)
    assert "Our sources don't describe any risks or side effects of this scan" in fact.text
    assert "care team" in fact.text
    if procedure != "mibg_scan":  # the source gives no amount for the MIBG scan's isotope
        assert re.search(r"very small (amount|dose) of a radioactive", fact.text)


def test_is_it_radioactive_is_answered_as_a_risks_question(answerer):
    answer = answerer.answer(Turn("is the octreotide scan radioactive?", "ask_risks", 0.95))
    assert answer.sections[0].gap is None and given(answer)[0] == "octreotide_scan/risks/1"
    # The Gallium-68 PET's risks are filed as not in the sources: the answer says so, with the PET facts.
    gallium = answerer.answer(Turn("is the gallium scan radioactive?", "ask_risks", 0.95))
    assert gallium.sections[0].gap == "risks" and "ga68_dotatate_pet/during/1" in given(gallium)


def test_the_general_ultrasound_gets_the_liver_leaflets_facts_labelled(kb):
    topics = kb.procedures["abdominal_ultrasound"].topics
    liver = ("cruk_liver_ultrasound",)
    borrowed = {topic: [f.text for f in facts or () if f.sources == liver] for topic, facts in topics.items()}
    assert any("if you have any problems after the scan" in t for t in borrowed["risks"])
    assert any(
        "specialist doctor" in t and "won't get any results at the scan itself" in t for t in borrowed["results"]
    )
    assert any("abnormal growths" in t for t in borrowed["why"])


def test_why_a_pet_scan_as_well_as_a_ct(answerer):
    answer = answerer.answer(Turn("why do I need a PET scan as well as a CT?", "ask_why", 0.95))
    pet = next(s for s in answer.sections if s.procedure == "pet_ct")
    assert pet.units[0].key == "pet_ct/why/1"
    assert "working" in pet.units[0].text and "CT scan" in pet.units[0].text


# Item 12: plain words.

# Words patients don't know, and what must be said beside them in the same fact; words to avoid.
JARGON = {
    "biopsy": r"sample of tissue",
    "isotope": r"substance",
    "gamma camera": r"special camera",
    "pheochromocytoma": r"adrenal gland",
    "molecular imaging": r"cells are working",
    "receptor": r"docking points|medical name",
    "scintigraphy": r"\bscan\b|medical name",
}
AVOIDED = ("status of", "cornerstone", "anatomic", "morphologic", "modalit")


def test_jargon_is_explained_where_it_is_used(kb):
    for unit in fact_units(kb):
        lowered = unit.text.lower()
        for word, explanation in JARGON.items():
            if word in lowered:
                assert re.search(explanation, unit.text), (unit.key, word)
        assert not [word for word in AVOIDED if word in lowered], unit.key


def test_the_review_is_cited_in_full_only_where_patients_ask_about_the_sources(answers):
    doi = "doi:10.1007/s11154-021-09631-7"
    full = [name for name, text in answers.items() if doi in text]
    assert full == ["general/our_sources"]
    line = next(li for li in answers["general/our_sources"].splitlines() if doi in li)
    assert line.startswith("More about the sources: ") and "Pirasteh A. et al." in line
    assert "Source: Pirasteh and others (a research review for doctors)" in answers["mri_scan/what_is"]
    assert "Rev Endocr" not in answers["mri_scan/what_is"]


def test_the_helpline_is_cited_briefly(answers):
    for name, text in answers.items():
        assert "Helpline details from:" not in text, name
        assert text.count("Helpline details from") <= 1, name
    gap = answers["mibg_scan/results"]
    assert gap.endswith("\nHelpline details from Cancer Research UK.")
    assert "Ultrasound scan for neuroendocrine tumours" not in gap  # no sources of its own
