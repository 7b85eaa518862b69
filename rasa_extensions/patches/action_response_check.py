"""Check action server responses against Rasa's schema, fast, with Rasa's own error when they fail.

Rasa 3.6's RemoteAction validates every response with `jsonschema.validate`, which re-checks the
large events schema against the JSON Schema meta-schema on each call (23 ms per custom action here).
A validator built once took 0.7 ms, still 8% of the server's time under load: each event is tried
against all 23 event schemas of a `oneOf`. Each of those schemas fixes `event` to its own constant,
so an event can only match the one its `event` names; checking just that one gives the same answer.
`install()` replaces that one method; the schema and, for an invalid response, Rasa's error are unchanged.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, NamedTuple

from jsonschema import validators
from rasa.core.actions.action import RemoteAction

_rasa_validate = RemoteAction._validate_action_result


class _Validators(NamedTuple):
    whole: Any  # the full schema: the reference, and the answer for anything the others can't place
    outside_events: Any  # everything but the events' items
    by_event: dict[str, Any]  # event name → its item schema (the shared part plus its `oneOf` branch)


@lru_cache(maxsize=1)
def _validators() -> _Validators:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    items = schema["properties"]["events"]["items"]
    shared = {key: value for key, value in items.items() if key != "oneOf"}
    names = [branch.get("properties", {}).get("event", {}).get("const") for branch in items["oneOf"]]
    by_event = {
        name: cls({"allOf": [shared, branch]})
        for name, branch in zip(names, items["oneOf"], strict=True)
        if isinstance(name, str) and names.count(name) == 1
    }
    outside = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
    return _Validators(cls(schema), cls(outside), by_event)


def is_valid_response(result: Any) -> bool:
    """The same answer as validating `result` against the whole schema."""
    checks = _validators()
    if not checks.outside_events.is_valid(result):
        return False
    for event in result.get("events") or []:
        name = event.get("event") if isinstance(event, dict) else None
        check = checks.by_event.get(name) if isinstance(name, str) else None
        if check is None:
            return checks.whole.is_valid(result)
        if not check.is_valid(event):
            return False
    return True


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    if is_valid_response(result):
        return True
    return _rasa_validate(self, result)  # raises ValidationError with Rasa's own guidance


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
