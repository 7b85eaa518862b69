"""A patient saying an answer didn't help: apologise, suggest rephrasing, offer the helpline.

The intent itself is what staff review flags as negative feedback (netfaq/review/records.py).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import knowledge
from netfaq.core.dialogue import NEGATIVE_FEEDBACK_ACTION
from netfaq.core.replies import negative_feedback_text


class ActionNegativeFeedback(Action):
    def name(self) -> str:
        return NEGATIVE_FEEDBACK_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(text=negative_feedback_text(knowledge().helpline))
        return []
