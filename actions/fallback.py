"""Low-confidence messages: ask to rephrase once, then offer the nurse helpline."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import knowledge
from netfaq.replies import ASK_REPHRASE, OFFER_BUTTONS, offer_helpline_text

OFFER_AFTER = 2


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        if count < OFFER_AFTER:
            dispatcher.utter_message(text=ASK_REPHRASE)
            return [SlotSet("fallback_count", float(count))]
        dispatcher.utter_message(text=offer_helpline_text(knowledge().helpline), buttons=OFFER_BUTTONS)
        return [SlotSet("fallback_count", float(count)), SlotSet("helpline_offered", True)]
