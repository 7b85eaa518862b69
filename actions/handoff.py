"""Hand the patient over to the nurse helpline, saying whether it is open right now."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import knowledge
from actions.state import slot_events
from netfaq.core import conversation
from netfaq.core.dialogue import HANDOFF_ACTION
from netfaq.core.hours import helpline_status
from netfaq.core.replies import helpline_answer
from netfaq.core.safety import default_rules


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ActionNurseHandoff(Action):
    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        # The clock is injectable so tests can pin the moment (open, closed, weekend, 5pm).
        self.clock = clock

    def name(self) -> str:
        return HANDOFF_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        kb = knowledge()
        now = self.clock()
        status = helpline_status(kb.helpline, now)
        reply = helpline_answer(kb, status, date.today(), default_rules().services)
        dispatcher.utter_message(text=reply)
        return slot_events(conversation.handed_off())
