"""The emergency guard on parsed messages, as the Rasa pipeline hands them over (no tracker needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import yaml
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from netfaq.core.safety import CRISIS, EMERGENCY, URGENT, default_rules
from rasa_extensions.emergency_guard import EmergencyGuard


def parsed(text: str, *ranking: tuple[str, float]) -> Message:
    message = Message(data={TEXT: text})
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    if ranked:
        message.set(INTENT, ranked[0])
        message.set(INTENT_RANKING_KEY, ranked)
    return message


@pytest.fixture
def guarded(emergency_guard: EmergencyGuard) -> Callable[[Message], Message]:
    """The trained guard on one parsed message."""
    return lambda message: emergency_guard.process([message])[0]


def entity(message: Message, name: str) -> str | None:
    return next((e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == name), None)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("my dad's face is drooping on one side and his speech is slurred", "stroke"),
        ("she is having a fit and it won't stop", "seizure"),
        ("my husband is unconscious and I can't wake him", "collapse"),
        ("I think I'm having a severe allergic reaction, my lips are swelling", "allergic_reaction"),
        ("I have chest pain right now", "chest_pain"),
    ],
)
def test_red_flags_force_the_emergency_intent_and_carry_the_advice(text, category, guarded):
    message = guarded(parsed(text, ("ask_preparation", 0.8), ("emergency", 0.1)))
    assert message.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[1]["name"] == "ask_preparation"
    advice = default_rules().advice(category)
    assert entity(message, "emergency_advice") == advice and "999" in advice
    again = entity(message, "emergency_advice_again")
    assert again.startswith(default_rules().deferral_reply) and again.endswith(advice)
    assert message.get("safety_override") == {
        "category": category,
        "also": [],
        "classifier_intent": "ask_preparation",
        "classifier_confidence": 0.8,
        "peaks": message.get("safety_override")["peaks"],
    }


def test_self_harm_beside_another_red_flag_gets_both_pieces_of_advice_from_the_rasa_server(guarded):
    text = "I've been self harming since my diagnosis and I've cut deep this time, there's a lot of blood"
    message = guarded(parsed(text, ("ask_coping", 0.7), ("emergency", 0.2)))
    advice = entity(message, "emergency_advice")
    assert advice == default_rules().advice("bleeding", ("self_harm",))
    assert advice.startswith("Heavy bleeding needs urgent help. Please call 999 now.")
    assert "Samaritans" in advice and "116 123" in advice
    assert message.get("safety_override")["also"] == ["self_harm"]


def test_the_classifier_alone_gets_the_general_advice(guarded):
    message = guarded(parsed("help me please something is very wrong", ("emergency", 0.9), ("ask_nurse", 0.05)))
    assert message.get(INTENT)["name"] == "emergency"
    assert entity(message, "emergency_advice") == default_rules().advice(None)


@pytest.mark.parametrize(
    "text",
    [
        "can the tracer cause an allergic reaction?",
        "I had chest pain last year, is that why I need an echo?",
        "what if I have a fit during the MRI?",
        "felt faint yesterday but I'm fine now",
        "what are blood and urine markers",
    ],
)
def test_lookalikes_the_classifier_calls_emergencies_take_its_next_guess(text, guarded):
    message = guarded(parsed(text, ("emergency", 0.7), ("ask_risks", 0.2)))
    assert message.get(INTENT) == {"name": "ask_risks", "confidence": 0.2}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["ask_risks"]
    assert entity(message, "emergency_advice") is None


@pytest.mark.parametrize(
    "text",
    [
        "I'd rather not make a fuss",
        "I'll see how I feel tomorrow",
        "she just wants to sleep it off, can we wait till her scan in the morning?",
    ],
)
def test_putting_off_help_is_defer_help_with_the_classifier_guess_kept_next(text, guarded):
    message = guarded(parsed(text, ("ask_preparation", 0.5), ("out_of_scope", 0.3)))
    assert message.get(INTENT) == {"name": "defer_help", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["defer_help", "ask_preparation", "out_of_scope"]
    assert entity(message, "emergency_advice") is None


def test_urgent_problems_get_the_111_advice_from_the_rasa_server_too(guarded):
    message = guarded(parsed("the injection site is red, hot and sore today", ("ask_afterwards", 0.7)))
    assert message.get(INTENT)["name"] == "emergency"
    advice = entity(message, "emergency_advice")
    assert advice == default_rules().advice("injection_site") and "111" in advice


@pytest.mark.parametrize(
    "text",
    [
        "I'm breastfeeding at the moment, can I still have the liver scan?",
        "should I carry on with my thyroid tablets the day of the MRI?",
        "my wife is so nervous she has barely slept before her scan, how long will it take?",
        "and in the blood?",  # after a question about the urine test: the blood sample, not bleeding
    ],
)
def test_a_question_the_classifier_alone_calls_an_emergency_takes_its_next_guess_when_the_model_is_sure(text, guarded):
    """Ordinary questions with some context; the model finds nothing of any level in them."""
    message = guarded(parsed(text, ("emergency", 0.6), ("ask_preparation", 0.3)))
    assert message.get(INTENT)["name"] == "ask_preparation" and entity(message, "emergency_advice") is None


def test_an_emergency_the_classifier_was_torn_about_and_the_model_finds_nothing_in_takes_the_next_guess(guarded):
    """Classed emergency at a quarter, beside a request and a condition told, with no sign of any
    level in the message: the next guess. Sure, the classifier alone still decides ("help me please
    something is very wrong")."""
    torn = guarded(parsed("please can I move it, I'm on holiday that week", ("emergency", 0.27), ("redirect", 0.25)))
    assert torn.get(INTENT)["name"] == "redirect" and entity(torn, "emergency_advice") is None
    sure = guarded(parsed("please can I move it, I'm on holiday that week", ("emergency", 0.9), ("redirect", 0.05)))
    assert sure.get(INTENT)["name"] == "emergency"


@pytest.mark.parametrize("text", ["what are my chances?", "so is it cancer?", "how long have I got left"])
def test_prognosis_and_diagnosis_requests_are_forced_to_request_diagnosis(text, guarded):
    message = guarded(parsed(text, ("ask_about_nets", 0.6), ("request_diagnosis", 0.3)))
    assert message.get(INTENT) == {"name": "request_diagnosis", "confidence": 1.0}


def advice_level(message: Message) -> str | None:
    """The level of the advice the guard put in the message (None: no advice)."""
    override = message.get("safety_override")
    if not override:
        return None
    return default_rules().level(override["category"])


MESSAGES = yaml.safe_load((Path(__file__).parent / "safety" / "messages.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("kind", "text"), [(kind, text) for kind, texts in MESSAGES["emergency"].items() for text in texts]
)
def test_the_trained_guard_keeps_every_known_red_flag(kind, text, guarded):
    # The wording patterns are a floor, and the model may overrule them only when it is calm: no
    # red flag we know of may be lost to that.
    message = guarded(parsed(text, ("ask_preparation", 0.8)))
    assert advice_level(message) in ((EMERGENCY, CRISIS) if kind == "self_harm" else (EMERGENCY,)), text


@pytest.mark.parametrize("text", MESSAGES["urgent"])
def test_the_trained_guard_sends_urgent_problems_to_111_not_999(text, guarded):
    message = guarded(parsed(text, ("ask_afterwards", 0.8)))
    assert advice_level(message) == URGENT, text
    assert "999" not in entity(message, "emergency_advice")


@pytest.mark.parametrize("text", MESSAGES["not_emergency"])
def test_the_trained_guard_gives_no_999_to_look_alikes(text, guarded):
    message = guarded(parsed(text, ("ask_risks", 0.8)))
    assert advice_level(message) not in (EMERGENCY, CRISIS), text


@pytest.mark.parametrize(
    "text",
    [
        "how soon are ultrasound results back? my wife hasn't been sleeping",
        "does the probe press hard for the liver scan? my stomach's been a bit tender lately",
        "will I need to undress for the bone scan? I'm quite self-conscious",
        "can I bring my husband to the MRI, he's not been sleeping well either",
    ],
)
def test_a_short_aside_beside_a_question_is_not_an_emergency_on_its_own(text, guarded):
    """Cut into sentences, "my wife hasn't been sleeping" stands alone: it is taught as calm."""
    message = guarded(parsed(text, ("ask_results", 0.8)))
    assert advice_level(message) is None, text  # not even NHS 111


@pytest.mark.parametrize(
    "text",
    [
        # Issue 21's own examples of messages the wording alone missed.
        "I've written my goodbye letters",
        "what's the point in any of this, I'd rather just not be here",
        "can you cancel my scan, I won't be around by then, I've made my decision",
        "my sister has told me she has a plan to end her life",
        # Thoughts of suicide in the past tense, or "sometimes", are not over.
        "I've had suicidal thoughts for months",
        "sometimes I feel like I want to die",
        "I used to self harm and the urge is back",
        "I've had thoughts of suicide before but never this bad",
        "I keep thinking about ending my life",
    ],
)
def test_thoughts_of_suicide_in_any_words_or_tense_get_samaritans(text, guarded):
    message = guarded(parsed(text, ("goodbye", 0.6), ("ask_preparation", 0.2)))
    assert advice_level(message) in (EMERGENCY, CRISIS), text
    advice = entity(message, "emergency_advice")
    assert "Samaritans" in advice and "116 123" in advice and "999" in advice


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("there's dark blood in my sick", "gi_bleed"),
        ("the pain in my belly came on out of nowhere and it's unbearable, I can't move", "abdominal_pain"),
        ("a really bad pain in my stomach came on suddenly", "abdominal_pain"),
        ("there was blood when I was sick", "gi_bleed"),
        ("his skin has gone blotchy and blue and he hasn't had a wee all day", "sepsis"),
    ],
)
def test_red_flags_in_other_words_get_999(text, category, guarded):
    message = guarded(parsed(text, ("out_of_scope", 0.7)))
    assert message.get("safety_override")["category"] == category, text
    assert "999" in entity(message, "emergency_advice")


@pytest.mark.parametrize(
    "text",
    [
        "I rang the nurse line but it's not answering",
        "my GP isn't responding to my emails",
        "the hospital website is not responding",
    ],
)
def test_a_phone_line_or_surgery_not_responding_is_not_a_collapse(text, guarded):
    message = guarded(parsed(text, ("ask_nurse", 0.7)))
    assert advice_level(message) not in (EMERGENCY, CRISIS), text


def test_a_temperature_sends_someone_on_cancer_treatment_to_their_treatment_line(guarded):
    message = guarded(parsed("I've got a temperature and the shivers since the scan", ("ask_afterwards", 0.7)))
    advice = entity(message, "emergency_advice")
    assert advice_level(message) == URGENT
    assert "chemotherapy" in advice and "24-hour" in advice and "111" in advice
    assert "does not sound like an emergency" not in advice


def test_advice_text_never_comes_from_the_message(guarded):
    forged = {"entity": "emergency_advice", "value": "You are fine, stay home.", "start": 0, "end": 3}
    message = parsed("/emergency", ("emergency", 1.0))
    message.set(ENTITIES, [forged])
    message = guarded(message)
    values = [e["value"] for e in message.get(ENTITIES) if e["entity"] == "emergency_advice"]
    assert values == [default_rules().advice(None)]
