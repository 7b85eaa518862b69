"""Answer a patient's message from the facts that match it (netfaq/core/answering.py).

Every question-like intent comes here (the ten question kinds, the general topics, a test named
on its own, requests for a diagnosis, and messages the classifier was unsure of or called out of
scope): the intent is a hint, and the conversation so far says which test a follow-up is about.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import answerer, warm_up
from netfaq.core.answering import ANSWERED, CLARIFY, DECLINE, NOT_COVERED, OUT_OF_SCOPE, REDIRECT, Answer, Turn
from netfaq.core.dialogue import ANSWER_ACTION, DEFER_HELP_INTENT, FALLBACK_INTENT
from netfaq.core.knowledge import KnowledgeBase
from netfaq.core.redirects import default_redirects
from netfaq.core.replies import (
    ASK_REPHRASE,
    ASK_WHICH_TEST,
    OFFER_BUTTONS,
    decline_diagnosis_text,
    helpline_citation,
    not_covered_text,
    offer_helpline_text,
    redirect_text,
    section_text,
    uncovered_note,
    which_test_buttons,
)
from netfaq.core.replies import OUT_OF_SCOPE as OUT_OF_SCOPE_TEXT
from netfaq.core.safety import default_rules

OFFER_HELPLINE_AFTER = 2  # messages in a row not understood
PROCEDURE_ENTITY = "procedure"
LAST_FACTS_SLOT = "last_facts"  # the keys of the facts the last answer gave: "say that again", "simpler"
REMINDER_TURNS = 3  # messages after a self-harm disclosure that also get its reminder


def _named(entities: List[Dict[str, Any]], kb: KnowledgeBase) -> tuple[str, ...]:
    found = [e.get("value") for e in entities if e.get("entity") == PROCEDURE_ENTITY]
    return tuple(dict.fromkeys(value for value in found if value in kb.procedures))


# With no emergency before, "I'll be fine, thanks" is answered as what the classifier took it for.
CONVERSATION_RESPONSES = {
    "deny": "utter_deny_ack",
    "affirm": "utter_affirm_ack",
    "thanks": "utter_youre_welcome",
    "goodbye": "utter_goodbye",
}


def latest_turn(tracker: Tracker, kb: KnowledgeBase) -> Turn:
    message = tracker.latest_message
    intent = message.get("intent") or {}
    # The classifier's guesses after its first (Rasa's fallback and the emergency guard's forced
    # intents are not guesses).
    forced = (DEFER_HELP_INTENT, FALLBACK_INTENT, intent.get("name"))
    guesses = [r for r in message.get("intent_ranking") or [] if r.get("name") not in forced]
    if intent.get("name") == DEFER_HELP_INTENT:
        intent, guesses = (guesses[0], guesses[1:]) if guesses else ({}, [])
    return Turn(
        text=message.get("text") or "",
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        named=_named(message.get("entities") or [], kb),
        guesses=tuple((str(g.get("name")), float(g.get("confidence") or 0.0)) for g in guesses[:2]),
    )


def past_turns(tracker: Tracker, kb: KnowledgeBase) -> List[Turn]:
    """The patient's earlier messages in this conversation, each with the tests it was about."""
    turns: List[Turn] = []
    for event in tracker.events:
        if event.get("event") == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            entities = parse.get("entities") or []
            named = _named(entities, kb)
            turns.append(Turn(event.get("text") or "", intent.get("name"), intent.get("confidence") or 0.0, named))
        elif event.get("event") == "slot" and event.get("name") == PROCEDURE_ENTITY and turns:
            value = event.get("value")
            if value in kb.procedures:
                last = turns[-1]
                turns[-1] = Turn(last.text, last.intent, last.confidence, last.named, (*last.answered, value))
    past = turns[:-1]  # the last one is the message being answered
    remembered = tracker.get_slot(PROCEDURE_ENTITY)
    if remembered in kb.procedures and not any(t.answered or t.named for t in past):
        past.insert(0, Turn("", answered=(remembered,)))  # e.g. carried over from an earlier session
    return past


def recent_emergency(tracker: Tracker) -> Dict[str, Any] | None:
    """The emergency advice given for one of the last few messages before this one, if any."""
    user_messages = [e for e in tracker.events if e.get("event") == "user"]
    for event in reversed(user_messages[:-1][-REMINDER_TURNS:]):
        override = (event.get("parse_data") or {}).get("safety_override")
        if override is not None:
            return override
    return None


def safety_reminder(tracker: Tracker) -> str | None:
    """The reminder of an emergency kind disclosed in one of the last few messages (self-harm)."""
    rules = default_rules()
    override = recent_emergency(tracker)
    for category in [override.get("category") or "", *(override.get("also") or [])] if override else []:
        if category in rules.reminders:
            return rules.reminders[category]
    return None


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return ANSWER_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        current = answerer()
        kb = current.kb
        putting_off = (tracker.latest_message.get("intent") or {}).get("name") == DEFER_HELP_INTENT
        given = recent_emergency(tracker) if putting_off else None
        if given is not None:
            # "can it wait till Monday?" a few messages after 999 advice: the advice again, kindly.
            rules = default_rules()
            dispatcher.utter_message(text=rules.advice_again(given.get("category"), tuple(given.get("also") or ())))
            return []
        turn = latest_turn(tracker, kb)
        if turn.intent in CONVERSATION_RESPONSES:
            dispatcher.utter_message(response=CONVERSATION_RESPONSES[turn.intent])
            return []
        answer = current.answer(turn, past_turns(tracker, kb), tracker.get_slot(LAST_FACTS_SLOT) or ())
        if answer.kind == ANSWERED:
            events = self._answered(dispatcher, kb, answer)
            reminder = safety_reminder(tracker)
            if reminder:
                dispatcher.utter_message(text=reminder)
            return events
        if answer.kind == CLARIFY:
            dispatcher.utter_message(text=ASK_WHICH_TEST, buttons=which_test_buttons(kb))
            return [SlotSet("topic", answer.topic)]
        if answer.kind == DECLINE:
            dispatcher.utter_message(text=decline_diagnosis_text(kb.helpline))
            return []
        if answer.kind == OUT_OF_SCOPE:
            dispatcher.utter_message(text=OUT_OF_SCOPE_TEXT)
            return []
        if answer.kind == NOT_COVERED:
            names = [thing.name for thing in answer.uncovered]
            dispatcher.utter_message(text=f"{not_covered_text(names, kb.helpline)}\n{helpline_citation(kb)}")
            return [SlotSet("fallback_count", 0.0)]
        if answer.kind == REDIRECT:
            dispatcher.utter_message(text=redirect_text(default_redirects(), answer.redirect, kb.helpline))
            return [SlotSet("fallback_count", 0.0)]
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        if count < OFFER_HELPLINE_AFTER:
            dispatcher.utter_message(text=ASK_REPHRASE)
            return [SlotSet("fallback_count", float(count))]
        dispatcher.utter_message(text=offer_helpline_text(kb.helpline), buttons=OFFER_BUTTONS)
        return [SlotSet("fallback_count", float(count)), SlotSet("helpline_offered", True)]

    @staticmethod
    def _answered(dispatcher: CollectingDispatcher, kb: KnowledgeBase, answer: Answer) -> List[EventType]:
        for section in answer.sections:
            dispatcher.utter_message(text=section_text(kb, section, date.today(), short=answer.short))
        if answer.uncovered:
            dispatcher.utter_message(text=uncovered_note([thing.name for thing in answer.uncovered]))
        return [
            *(SlotSet("procedure", procedure) for procedure in answer.procedures),
            SlotSet("topic", answer.topic),
            SlotSet(LAST_FACTS_SLOT, [unit.key for section in answer.sections for unit in section.units]),
            SlotSet("fallback_count", 0.0),
            SlotSet("helpline_offered", False),
        ]


warm_up()  # rasa-sdk imports this module before it serves: ready means warm
