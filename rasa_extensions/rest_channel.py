"""Rasa's REST channel, with three things added.

Every request is checked first (netfaq/core/patient_request.py): a 4xx saying what is expected for a
malformed one, a polite "please keep it shorter" for a message over the limit, bodies over
64 KB refused with 413, and a "/payload" that none of the assistant's buttons sends read as words.

Every message gets an answer: if a turn produced no reply (the action server is down or an action
failed, or Redis holding the locks is down), the patient is told so and given the helpline, instead of
silence, after the 999 advice if the message's own words describe an emergency. A turn not done in
half a second (its conversation's lock is held, the action server hangs) is checked for an
emergency at once, without the lock, and an emergency is answered then; an ordinary message gets
the apology and the helpline after a few seconds (custom actions get 5 s, not Rasa's 300). If the conversation
store was down during the turn (rasa_extensions/tracker_store.py), the turn's replies (999 advice
included) are followed by an apology saying the conversation can't be kept just now, with the
helpline.

A conversation the patient asked to erase is erased: when a reply carries the custom payload
`erase_conversation` (the domain's utter_conversation_erased, after the patient confirmed), the
channel deletes the conversation from the store once Rasa has saved the turn, so nothing of it is
kept; but only when the message carries the conversation's erase key (`metadata.erase_key`, made by
the chat page; its SHA-256 registered by the conversation's first message that carried one), so
knowing a sender id is not enough to erase someone's conversation. When the server stops, the
channel closes the kept-open connections to the action server.
"""

from __future__ import annotations

import asyncio
import logging
import os
from functools import lru_cache
from typing import Any, Awaitable, Callable

import rasa.core.actions.action as rasa_action
import sqlalchemy as sa
import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import SanicException
from sanic.request import Request

from netfaq.core.database import database_url
from netfaq.core.embedding import default_encoder
from netfaq.core.knowledge_store import current_knowledge
from netfaq.core.paths import PROJECT_ROOT
from netfaq.core.patient_request import (
    ADDRESS_SENDER_REQUIRED,
    EXPECTED,
    MAX_BODY_BYTES,
    assistant_payloads,
    check_envelope,
    check_request,
)
from netfaq.core.plain_text import plain
from netfaq.core.replies import erase_refused_text, no_answer_text, store_down_text
from netfaq.core.safety import emergency_advice
from netfaq.review.retention import erase_conversation, erase_key_digest, may_erase, register_erase_key
from rasa_extensions import log_redaction
from rasa_extensions.emergency_guard import ADVICE_ENTITY
from rasa_extensions.patches import action_client
from rasa_extensions.tracker_store import STORE_TROUBLE

logger = logging.getLogger(__name__)
log_redaction.install()  # Rasa's own log lines about a message get a redacted excerpt only

ERASE_PAYLOAD = "erase_conversation"
EMERGENCY_WITHIN_S = 0.5  # a turn not done by then is checked for an emergency, answered at once
ACTION_TIMEOUT_S = 5.0  # a custom action not answered by then fails (Rasa's default: 300 s)
ANSWER_WITHIN_S = ACTION_TIMEOUT_S + 1.5  # then the patient gets the apology and the helpline


def _no_answer() -> str:
    return no_answer_text(current_knowledge().helpline)


def _store_down() -> str:
    return store_down_text(current_knowledge().helpline)


@lru_cache(maxsize=1)
def _store() -> sa.engine.Engine:
    """The conversations' database, from the same NETFAQ_DB_* settings as the tracker store."""
    return sa.create_engine(database_url())


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    """Ordinary English words, for pulling glued words apart ("chestpain") before the check."""
    return default_encoder().words()


@lru_cache(maxsize=1)
def _payloads() -> frozenset[str]:
    return assistant_payloads(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")))


async def check_patient_request(request: Request) -> response.HTTPResponse | None:
    """Answer a malformed or over-long request here; let a good one through, its message cleaned.

    Every POST that reaches this channel is checked, whatever the spelling of its path (a trailing
    or doubled slash, capitals, an escaped letter, a query string): the channel's only POST route
    is the webhook, so no spelling of it can skip the check.
    """
    if request.method != "POST":
        return None
    query = {key: request.args.getlist(key) for key in request.args}  # Sanic's .get gives the first only
    problem = check_envelope(request.headers.get("content-type"), query)
    if problem:
        status, explanation = problem
        return response.json({"error": explanation}, status=status)
    try:
        body = request.json
    except SanicException:
        return response.json({"error": EXPECTED}, status=400)
    addressed = query.get("sender", [])
    address_sender = addressed[0] if len(addressed) == 1 else ("" if addressed else None)
    checked = check_request(body, _payloads(), address_sender, os.environ.get(ADDRESS_SENDER_REQUIRED) == "1")
    if checked.error:
        status, explanation = checked.error
        return response.json({"error": explanation}, status=status)
    if checked.reply:
        # Not processed (too long), but an emergency in it still gets its advice first.
        advice = emergency_advice(plain(body["message"], _words()))
        texts = [advice, checked.reply] if advice else [checked.reply]
        return response.json([{"recipient_id": checked.sender, "text": text} for text in texts])
    body["message"] = checked.message
    return None


def asks_to_erase(messages: list[dict[str, Any]]) -> bool:
    return any((message.get("custom") or {}).get(ERASE_PAYLOAD) for message in messages)


ERASE_KEY_DIGEST = "erase_key_sha256"  # in the message's metadata: the key itself never enters Rasa
TEST_CLOCK_SETTING = "NETFAQ_TEST_CLOCK"  # "1": a message's metadata.now sets the clock (tests only)
TEST_CLOCK_METADATA = "now"  # read by actions/answer.py


class AlwaysAnsweringRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """Only the erase key's digest is passed on (and so stored with the message), never the key;
        and, on a server started for tests with NETFAQ_TEST_CLOCK=1, the clock the message sets."""
        metadata = (request.json or {}).get("metadata") if isinstance(request.json, dict) else None
        passed: dict[str, Any] = {}
        digest = erase_key_digest((metadata or {}).get("erase_key"))
        if digest:
            passed[ERASE_KEY_DIGEST] = digest
        clock = (metadata or {}).get(TEST_CLOCK_METADATA)
        if os.environ.get(TEST_CLOCK_SETTING) == "1" and isinstance(clock, str) and len(clock) <= 32:
            passed[TEST_CLOCK_METADATA] = clock
        return passed or None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        app_holder: dict[str, Any] = {}
        latest_turn: dict[str, asyncio.Future] = {}  # sender -> its turn received last, while unfinished

        async def complete_turn(message: UserMessage) -> None:
            """The turn, then what the patient must be told about the store or a missing answer.
            Runs as a task of its own, so its store trouble stays with it."""
            STORE_TROUBLE.set(None)
            try:
                await on_new_message(message)
            except Exception as error:  # the patient gets the apology below; the log, the cause
                logger.error(f"Turn failed for sender {message.sender_id[:12]}: {type(error).__name__}")
            await _after_turn(message, app_holder.get("app"))

        async def answer_or_apologise(message: UserMessage) -> None:
            # The turn waits for its conversation's lock and for the action server; an emergency
            # can't wait for either. The turn carries on after an early answer: what it says then
            # is not sent.
            sender = message.sender_id
            earlier = latest_turn.get(sender)
            turn = latest_turn[sender] = asyncio.ensure_future(complete_turn(message))
            turn.add_done_callback(lambda done: latest_turn.pop(sender) if latest_turn.get(sender) is done else None)
            if await _finished(turn, EMERGENCY_WITHIN_S):
                return
            advice = await _emergency_advice_now(app_holder.get("app"), message.text or "")
            if advice:
                _say_first(message, advice)
                logger.warning(f"Answered sender {message.sender_id[:12]}'s emergency before the turn finished")
                return
            if earlier is not None:
                # Messages of one conversation are answered in turn: the time allowed for this one
                # starts when the one before it is done (itself limited), not while it waits for it.
                await _finished(earlier, ANSWER_WITHIN_S)
            if not await _finished(turn, ANSWER_WITHIN_S - EMERGENCY_WITHIN_S):
                logger.error(f"No answer for sender {message.sender_id[:12]} in {ANSWER_WITHIN_S} s: apologised")
                _say_first(message, _no_answer())

        async def remember_app(app: Any, loop: Any) -> None:
            app_holder["app"] = app

        blueprint = super().blueprint(answer_or_apologise)
        blueprint.middleware("request")(check_patient_request)
        blueprint.before_server_start(_limit_body_size)
        blueprint.before_server_start(remember_app)
        blueprint.before_server_start(_short_action_timeout)
        blueprint.after_server_stop(_close_action_sessions)
        return blueprint


async def _after_turn(message: UserMessage, app: Any) -> None:
    output = message.output_channel
    if not isinstance(output, CollectingOutputChannel):
        return
    trouble = STORE_TROUBLE.get()
    erasing = asks_to_erase(output.messages)
    digest = (message.metadata or {}).get(ERASE_KEY_DIGEST)
    if trouble is None:
        try:
            if erasing and not may_erase(_store(), message.sender_id, digest):
                logger.warning(f"Erasure of sender {message.sender_id[:12]}'s conversation refused: not its erase key")
                output.messages.clear()  # the page must not forget a conversation that is kept
                await output.send_text_message(message.sender_id, erase_refused_text())
                return
            if erasing:
                erase_conversation(_store(), message.sender_id)
            elif digest:
                _register_once(message.sender_id, digest)
        except sa.exc.SQLAlchemyError as error:
            trouble = type(error).__name__
            logger.error(f"Could not erase or register the key of sender {message.sender_id[:12]}: {trouble}")
    if trouble is not None:
        if erasing:  # not erased: the widget must not forget it either
            output.messages.clear()
        await output.send_text_message(message.sender_id, _store_down())
    elif not output.messages:
        # Nothing came back (the action server, Redis or the turn itself failed): emergency
        # advice first, as the NLU pipeline judges the message, then the apology and the helpline.
        advice = await _emergency_advice_now(app, message.text or "")
        if advice:
            await output.send_text_message(message.sender_id, advice)
        await output.send_text_message(message.sender_id, _no_answer())


@lru_cache(maxsize=50_000)
def _register_once(sender_id: str, digest: str) -> None:
    """A conversation's key is registered by its first message; this server asks the store once."""
    register_erase_key(_store(), sender_id, digest)


async def _finished(task: asyncio.Future, seconds: float) -> bool:
    done, _ = await asyncio.wait({asyncio.shield(task)}, timeout=seconds)
    return bool(done)


async def _emergency_advice_now(app: Any, text: str) -> str | None:
    """The advice the NLU pipeline (wording and meaning) gives, without the conversation's lock;
    the wording's alone if the pipeline can't be asked."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is not None:
        try:
            parsed = await agent.parse_message(text)
        except Exception as error:  # the wording below still answers
            logger.error(f"Could not check a waiting message for an emergency: {type(error).__name__}")
        else:
            return next((e["value"] for e in parsed.get("entities") or [] if e.get("entity") == ADVICE_ENTITY), None)
    return emergency_advice(plain(text, _words()))


def _say_first(message: UserMessage, text: str) -> None:
    """Put `text` before whatever the turn has said so far (the reply is sent now)."""
    output = message.output_channel
    if isinstance(output, CollectingOutputChannel):
        output.messages.insert(0, {"recipient_id": message.sender_id, "text": text})


async def _short_action_timeout(app: Any, loop: Any) -> None:
    """Rasa waits 300 s for a custom action, holding the conversation's lock; ours answer in
    milliseconds, so a hung action server is given ACTION_TIMEOUT_S."""
    rasa_action.DEFAULT_REQUEST_TIMEOUT = ACTION_TIMEOUT_S


async def _close_action_sessions(app: Any, loop: Any) -> None:
    await action_client.close_sessions()


async def _limit_body_size(app: Any, loop: Any) -> None:
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
