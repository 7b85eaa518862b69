"""The prebuilt validator accepts and rejects exactly what Rasa's own check does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import rasa_extensions  # noqa: F401 (installs the check)
from rasa_extensions.patches.action_response_check import _rasa_validate, validate_action_result

VALID = {
    "events": [{"event": "slot", "name": "topic", "value": "preparation", "timestamp": None}],
    "responses": [{"text": "Ultrasound scan: preparing", "buttons": []}],
}
INVALID = {"events": [{"event": "slot", "name": 3}], "responses": []}


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_answer_question", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_installed_on_rasa_remote_actions():
    assert RemoteAction._validate_action_result is validate_action_result


def test_valid_response_passes_as_with_rasa(action):
    assert validate_action_result(action, VALID) is True
    assert _rasa_validate(action, VALID) is True


def test_invalid_response_raises_rasa_error_with_its_guidance(action):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        validate_action_result(action, INVALID)
    with pytest.raises(ValidationError):
        _rasa_validate(action, INVALID)


def every_kind_of_event() -> list[dict]:
    """One real event of each of the 23 kinds the schema knows, as Rasa serialises it."""
    from datetime import datetime

    from rasa.shared.core import events as e

    made = [
        e.UserUttered("a ct scan", {"name": "ask_what_is", "confidence": 0.9}, [{"entity": "procedure", "value": "c"}]),
        e.ActionExecuted("action_answer_question", policy="RulePolicy", confidence=1.0),
        e.SlotSet("procedure", "ct_scan"),
        e.EntitiesAdded([{"entity": "procedure", "value": "ct_scan"}]),
        e.DefinePrevUserUtteredFeaturization(False),
        e.ReminderCancelled(name="r"),
        e.ReminderScheduled("greet", datetime(2026, 11, 23, 9, 0), name="r"),
        e.ActionExecutionRejected("action_x"),
        e.LegacyFormValidation(True),
        e.LoopInterrupted(True),
        e.LegacyForm("form"),
        e.ActiveLoop("form"),
        e.AllSlotsReset(),
        e.ConversationResumed(),
        e.ConversationPaused(),
        e.FollowupAction("action_listen"),
        e.StoryExported(),
        e.Restarted(),
        e.UserUtteranceReverted(),
        e.ActionReverted(),
        e.BotUttered("Ultrasound scan: preparing", {"buttons": [{"title": "Yes", "payload": "/affirm"}]}),
        e.SessionStarted(),
        e.AgentUttered("hello"),
    ]
    return [event.as_dict() for event in made]


def responses_to_check() -> list[object]:
    """Valid responses, and each one broken field by field, plus shapes no action server should send."""
    cases: list[object] = [{}, {"events": None}, {"events": "x"}, {"events": [1]}, {"events": [{}]}, [], "x", None]
    cases += [{"events": [{"event": 3}]}, {"events": [{"event": "nope"}]}, {"events": [{"event": ["user"]}]}]
    cases += [{"responses": "x"}, {"responses": [{"text": 3}]}, {"events": [], "responses": [{"text": "ok"}]}]
    events = every_kind_of_event()
    cases.append({"events": events, "responses": []})
    for event in events:
        cases.append({"events": [event]})
        for key in event:
            for wrong in (3, 1.5, "x", None, [], {}, True):
                cases.append({"events": [{**event, key: wrong}]})
        cases.append({"events": [{k: v for k, v in event.items() if k != "name"}]})
    return cases


def test_same_verdict_as_the_whole_schema_for_every_kind_of_event_and_broken_field():
    from rasa_extensions.patches.action_response_check import _validators, is_valid_response

    whole = _validators().whole
    verdicts = [(case, is_valid_response(case), whole.is_valid(case)) for case in responses_to_check()]
    disagreements = [(case, ours, theirs) for case, ours, theirs in verdicts if ours != theirs]
    assert disagreements == []
    assert len(_validators().by_event) == 23  # every kind takes the short path
    valid = sum(theirs for _, _, theirs in verdicts)
    assert 100 < valid < len(verdicts) - 100  # plenty of both answers
