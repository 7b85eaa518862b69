"""FAQs that belong to no single test: added in one file, checked first, answered without retraining."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netfaq.core.answering import ANSWERED, Answerer
from netfaq.core.conversation import Turn
from netfaq.core.embedding import default_encoder
from netfaq.core.knowledge import EditRefused, load_knowledge
from netfaq.core.paths import KNOWLEDGE_DIR
from netfaq.core.patient_words import default_patient_words
from netfaq.tools.faqs import add_faq

ANSWER = "You can bring one adult with you into the waiting area; children cannot come into the scanning room."
PHRASINGS = ["can i bring someone with me", "can my husband come with me to the scan", "is it ok to bring a friend"]


@pytest.fixture
def knowledge(tmp_path) -> Path:
    copy = tmp_path / "data" / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("drafts"))
    block = "\n  - id: visiting\n    publisher: Example Hospital\n    title: Visitors\n    document: visitors.html\n"
    block += "    date_label: last reviewed\n    date: '2026-01-01'\n    next_review: '2027-01-01'\n"
    (copy / "sources.yml").write_text((copy / "sources.yml").read_text(encoding="utf-8") + block, encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def encoder():
    return default_encoder()


def test_a_faq_is_written_in_one_file_and_answered_without_retraining(knowledge, encoder):
    written = add_faq("bring_someone", "Can I bring someone with me?", [ANSWER], "visiting", PHRASINGS, knowledge)
    assert written == knowledge / "faqs" / "bring_someone.yml"
    answerer = Answerer.build(load_knowledge(knowledge), encoder, default_patient_words())
    for text, intent in [
        ("Can I bring my daughter along with me?", "nlu_fallback"),
        ("can my wife come in with me for my MRI scan", "ask_arrival"),  # names a test: still the FAQ
    ]:
        answer = answerer.answer(Turn(text, intent, 0.5))
        assert answer.kind == ANSWERED
        assert [u.fact.text for s in answer.sections for u in s.units] == [ANSWER], text
    unrelated = answerer.answer(Turn("how long does an MRI scan take?", "ask_duration", 0.95))
    assert all(u.topic != "bring_someone" for s in unrelated.sections for u in s.units)


def test_a_faq_s_plain_versions_are_written_and_must_keep_its_numbers(knowledge):
    answer = "You can bring 1 adult with you into the waiting area."
    with pytest.raises(EditRefused) as caught:
        add_faq("bring_two", "Can I bring someone?", [answer], "visiting", PHRASINGS, knowledge, plain=["Bring 2."])
    assert "plain version has other figures or numbers than the text: 1, 2" in str(caught.value)
    with pytest.raises(EditRefused) as caught:
        add_faq("bring_two", "Can I bring someone?", [answer], "visiting", PHRASINGS, knowledge, plain=["a", "b"])
    assert "2 plain versions for 1 answers" in str(caught.value)
    plain = "1 adult can come in with you."
    add_faq("bring_one", "Can I bring someone?", [answer], "visiting", PHRASINGS, knowledge, plain=[plain])
    assert load_knowledge(knowledge).general["bring_one"].facts[0].plain == plain


@pytest.mark.parametrize(
    ("faq_id", "source", "problem"),
    [
        ("bring_someone", "nowhere", "unknown source id 'nowhere'"),
        ("Bring Someone", "visiting", "must be lower case letters, digits and _"),
        ("coping", "visiting", "id already used by a general topic or another FAQ"),
        ("bring_someone", "visiting", "placeholder"),
    ],
)
def test_a_bad_faq_is_refused_naming_the_file_and_writes_nothing(knowledge, faq_id, source, problem):
    answer = "..." if problem == "placeholder" else ANSWER
    before = sorted((knowledge / "faqs").glob("*"))  # the FAQs the knowledge base already has
    with pytest.raises(EditRefused) as caught:
        add_faq(faq_id, "Can I bring someone with me?", [answer], source, PHRASINGS, knowledge)
    problem = "is not a sentence a patient can use: '...'" if problem == "placeholder" else problem
    assert problem in str(caught.value) and f"{faq_id}.yml" in str(caught.value)
    assert sorted((knowledge / "faqs").glob("*")) == before
