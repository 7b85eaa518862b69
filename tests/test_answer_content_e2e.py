"""Issue 21's content items through the real Rasa server and action server (tests/test_answer_content.py
checks the same without them): what the patient is sent."""

from __future__ import annotations

import uuid

import pytest
import requests

pytestmark = [pytest.mark.model, pytest.mark.servers]


def say(url: str, text: str, sender: str | None = None) -> str:
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender or uuid.uuid4().hex, "message": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    return "\n".join(message.get("text", "") for message in response.json())


def test_spread_at_diagnosis_only_when_asked_and_with_the_care_team(assistant_url):
    for question in ("what are neuroendocrine tumours?", "how are NETs diagnosed?"):
        assert "already spread" not in say(assistant_url, question), question
    reply = say(assistant_url, "are NETs usually found early?")
    assert "already spread" in reply and "Your care team can tell you what your own tests show." in reply


def test_the_welcome_says_what_we_can_answer_for_which_test(assistant_url):
    reply = say(assistant_url, "/greet")
    assert "For an ultrasound scan and a liver ultrasound: also how to prepare" in reply
    assert "For the other 10 tests: only some of that, and not how to prepare" in reply


def test_labels_on_borrowed_facts_and_sources(assistant_url):
    nurse = say(assistant_url, "can I speak to a nurse?")
    assert "0808 800 4040" in nurse and "breast" not in nurse
    assert nurse.rstrip().endswith("Helpline details from Cancer Research UK.")
    gallium = say(assistant_url, "what happens during a gallium-68 dotatate PET scan?")
    assert "(Our source says this of PET scans in general.)" in gallium
    octreotide = say(assistant_url, "how long does an octreotide scan take?")
    assert "Ipsen Ltd (a drug company)" in octreotide
    assert "page dated September 2018; no review date given, so it may be out of date" in octreotide


def test_facts_the_sources_give(assistant_url):
    radioactive = say(assistant_url, "is the bone scan radioactive? is it safe?")
    assert "very small amount of a radioactive substance" in radioactive
    assert "Our sources don't describe any risks or side effects" in radioactive
    on_the_day = say(assistant_url, "will I get my ultrasound results on the day?")
    assert "won't get any results at the scan itself" in on_the_day
    assert "(Our source says this of a liver ultrasound.)" in on_the_day


def test_plain_words_and_brief_citations(assistant_url):
    sources = say(assistant_url, "Where does your information come from?")
    assert "More about the sources:" in sources and "doi:10.1007/s11154-021-09631-7" in sources
    mri = say(assistant_url, "what is an MRI scan?")
    assert "Pirasteh and others (a research review for doctors)" in mri and "doi" not in mri
    gap = say(assistant_url, "when will I get my MIBG scan results?")
    assert "0808 800 4040" in gap and gap.count("Helpline details from") == 1
    assert "Helpline details from:" not in gap
