"""Rasa's REST channel, with three things added.

Every request is checked first (netfaq/core/patient_request.py): a 4xx saying what is expected for a
malformed one, a polite "please keep it shorter" for a message over the limit, bodies over
64 KB refused with 413, and a "/payload" that none of the assistant's buttons sends read as words.

Every message gets an answer: if a turn produced no reply (the action server is down or an action
failed, or Redis holding the locks is down), the patient is told so and given the helpline, instead of
silence, after the 999 advice if the message's own words describe an emergency. If the conversation
store was down during the turn (rasa_extensions/tracker_store.py), the turn's replies (999 advice
included) are followed by an apology saying the conversation can't be kept just now, with the
helpline.

A conversation the patient asked to erase is erased: when a reply carries the custom payload
`erase_conversation` (the domain's utter_conversation_erased, after the patient confirmed), the
channel deletes the conversation from the store once Rasa has saved the turn, so nothing of it is
kept. When the server stops, the channel closes the kept-open connections to the action server.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Awaitable, Callable

import sqlalchemy as sa
import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import SanicException
from sanic.request import Request

from netfaq.core.database import database_url
from netfaq.core.knowledge_store import current_knowledge
from netfaq.core.paths import PROJECT_ROOT
from netfaq.core.patient_request import EXPECTED, MAX_BODY_BYTES, assistant_payloads, check_request
from netfaq.core.replies import no_answer_text, store_down_text
from netfaq.core.safety import emergency_advice
from netfaq.review.retention import erase_conversation
from rasa_extensions import log_redaction
from rasa_extensions.patches import action_client
from rasa_extensions.tracker_store import STORE_TROUBLE

logger = logging.getLogger(__name__)
log_redaction.install()  # Rasa's own log lines about a message get a redacted excerpt only

ERASE_PAYLOAD = "erase_conversation"


def _no_answer() -> str:
    return no_answer_text(current_knowledge().helpline)


def _store_down() -> str:
    return store_down_text(current_knowledge().helpline)


@lru_cache(maxsize=1)
def _store() -> sa.engine.Engine:
    """The conversations' database, from the same NETFAQ_DB_* settings as the tracker store."""
    return sa.create_engine(database_url())


@lru_cache(maxsize=1)
def _payloads() -> frozenset[str]:
    return assistant_payloads(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")))


async def check_patient_request(request: Request) -> response.HTTPResponse | None:
    """Answer a malformed or over-long request here; let a good one through, its message cleaned."""
    if request.method != "POST" or not request.path.endswith("/webhook"):
        return None
    try:
        body = request.json
    except SanicException:
        return response.json({"error": EXPECTED}, status=400)
    checked = check_request(body, _payloads())
    if checked.error:
        status, explanation = checked.error
        return response.json({"error": explanation}, status=status)
    if checked.reply:
        return response.json([{"recipient_id": checked.sender, "text": checked.reply}])
    body["message"] = checked.message
    return None


def asks_to_erase(messages: list[dict[str, Any]]) -> bool:
    return any((message.get("custom") or {}).get(ERASE_PAYLOAD) for message in messages)


class AlwaysAnsweringRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answer_or_apologise(message: UserMessage) -> None:
            STORE_TROUBLE.set(None)  # a kept-alive connection's earlier turn must not count
            try:
                await on_new_message(message)
            except Exception as error:  # the patient gets the apology below; the log, the cause
                logger.error(f"Turn failed for sender {message.sender_id[:12]}: {type(error).__name__}")
            output = message.output_channel
            if not isinstance(output, CollectingOutputChannel):
                return
            trouble = STORE_TROUBLE.get()
            erasing = asks_to_erase(output.messages)
            if trouble is None and erasing:
                try:
                    erase_conversation(_store(), message.sender_id)
                except sa.exc.SQLAlchemyError as error:
                    trouble = type(error).__name__
                    logger.error(f"Could not erase the conversation of sender {message.sender_id[:12]}: {trouble}")
            if trouble is not None:
                if erasing:  # not erased: the widget must not forget it either
                    output.messages.clear()
                await output.send_text_message(message.sender_id, _store_down())
            elif not output.messages:
                # Nothing came back (the action server, Redis or the turn itself failed): emergency
                # advice first, from the message's own words, then the apology and the helpline.
                advice = emergency_advice(message.text)
                if advice:
                    await output.send_text_message(message.sender_id, advice)
                await output.send_text_message(message.sender_id, _no_answer())

        blueprint = super().blueprint(answer_or_apologise)
        blueprint.middleware("request")(check_patient_request)
        blueprint.before_server_start(_limit_body_size)
        blueprint.after_server_stop(_close_action_sessions)
        return blueprint


async def _close_action_sessions(app: Any, loop: Any) -> None:
    await action_client.close_sessions()


async def _limit_body_size(app: Any, loop: Any) -> None:
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
