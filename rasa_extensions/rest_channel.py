"""Rasa's REST channel, with two things added.

Every message gets an answer: if a turn produced no reply (the action server is down or an action
failed), the patient is told so and given the helpline, instead of silence.

A conversation the patient asked to erase is erased: when a reply carries the custom payload
`erase_conversation` (the domain's utter_conversation_erased, after the patient confirmed), the
channel deletes the conversation from the store once Rasa has saved the turn, so nothing of it is
kept. When the server stops, the channel closes the kept-open connections to the action server.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Awaitable, Callable

import sqlalchemy as sa
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from netfaq.conversations import database_url, erase_conversation
from netfaq.knowledge import load_knowledge
from netfaq.replies import no_answer_text
from rasa_extensions import action_client

ERASE_PAYLOAD = "erase_conversation"


@lru_cache(maxsize=1)
def _no_answer() -> str:
    return no_answer_text(load_knowledge().helpline)


@lru_cache(maxsize=1)
def _store() -> sa.engine.Engine:
    """The conversations' database, from the same NETFAQ_DB_* settings as the tracker store."""
    return sa.create_engine(database_url())


def asks_to_erase(messages: list[dict[str, Any]]) -> bool:
    return any((message.get("custom") or {}).get(ERASE_PAYLOAD) for message in messages)


class AlwaysAnsweringRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answer_or_apologise(message: UserMessage) -> None:
            await on_new_message(message)
            output = message.output_channel
            if not isinstance(output, CollectingOutputChannel):
                return
            if not output.messages:
                await output.send_text_message(message.sender_id, _no_answer())
            elif asks_to_erase(output.messages):
                erase_conversation(_store(), message.sender_id)

        blueprint = super().blueprint(answer_or_apologise)
        blueprint.after_server_stop(_close_action_sessions)
        return blueprint


async def _close_action_sessions(app: Any, loop: Any) -> None:
    await action_client.close_sessions()
