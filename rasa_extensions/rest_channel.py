"""Rasa's REST channel, with one guarantee added: every message gets an answer.

If a turn produced no reply (the action server is down or an action failed), the patient is
told so and given the helpline, instead of silence.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from netfaq.knowledge import load_knowledge
from netfaq.replies import no_answer_text


@lru_cache(maxsize=1)
def _no_answer() -> str:
    return no_answer_text(load_knowledge().helpline)


class AlwaysAnsweringRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answer_or_apologise(message: UserMessage) -> None:
            await on_new_message(message)
            output = message.output_channel
            if isinstance(output, CollectingOutputChannel) and not output.messages:
                await output.send_text_message(message.sender_id, _no_answer())

        return super().blueprint(answer_or_apologise)
