"""Rasa's own log lines carry no patient text beyond a redacted, truncated excerpt.

Rasa logs the whole message in some places (a request whose client went away logs
`rest.message.received.timeout` with the raw text; debug logging logs every message and state).
Those lines go through structlog, so `install()` puts one processor in its chain, before anything
renders a line, that cuts the fields which may hold what a patient typed down to an excerpt.
(Rasa's anonymisation plugin hook would do it too, but registering it makes Rasa read every
tracker twice per message.)
"""

from __future__ import annotations

import json
from typing import Any

import structlog

from netfaq.core.redaction import redact

EXCERPT_CHARS = 40
# The structlog fields in which Rasa 3.6 logs user text, messages, slots or events (the keys its own
# anonymiser, rasa.utils.log_utils._anonymizer, treats as personal).
PERSONAL_FIELDS = frozenset(
    {
        "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
        "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
        "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
        "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
        "json_message",
    }
)  # fmt: skip


def excerpt(value: Any) -> str:
    """The value as a redacted excerpt of at most EXCERPT_CHARS characters, with its full length."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    clean = " ".join(redact(text).text.split())
    if len(clean) <= EXCERPT_CHARS:
        return clean
    return f"{clean[:EXCERPT_CHARS]}… ({len(text)} characters)"


def redact_personal_fields(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in PERSONAL_FIELDS.intersection(event_dict):
        event_dict[key] = excerpt(event_dict[key])
    return event_dict


def install() -> None:
    """Once, in structlog's chain right after the level filter (so the many debug lines Rasa drops
    cost nothing), else first; Rasa has configured structlog by the time our channel loads."""
    processors = list(structlog.get_config()["processors"])
    if redact_personal_fields in processors:
        return
    after = next((i + 1 for i, p in enumerate(processors) if p is structlog.stdlib.filter_by_level), 0)
    structlog.configure(processors=[*processors[:after], redact_personal_fields, *processors[after:]])
