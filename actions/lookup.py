"""Answer a patient's question from the knowledge base."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import knowledge
from netfaq.knowledge import KnowledgeBase
from netfaq.replies import ASK_REPHRASE, ASK_WHICH_TEST, general_answer, procedure_answer
from netfaq.schema import TOPICS

QUESTION_PREFIX = "ask_"
MAX_PROCEDURES_PER_ANSWER = 3


def topic_for_intent(intent: str | None) -> str | None:
    """ask_preparation -> preparation, for the question-kind intents; None otherwise."""
    if intent and intent.startswith(QUESTION_PREFIX) and intent[len(QUESTION_PREFIX) :] in TOPICS:
        return intent[len(QUESTION_PREFIX) :]
    return None


def latest_intent(tracker: Tracker) -> str | None:
    """The intent that triggered this turn (rasa-sdk's helper reads the ranking, which buttons leave empty)."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def procedures_in_message(tracker: Tracker, kb: KnowledgeBase) -> List[str]:
    found = [
        e.get("value")
        for e in tracker.latest_message.get("entities", [])
        if e.get("entity") == "procedure" and e.get("value") in kb.procedures
    ]
    return list(dict.fromkeys(found))[:MAX_PROCEDURES_PER_ANSWER]


def remembered_procedure(tracker: Tracker, kb: KnowledgeBase) -> str | None:
    value = tracker.get_slot("procedure")
    if isinstance(value, list):
        value = value[-1] if value else None
    return value if value in kb.procedures else None


def which_test_buttons(kb: KnowledgeBase) -> List[Dict[str, str]]:
    return [{"title": p.title, "payload": f'/inform{{"procedure":"{p.id}"}}'} for p in kb.procedures.values()]


class ActionAnswerProcedureQuestion(Action):
    """One action for every (question kind, procedure) pair; the intent gives the kind."""

    def name(self) -> str:
        return "action_answer_procedure_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        kb = knowledge()
        intent = latest_intent(tracker)
        topic = topic_for_intent(intent) or tracker.get_slot("topic") or "what_is"
        procedures = procedures_in_message(tracker, kb)
        if not procedures:
            remembered = remembered_procedure(tracker, kb)
            procedures = [remembered] if remembered else []
        if not procedures:
            dispatcher.utter_message(text=ASK_WHICH_TEST, buttons=which_test_buttons(kb))
            return [SlotSet("topic", topic)]

        answered_any = False
        for procedure_id in procedures:
            reply = procedure_answer(kb, procedure_id, topic, date.today())
            answered_any = answered_any or reply.answered
            dispatcher.utter_message(text=reply.text)
        return [
            SlotSet("procedure", procedures[-1]),
            SlotSet("topic", topic),
            SlotSet("fallback_count", 0.0),
            SlotSet("helpline_offered", False),
        ]


class ActionAnswerGeneralQuestion(Action):
    """Questions about NETs in general (ask_<general topic id>), which need no procedure."""

    def name(self) -> str:
        return "action_answer_general_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        kb = knowledge()
        intent = latest_intent(tracker) or ""
        topic_id = intent[len(QUESTION_PREFIX) :] if intent.startswith(QUESTION_PREFIX) else ""
        if topic_id not in kb.general:
            dispatcher.utter_message(text=ASK_REPHRASE)
            return []
        dispatcher.utter_message(text=general_answer(kb, topic_id, date.today()).text)
        return [SlotSet("fallback_count", 0.0), SlotSet("helpline_offered", False)]
