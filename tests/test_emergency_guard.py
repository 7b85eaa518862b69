"""The emergency guard on parsed messages, as the Rasa pipeline hands them over (no tracker needed)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from netfaq.core.safety import default_rules
from rasa_extensions.emergency_guard import EmergencyGuard


def parsed(text: str, *ranking: tuple[str, float]) -> Message:
    message = Message(data={TEXT: text})
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    if ranked:
        message.set(INTENT, ranked[0])
        message.set(INTENT_RANKING_KEY, ranked)
    return message


def guarded(message: Message) -> Message:
    return EmergencyGuard().process([message])[0]


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
def test_red_flags_force_the_emergency_intent_and_carry_the_advice(text, category):
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
    }


def test_self_harm_beside_another_red_flag_gets_both_pieces_of_advice_from_the_rasa_server():
    text = "I've been self harming since my diagnosis and I've cut deep this time, there's a lot of blood"
    message = guarded(parsed(text, ("ask_coping", 0.7), ("emergency", 0.2)))
    advice = entity(message, "emergency_advice")
    assert advice == default_rules().advice("bleeding", ("self_harm",))
    assert advice.startswith("Heavy bleeding needs urgent help. Please call 999 now.")
    assert "Samaritans" in advice and "116 123" in advice
    assert message.get("safety_override")["also"] == ["self_harm"]


def test_the_classifier_alone_gets_the_general_advice():
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
def test_lookalikes_the_classifier_calls_emergencies_take_its_next_guess(text):
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
def test_putting_off_help_is_defer_help_with_the_classifier_guess_kept_next(text):
    message = guarded(parsed(text, ("ask_preparation", 0.5), ("out_of_scope", 0.3)))
    assert message.get(INTENT) == {"name": "defer_help", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["defer_help", "ask_preparation", "out_of_scope"]
    assert entity(message, "emergency_advice") is None


def test_urgent_problems_get_the_111_advice_from_the_rasa_server_too():
    message = guarded(parsed("the injection site is red, hot and sore today", ("ask_afterwards", 0.7)))
    assert message.get(INTENT)["name"] == "emergency"
    advice = entity(message, "emergency_advice")
    assert advice == default_rules().advice("injection_site") and "111" in advice


@pytest.mark.parametrize("text", ["what are my chances?", "so is it cancer?", "how long have I got left"])
def test_prognosis_and_diagnosis_requests_are_forced_to_request_diagnosis(text):
    message = guarded(parsed(text, ("ask_about_nets", 0.6), ("request_diagnosis", 0.3)))
    assert message.get(INTENT) == {"name": "request_diagnosis", "confidence": 1.0}
