"""Whole conversations through the real Rasa server and action server: what a message does to the
conversation (another test, a correction, a request about the last answer, a request we can't
handle, a plea for support, putting off help, a diagnosis request along the way)."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

pytestmark = [pytest.mark.model, pytest.mark.servers]

HELPLINE = "0808 800 4040"


class Conversation:
    def __init__(self, url: str):
        self.url, self.sender = url, uuid.uuid4().hex

    def say(self, text: str) -> str:
        """The assistant's replies to one message, joined, buttons' titles included."""
        body = {"sender": self.sender, "message": text}
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)
        assert response.status_code == 200, response.text
        parts = [m.get("text") or "" for m in response.json()]
        parts += [b["title"] for m in response.json() for b in m.get("buttons") or []]
        return "\n".join(parts)


@pytest.fixture
def talk(assistant_url):
    return Conversation(assistant_url)


def test_the_same_question_about_another_test(talk):
    assert "how long an MRI scan takes" in talk.say("how long does the MRI take?")
    pet = talk.say("what about for the PET?")
    assert "how long a PET-CT scan takes" in pet and "MRI" not in pet


def test_a_correction_asks_the_last_question_again_for_the_right_test(talk):
    talk.say("how long does a PET scan take?")
    bone = talk.say("oops, I meant the bone scan, not the PET")
    assert "how long a bone scan takes" in bone and "PET" not in bone


def test_which_is_quicker_compares_the_two_tests_just_talked_about(talk):
    talk.say("how long does an echo take")
    talk.say("and the ultrasound?")
    quicker = talk.say("which one is quicker")
    assert "half an hour" in quicker and "45 minutes" in quicker
    assert "costs" not in quicker


def test_of_two_tests_told_the_one_asked_about_is_answered_and_the_other_one_next(talk):
    bone = talk.say("I've got a bone scan and an echo coming up. What's the bone scan for?")
    assert "spread to the bones" in bone and "heart" not in bone
    assert "heart" in talk.say("and the other one?")


def test_a_test_described_after_a_question_asks_it_again_for_that_test(talk):
    talk.say("how long does an ultrasound take?")
    assert "half an hour" in talk.say("and the heart one with the sound waves?")


def test_a_question_told_beside_a_request_is_answered(talk):
    # The parking is why it matters; what is asked is how long.
    assert "half an hour" in talk.say("how long does the heart scan take? I need to sort out parking")


def test_simpler_after_our_sources_don_t_say_says_that_again_not_the_answer_before(talk):
    talk.say("what happens during an octreotide scan?")
    not_said = talk.say("and when are the results back?")
    assert "our sources don't say when the results" in not_said
    assert talk.say("can you say that in plain english") == not_said


def test_no_fact_is_given_twice_in_one_answer(talk):
    duration = talk.say("how long will the octreotide scan take?")
    assert len(re.findall(r"24 to 48 hours", duration)) == 1


def test_requests_about_the_last_answer(talk):
    first = talk.say("how long will the octreotide scan take?")
    assert "2 days" in first and "injection" in first
    injection = talk.say("what did you say about the injection?")
    assert "injection" in injection and "2 days" not in injection
    again = talk.say("say that again")
    assert "injection" in again
    plainer = talk.say("in plain English please?")
    assert "injection" in plainer and "somatostatin" not in plainer  # the last answer, not what the scan is


def test_requests_we_cannot_handle_are_sent_where_they_can_be(talk):
    parking = talk.say("where do I park?")
    assert "parking" in parking and "Which test" not in parking
    appointment = talk.say("can I change my appointment?")
    assert "appointment letter" in appointment and "Which test" not in appointment


def test_someone_struggling_gets_kindness_and_the_helpline_not_which_test(talk):
    reply = talk.say("this is all too much")
    assert HELPLINE in reply and "cope" in reply
    assert "Which test" not in reply and "didn't quite understand" not in reply


def test_putting_off_help_after_999_advice_gets_the_advice_again(talk):
    assert "999" in talk.say("I have crushing chest pain")
    again = talk.say("can it wait until my appointment on Monday?")
    assert "999" in again and "appointment letter" not in again


def test_someone_else_s_thoughts_of_suicide_get_samaritans(talk):
    reply = talk.say("my friend keeps saying she'd be better off dead")
    assert "116 123" in reply and "999" in reply


def test_a_diagnosis_asked_along_a_test_s_conversation_is_declined(talk):
    talk.say("what happens during a bone scan?")
    reply = talk.say("so is it cancer then?")
    assert "can't give a diagnosis" in reply and "The whole body is usually scanned" not in reply


def test_a_condition_told_after_an_answer_gets_what_the_sources_say_for_that_test(talk):
    talk.say("how do I get ready for the liver scan?")
    insulin = talk.say("I take insulin though")
    assert "don't say whether a liver ultrasound is suitable" in insulin
    assert "diabetes, tell the scan team" in insulin and HELPLINE in insulin


def test_two_questions_in_one_message_get_both_answers(talk):
    reply = talk.say("my mum has an ultrasound scan on thursday does she need to stop eating and how long will it take")
    assert "6 hours" in reply and "45 minutes" in reply
    park = talk.say("do I need to fast for the liver ultrasound and where do I park?")
    assert "6 hours" in park and "parking" in park and "Which test" not in park


def test_someone_struggling_along_a_test_s_conversation_is_met_kindly(talk):
    talk.say("will the ultrasound hurt?")
    reply = talk.say("this is all too much honestly")
    assert HELPLINE in reply and "cope" in reply and "sonographer" not in reply


def test_a_long_worried_message_about_a_test_is_answered_not_sent_to_999(talk):
    reply = talk.say(
        "Sorry, this is long. My hands have been trembling all morning, it's just nerves, and I've hardly slept "
        "since the letter came because I keep imagining the worst. My wife drives me as I can't since my "
        "operation, and we live an hour and a half away so she has to take the day off work. Will the "
        "ultrasound hurt?"
    )
    assert "999" not in reply and "116 123" not in reply and "not painful" in reply


def test_a_misspelt_question_is_answered(talk):
    assert "45 minutes" in talk.say("how lng dose an ultrsound scna tkae")


def test_what_was_said_about_an_earlier_test_is_said_again(talk):
    talk.say("how long does a PET scan take?")
    assert "half an hour" in talk.say("and the echo?")
    pet = talk.say("what did you say about the PET?")
    assert "how long a PET-CT scan takes" in pet and "half an hour" not in pet


def test_each_of_the_two_tests_talked_about_is_answered(talk):
    talk.say("is an echo like a normal ultrasound?")
    talk.say("and what is the normal ultrasound?")
    each = talk.say("how long is each one")
    assert "half an hour" in each and "45 minutes" in each


def test_a_message_that_tells_then_asks_is_answered_for_what_it_asks(talk):
    reply = talk.say("Hello. I have an ultrasound on Thursday as part of my NET tests. How do I get ready for it?")
    assert "6 hours" in reply and "bladder" in reply


def test_a_follow_up_about_the_blood_sample_is_not_an_emergency(talk):
    talk.say("what do they look for in the urine test for NETs?")
    reply = talk.say("and in the blood?")
    assert "999" not in reply and "116 123" not in reply
