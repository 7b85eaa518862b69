"""Rasa's REST channel, with one guarantee added: every message gets an answer.

If a turn produced no reply (the action server is down or an action failed), the patient is
told so and given the helpline, instead of silence. When the server stops, the channel closes the
kept-open connections to the action server (rasa_extensions/action_client.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from netfaq.knowledge import load_knowledge
from netfaq.replies import no_answer_text
from rasa_extensions import action_client


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

        blueprint = super().blueprint(answer_or_apologise)
        blueprint.after_server_stop(_close_action_sessions)
        return blueprint


async def _close_action_sessions(app: Any, loop: Any) -> None:
    await action_client.close_sessions()
