"""Emergencies and requests we must not answer (diagnosis, reading results)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import knowledge
from netfaq.replies import decline_diagnosis_text
from netfaq.safety import default_rules


class ActionEmergency(Action):
    """999 advice first, worded for the kind of emergency the safety guard recognised."""

    def name(self) -> str:
        return "action_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        override = tracker.latest_message.get("safety_override") or {}
        for text in default_rules().reply(override.get("category")):
            dispatcher.utter_message(text=text)
        return [SlotSet("emergency_advised", True)]


class ActionDeclineDiagnosis(Action):
    def name(self) -> str:
        return "action_decline_diagnosis"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(text=decline_diagnosis_text(knowledge().helpline))
        return []
