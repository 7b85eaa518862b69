"""Requests we must not answer (diagnosis, reading results).

Emergency advice is not here: the Rasa server gives it itself (rasa_extensions/emergency_guard.py
and the domain's utter_emergency responses), so it never depends on the action server.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import knowledge
from netfaq.replies import decline_diagnosis_text


class ActionDeclineDiagnosis(Action):
    def name(self) -> str:
        return "action_decline_diagnosis"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(text=decline_diagnosis_text(knowledge().helpline))
        return []
