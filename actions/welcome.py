"""The opening message: what the assistant can and can't do, where to go in an emergency, and the helpline."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import knowledge
from netfaq.core.dialogue import WELCOME_ACTION
from netfaq.core.paths import PRIVACY_FILE
from netfaq.core.replies import WELCOME_BUTTONS, privacy_notice, welcome_text
from netfaq.core.safety import default_rules
from netfaq.review.retention import retention_days


class ActionWelcome(Action):
    def name(self) -> str:
        return WELCOME_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        notice = privacy_notice(PRIVACY_FILE, retention_days())
        text = welcome_text(knowledge(), default_rules().services, notice)
        dispatcher.utter_message(text=text, buttons=WELCOME_BUTTONS)
        return []
