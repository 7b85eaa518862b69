"""What a patient's request to the REST channel may hold, checked before Rasa sees it.

Every request gets either a 4xx saying what is expected or a reply for the patient: a message
too long for one turn gets a polite request to shorten it (and is not processed, so one request
can't hold others up); a message that looks like a button's payload ("/emergency") is taken as
plain text unless it is one the assistant's own buttons send, so nobody can fake an intent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from netfaq.core.plain_text import visible
from netfaq.core.redaction import redact

_WORDY_PART = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*")  # a part of a sender id with a letter in it

MAX_MESSAGE_CHARS = 2000  # the widget checks the same limit before sending (data-max-length)
MAX_BODY_BYTES = 64 * 1024  # larger requests get 413 from the web server itself
SENDER = re.compile(r"[A-Za-z0-9_-]{1,100}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LEADING_SLASHES = re.compile(r"^[\s/]+")
# Payloads the chat widget itself sends (web/netfaq-chat.js): the opening message and "This didn't help".
WIDGET_PAYLOADS = ("/greet", "/feedback_negative")
# The "which test?" buttons' payload (netfaq/core/replies.py which_test_buttons), for any procedure id.
WHICH_TEST_PAYLOAD = re.compile(r'/inform\{"procedure":"[a-z][a-z0-9_]*"\}')
# Set where several Rasa servers share the conversations behind a load balancer that routes by the
# address's ?sender= (deploy/haproxy.cfg.template): a request without it is refused.
ADDRESS_SENDER_REQUIRED = "NETFAQ_REQUIRE_ADDRESS_SENDER"
EXPECTED = 'expected a JSON object {"sender": "<id>", "message": "<text>"}'


def too_long_text(limit: int = MAX_MESSAGE_CHARS) -> str:
    return (
        f"Sorry, that message is too long for me. Please keep your message under {limit:,} characters, "
        "for example your question on its own."
    )


@dataclass(frozen=True)
class Checked:
    """Either an error (status, explanation), a reply to send without processing, or the clean message."""

    error: tuple[int, str] | None = None
    reply: str | None = None
    sender: str = ""
    message: str = ""


def check_envelope(content_type: str | None, query: Mapping[str, Sequence[str]]) -> tuple[int, str] | None:
    """What is wrong with the request around the body, or None.

    JSON only: a form or text/plain can be posted across sites without the browser asking first
    (no CORS preflight). Streamed replies are refused: the channel answers each message whole, 999
    advice first, and confirms an erasure only once it has happened.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        return 415, "send the request as JSON, with the header Content-Type: application/json"
    if any(value.strip().lower() not in ("", "false", "0", "no") for value in query.get("stream", ())):
        return 400, "streamed replies are not offered here: leave out ?stream"
    return None


def check_request(
    body: Any, allowed_payloads: frozenset[str], address_sender: str | None = None, address_required: bool = False
) -> Checked:
    """`address_sender` is the `?sender=` a load balancer routes by: when given it must be the
    body's sender, or one conversation would be split over two servers; `address_required` when
    several servers share the conversations."""
    if not isinstance(body, dict):
        return Checked(error=(400, EXPECTED))
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        return Checked(error=(400, "'sender' must be 1 to 100 letters, digits, '-' or '_'"))
    if redact(_WORDY_PART.sub(" ", sender).replace("_", " ")).kinds:
        # Sender ids are kept as they are (they key the conversation): none may carry a phone or
        # NHS number or a date as a part of its own ("web-07700900123"); a random id's digits
        # between letters ("3f2a0123456789bc") are not a number.
        return Checked(error=(400, "'sender' must be a random id, with no phone number, date or other personal detail"))
    if address_sender is None and address_required:
        return Checked(error=(400, "the address must carry the sender too: ?sender=<the body's sender>"))
    if address_sender is not None and address_sender != sender:
        return Checked(error=(400, "the address's ?sender= must be the body's 'sender'"))
    if not isinstance(message, str):
        return Checked(error=(400, "'message' must be text"))
    if "metadata" in body and not isinstance(body["metadata"], (dict, type(None))):
        return Checked(error=(400, "'metadata' must be an object"))
    if len(message) > MAX_MESSAGE_CHARS:
        return Checked(reply=too_long_text(), sender=sender)
    message = _SURROGATE.sub("\ufffd", message)
    seen = visible(message)  # as Rasa will read it: " /emergency" and "\xa0/emergency" start with "/"
    if seen.startswith("/"):
        # One of the assistant's own buttons, or else read as words, never as an intent.
        message = seen if is_button_payload(seen, allowed_payloads) else _LEADING_SLASHES.sub("", seen)
    return Checked(sender=sender, message=message)


def is_button_payload(text: str, allowed_payloads: frozenset[str]) -> bool:
    return text in allowed_payloads or bool(WHICH_TEST_PAYLOAD.fullmatch(text))


def button_payloads(buttons: list[dict[str, str]]) -> set[str]:
    return {b["payload"] for b in buttons if b.get("payload", "").startswith("/")}


def domain_payloads(domain: dict[str, Any]) -> set[str]:
    """Payloads of the buttons in domain.yml's responses."""
    found: set[str] = set()
    for variants in (domain.get("responses") or {}).values():
        for variant in variants or []:
            found |= button_payloads(variant.get("buttons") or [])
    return found


def assistant_payloads(domain: dict[str, Any]) -> frozenset[str]:
    """Every payload the assistant's own buttons and the widget send (the "which test?" ones aside)."""
    from netfaq.core.replies import OFFER_BUTTONS, WELCOME_BUTTONS

    return frozenset(WIDGET_PAYLOADS) | button_payloads(OFFER_BUTTONS + WELCOME_BUTTONS) | domain_payloads(domain)
