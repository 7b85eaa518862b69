"""The opening message: what the assistant can and can't do, 999, and the helpline."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import knowledge
from netfaq.replies import WELCOME_BUTTONS, welcome_text


class ActionWelcome(Action):
    def name(self) -> str:
        return "action_welcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(text=welcome_text(knowledge().helpline), buttons=WELCOME_BUTTONS)
        return []
