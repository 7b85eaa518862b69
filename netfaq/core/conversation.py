"""The conversation's state: read here from what Rasa keeps, and changed here only.

Everything that must outlive a restart or a move to another server is in Rasa's tracker, which
the tracker store keeps: the slots named below, written only by the transitions of this module,
and the patient's own messages with what Rasa made of each (intent, guesses, tests named), which
are read back here rather than copied into a slot of their own. No Rasa imports: events, slots
and the latest message come in as the plain dictionaries rasa-sdk gives an action, and a
transition returns the slots it sets, in order, for the action to turn into `SlotSet` events.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from netfaq.core.dialogue import DEFER_HELP_INTENT, FALLBACK_INTENT, REPEAT_INTENT, SIMPLER_INTENT

# The slots (domain.yml declares each; tests/test_conversation.py checks).
PROCEDURE_SLOT = "procedure"  # a test named (Rasa fills it from the entity) or answered about, one event per test
TOPIC_SLOT = "topic"  # the last question's kind, for the "which test?" that may follow
LAST_FACTS_SLOT = "last_facts"  # the keys of the facts the last answer gave: "say that again", "simpler"
APPOINTMENT_SLOT = "appointment"  # the day and time of the test talked about, as the patient gave them
FALLBACK_COUNT_SLOT = "fallback_count"  # messages in a row not understood
HELPLINE_OFFERED_SLOT = "helpline_offered"  # the helpline was offered with buttons (the rules read it)
HANDED_OFF_SLOT = "handed_off"
SLOTS = (
    PROCEDURE_SLOT,
    TOPIC_SLOT,
    LAST_FACTS_SLOT,
    APPOINTMENT_SLOT,
    FALLBACK_COUNT_SLOT,
    HELPLINE_OFFERED_SLOT,
    HANDED_OFF_SLOT,
)

PROCEDURE_ENTITY = "procedure"
OFFER_HELPLINE_AFTER = 2  # messages in a row not understood before the helpline is offered
REMINDER_TURNS = 3  # messages after emergency advice that may get it again, or its reminder
SAFETY_OVERRIDE = "safety_override"  # where the emergency guard puts the advice it gave in a message's parse data

Changes = list[tuple[str, Any]]  # slots set, in order (one test after another in `procedure`)


@dataclass(frozen=True)
class Turn:
    """A patient's message and what Rasa made of it; for past turns, also the tests the reply was about."""

    text: str
    intent: str | None = None
    confidence: float = 1.0
    named: tuple[str, ...] = ()  # tests Rasa's entity extractor found (e.g. from a button)
    answered: tuple[str, ...] = ()
    guesses: tuple[tuple[str, float], ...] = ()  # the classifier's next guesses, with their confidences


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Conversation:
    """What the conversation before this message holds."""

    history: tuple[Turn, ...] = ()  # the earlier messages, oldest first
    last_facts: tuple[str, ...] = ()
    appointment: Any = None  # as patient_dates.told_as_data wrote it
    fallback_count: int = 0
    # The emergency advice given for one of the last REMINDER_TURNS messages, as the guard gave it.
    emergency: Mapping[str, Any] | None = None
    # What the assistant said to the message before this one: its texts, each with its buttons.
    last_replies: tuple[Reply, ...] = ()


def _named(entities: Sequence[Mapping[str, Any]], tests: Container[str]) -> tuple[str, ...]:
    found = [e.get("value") for e in entities if e.get("entity") == PROCEDURE_ENTITY]
    return tuple(dict.fromkeys(value for value in found if value in tests))


def latest_turn(message: Mapping[str, Any], tests: Container[str]) -> Turn:
    """The message being answered, with the classifier's guesses after its first (Rasa's fallback
    and the emergency guard's forced intents are not guesses). A message the guard marked as
    putting off help is read as what the classifier took it for."""
    intent = message.get("intent") or {}
    forced = (DEFER_HELP_INTENT, FALLBACK_INTENT, intent.get("name"))
    guesses = [r for r in message.get("intent_ranking") or [] if r.get("name") not in forced]
    if intent.get("name") == DEFER_HELP_INTENT:
        intent, guesses = (guesses[0], guesses[1:]) if guesses else ({}, [])
    return Turn(
        text=message.get("text") or "",
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        named=_named(message.get("entities") or [], tests),
        guesses=tuple((str(g.get("name")), float(g.get("confidence") or 0.0)) for g in guesses[:2]),
    )


def read(events: Sequence[Mapping[str, Any]], slots: Mapping[str, Any], tests: Container[str]) -> Conversation:
    """The state before the latest message (the last user event), from the tracker's events and slots."""
    turns: list[Turn] = []
    overrides: list[Mapping[str, Any] | None] = []
    replies: list[list[Reply]] = []  # to each user message
    for event in events:
        if event.get("event") == "bot" and replies and event.get("text"):
            buttons = tuple((event.get("data") or {}).get("buttons") or ())
            replies[-1].append(Reply(event["text"], buttons))
        elif event.get("event") == "user":
            replies.append([])
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            named = _named(parse.get("entities") or [], tests)
            turns.append(Turn(event.get("text") or "", intent.get("name"), intent.get("confidence") or 0.0, named))
            overrides.append(parse.get(SAFETY_OVERRIDE))
        elif event.get("event") == "slot" and event.get("name") == PROCEDURE_SLOT and turns:
            value = event.get("value")
            if value in tests:
                turns[-1] = replace(turns[-1], answered=(*turns[-1].answered, value))
    past = turns[:-1]  # the last one is the message being answered
    remembered = slots.get(PROCEDURE_SLOT)
    if remembered in tests and not any(t.answered or t.named for t in past):
        past.insert(0, Turn("", answered=(remembered,)))  # e.g. carried over from an earlier session
    recent_advice = [given for given in overrides[:-1][-REMINDER_TURNS:] if given is not None]
    return Conversation(
        history=tuple(past),
        last_facts=tuple(slots.get(LAST_FACTS_SLOT) or ()),
        appointment=slots.get(APPOINTMENT_SLOT),
        fallback_count=int(slots.get(FALLBACK_COUNT_SLOT) or 0),
        emergency=recent_advice[-1] if recent_advice else None,
        last_replies=tuple(replies[-2]) if len(replies) > 1 else (),
    )


def says_again(turn: Turn, state: Conversation, confident: float) -> bool:
    """ "Say that again", "simpler please" after a reply with no facts in it ("our sources don't say
    ...", "which test?", a redirect): that reply is said again, as it is already in plain words."""
    asks_again = turn.intent in (REPEAT_INTENT, SIMPLER_INTENT) and turn.confidence >= confident
    return asks_again and not state.last_facts and bool(state.last_replies)


# Transitions: what each outcome of a message sets.


def answered(procedures: Sequence[str], topic: str | None, facts: Sequence[str]) -> Changes:
    """Facts given: the tests they were about become the focus, in order; understood again."""
    return [
        *((PROCEDURE_SLOT, procedure) for procedure in procedures),
        (TOPIC_SLOT, topic),
        (LAST_FACTS_SLOT, list(facts)),
        (FALLBACK_COUNT_SLOT, 0.0),
        (HELPLINE_OFFERED_SLOT, False),
    ]


def asked_which_test(topic: str | None) -> Changes:
    """ "Which test?": the question's kind kept for the answer that names one."""
    return [(TOPIC_SLOT, topic), *gave_no_facts()]


def day_told(day: Any) -> Changes:
    """A day and time told, as patient_dates.told_as_data wrote it; nothing when none was."""
    return [(APPOINTMENT_SLOT, day)] if day else []


def focus_on(procedure: str) -> Changes:
    """A day told for a test (or a test named for it): that test in focus."""
    return [(PROCEDURE_SLOT, procedure)]


def sent_elsewhere() -> Changes:
    """Understood, though not answered from our facts (a redirect, a test we don't describe)."""
    return [(FALLBACK_COUNT_SLOT, 0.0), *gave_no_facts()]


def gave_no_facts() -> Changes:
    """A reply without facts is the last answer now: "say that again" says it, not the one before."""
    return [(LAST_FACTS_SLOT, [])]


def not_understood(state: Conversation) -> tuple[Changes, bool]:
    """One more message not understood, and whether it is time to offer the helpline."""
    count = state.fallback_count + 1
    offer = count >= OFFER_HELPLINE_AFTER
    changes: Changes = [(FALLBACK_COUNT_SLOT, float(count)), *gave_no_facts()]
    return (changes + [(HELPLINE_OFFERED_SLOT, True)], True) if offer else (changes, False)


def handed_off() -> Changes:
    """Put through to the nurses: the offer is over and the count starts again."""
    return [(HELPLINE_OFFERED_SLOT, False), (FALLBACK_COUNT_SLOT, 0.0), (HANDED_OFF_SLOT, True)]
