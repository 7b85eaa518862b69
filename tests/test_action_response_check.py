"""The prebuilt validator accepts and rejects exactly what Rasa's own check does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import rasa_extensions  # noqa: F401 (installs the check)
from rasa_extensions.action_response_check import _rasa_validate, validate_action_result

VALID = {
    "events": [{"event": "slot", "name": "topic", "value": "preparation", "timestamp": None}],
    "responses": [{"text": "Ultrasound scan: preparing", "buttons": []}],
}
INVALID = {"events": [{"event": "slot", "name": 3}], "responses": []}


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_answer_procedure_question", EndpointConfig("http://127.0.0.1:1/webhook"))


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
