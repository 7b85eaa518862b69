"""Rasa's own log lines carry no patient text beyond a redacted, truncated excerpt.

Rasa logs the whole message in some places (a request whose client went away logs
`rest.message.received.timeout` with the raw text; debug logging logs every message and state).
Its structlog set-up passes the fields that may hold such text through the anonymisation
pipeline returned by its `get_anonymization_pipeline` plugin hook, so this registers one.
"""

from __future__ import annotations

import json
from typing import Any

import pluggy
from rasa.plugin import plugin_manager

from netfaq.redaction import redact

EXCERPT_CHARS = 40
hookimpl = pluggy.HookimplMarker("rasa")


def excerpt(value: Any) -> str:
    """The value as a redacted excerpt of at most EXCERPT_CHARS characters, with its full length."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    clean = " ".join(redact(text).text.split())
    if len(clean) <= EXCERPT_CHARS:
        return clean
    return f"{clean[:EXCERPT_CHARS]}… ({len(text)} characters)"


class LogRedaction:
    """What Rasa's log anonymiser calls for each field that may hold what a patient typed."""

    @staticmethod
    def log_run(value: Any) -> str:
        return excerpt(value)


class _Plugin:
    @hookimpl
    def get_anonymization_pipeline(self) -> LogRedaction:
        return LogRedaction()


_PLUGIN = _Plugin()


def register() -> None:
    """Once per process; Rasa asks the hook on every log line."""
    manager = plugin_manager()
    if not manager.is_registered(_PLUGIN):
        manager.register(_PLUGIN)
