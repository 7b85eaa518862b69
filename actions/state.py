"""The Rasa side of the conversation's state (netfaq/core/conversation.py): read from a tracker, and
the slots a transition sets as the events an action returns."""

from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from netfaq.core import conversation
from netfaq.core.conversation import Changes, Conversation
from netfaq.core.knowledge import KnowledgeBase


def state_of(tracker: Tracker, kb: KnowledgeBase) -> Conversation:
    return conversation.read(tracker.events, tracker.slots, kb.procedures)


def slot_events(changes: Changes) -> List[EventType]:
    return [SlotSet(name, value) for name, value in changes]
