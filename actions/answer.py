"""Answer a patient's message from the facts that match it (netfaq/core/answering.py).

Every question-like intent comes here (the ten question kinds, the general topics, a test named
on its own, requests for a diagnosis, and messages the classifier was unsure of or called out of
scope): the intent is a hint, and the conversation so far says which test a follow-up is about.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_store import answerer, warm_up
from actions.state import slot_events, state_of
from netfaq.core import conversation
from netfaq.core.answering import (
    ANSWERED,
    CLARIFY,
    DECLINE,
    NOT_COVERED,
    OUT_OF_SCOPE,
    REDIRECT,
    Answer,
    Answerer,
    MatchSettings,
)
from netfaq.core.conversation import Conversation, Turn
from netfaq.core.dialogue import (
    ANSWER_ACTION,
    APPOINTMENT_INTENT,
    CORRECTION_INTENT,
    DEFER_HELP_INTENT,
    FALLBACK_INTENT,
    OUT_OF_SCOPE_INTENT,
    QUESTION_PREFIX,
)
from netfaq.core.knowledge import KnowledgeBase
from netfaq.core.patient_dates import (
    Heard,
    Told,
    hear,
    in_conversation,
    tells_only_when,
    told_as_data,
    told_from_data,
    without_when,
)
from netfaq.core.redirects import default_redirects
from netfaq.core.replies import (
    ASK_REPHRASE,
    ASK_WHICH_TEST,
    OFFER_BUTTONS,
    decline_diagnosis_text,
    helpline_citation,
    not_covered_text,
    offer_helpline_text,
    out_of_scope_text,
    redirect_text,
    section_text,
    uncovered_note,
    which_test_buttons,
)
from netfaq.core.safety import default_rules
from netfaq.core.timeline import Timeline, local_now, timeline
from netfaq.core.timeline_wording import CALENDAR_NAME, calendar_file, timeline_payload, timeline_text

logger = logging.getLogger(__name__)

UNSURE_INTENTS = (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)  # the classifier's way of saying it isn't sure
# A message's metadata may set the clock (tests and benchmarks only: the REST channel passes it on
# only with NETFAQ_TEST_CLOCK=1), so dates can be checked against a fixed today.
CLOCK_METADATA = "now"


# With no emergency before, "I'll be fine, thanks" is answered as what the classifier took it for.
CONVERSATION_RESPONSES = {
    "deny": "utter_deny_ack",
    "affirm": "utter_affirm_ack",
    "thanks": "utter_youre_welcome",
    "goodbye": "utter_goodbye",
}


def safety_reminder(state: Conversation) -> str | None:
    """The reminder of an emergency kind disclosed in one of the last few messages (self-harm)."""
    rules = default_rules()
    given = state.emergency
    for category in [given.get("category") or "", *(given.get("also") or [])] if given else []:
        if category in rules.reminders:
            return rules.reminders[category]
    return None


def patient_now(tracker: Tracker, kb: KnowledgeBase) -> datetime:
    """Now in the hospital's time zone, or the clock the message's metadata sets (tests only)."""
    given = (tracker.latest_message.get("metadata") or {}).get(CLOCK_METADATA)
    now = local_now(kb.timelines) if kb.timelines else datetime.now().astimezone()
    try:
        set_clock = datetime.fromisoformat(given) if isinstance(given, str) else None
    except ValueError:
        set_clock = None
    return set_clock.replace(tzinfo=set_clock.tzinfo or now.tzinfo) if set_clock else now


def says_when(turn: Turn, settings: MatchSettings) -> bool:
    """Whether the message may tell when the test is ("it's on Friday at 2"), or correct the day
    ("sorry, it's actually the 10th"): the classifier's intent, or its first guess when it was
    unsure of any; whether a day or time is really in it, `appointment_told` finds out. A message
    it took for a question ("it's on Friday, does it hurt?") is answered as one."""
    likeliest = turn.guesses[0] if turn.intent in UNSURE_INTENTS and turn.guesses else (turn.intent, turn.confidence)
    if likeliest[0] == APPOINTMENT_INTENT and likeliest[1] >= settings.appointment_guess:
        return True
    return turn.intent == CORRECTION_INTENT and turn.confidence >= settings.confident and not turn.named


def as_question(turn: Turn, settings: MatchSettings) -> Turn:
    """A message taken for a day told that asks something too: the classifier's likeliest question
    kind, or none, and the facts decide."""
    questions = [(name, confidence) for name, confidence in turn.guesses if name.startswith(QUESTION_PREFIX)]
    if questions and questions[0][1] >= settings.support_guess:
        return replace(turn, intent=questions[0][0], confidence=questions[0][1], guesses=())
    return replace(turn, intent=None, confidence=0.0, guesses=())


def keep_day(procedure: str | None, told: Told | None) -> List[EventType]:
    """The day and time told, kept in the conversation for the questions after it."""
    return slot_events(conversation.day_told(told_as_data(procedure, told) if told else None))


def timing_topics(current: Answerer, text: str) -> tuple[str, ...]:
    """The timings the message asks about, by meaning: "fasting from when?" -> preparation; each
    part of a message that asks two things ("when do I stop eating, and when are the results?")."""
    rules = current.kb.timelines
    if rules is None:
        return ()
    figures = [step.figure for step in rules.steps]
    by_part = (current.timing_topic(part, figures) for part in current.words.asks(text))
    topics = tuple(dict.fromkeys(topic for topic in by_part if topic))
    whole = current.timing_topic(text, figures)
    return topics if len(topics) > 1 else (whole,) if whole else topics


def asked_topic(answer: Answer) -> str | None:
    """What the answer was about: the intent's topic, else the topic most of its first facts share
    (not of facts given only as the closest, which may not answer it)."""
    if answer.topic or not answer.sections or answer.sections[0].partial:
        return answer.topic
    topics = Counter(unit.topic for unit in answer.sections[0].units)
    return topics.most_common(1)[0][0] if topics else None


def personal_timeline(
    dispatcher: CollectingDispatcher, state: Conversation, current: Answerer, answer: Answer, text: str, now: datetime
) -> List[EventType]:
    """After an answer: the patient's own dates for what was asked, worked out from the test's
    figures, from the day and time in this message or kept from earlier ones. The test is the
    answer's (the one the kept day is for, if it is one of them)."""
    kb = current.kb
    kept = state.appointment
    remembered = told_from_data(kept)
    # An answer about no test (the helpline's hours, say) completes a day kept for the test talked
    # about ("it's at 10 in the morning"), and starts none: "it's Saturday though" is about today.
    kept_for = remembered[0] if remembered and remembered[0] in kb.procedures else None
    candidates = list(answer.procedures) or ([kept_for] if kept_for else [])
    if not candidates:
        return []
    procedure = remembered[0] if remembered and remembered[0] in candidates else candidates[0]
    heard_here = hear(text, now)
    heard = in_conversation(heard_here, procedure, kept, current.words.corrects(text))
    meant = timing_topics(current, text)
    found = timeline(kb, procedure, heard, meant or asked_topic(answer), now)
    if found is None and heard_here.told and not meant:
        found = timeline(kb, procedure, heard, None, now)  # a day told: every timing the test has
    if found is not None and found.without_figure and not meant:
        found = None  # "an echo takes half an hour" needs no "no dates to work out" after it
    if found is not None:
        return send_timeline(dispatcher, kb, found, now, heard if heard_here.told else None)
    # A day told with a question no timing answers ("it's on Friday, does it hurt?"): kept for later.
    return keep_day(procedure, heard.told) if heard_here.told else []


def send_timeline(
    dispatcher: CollectingDispatcher, kb: KnowledgeBase, found: Timeline, now: datetime, keep: Heard | None
) -> List[EventType]:
    """The timeline's text, its data and calendar file for the chat page; the day kept if new."""
    custom: Dict[str, Any] = {"timeline": timeline_payload(found)}
    ics = calendar_file(kb, found, now)
    if ics is not None:
        custom["calendar"] = {"filename": CALENDAR_NAME, "text": ics.decode("utf-8")}
    dispatcher.utter_message(text=timeline_text(kb, found, now.date()), json_message=custom)
    return keep_day(found.procedure, keep.told if keep else None)


def appointment_told(
    dispatcher: CollectingDispatcher, state: Conversation, current: Answerer, turn: Turn, now: datetime
) -> List[EventType] | None:
    """ "My scan is on Friday at 2": the timeline for the test it is about (named, or talked about),
    or "which test?" with the day kept. None when the message gives no day or time after all."""
    kb = current.kb
    heard_here = hear(turn.text, now)
    if heard_here.told is None and heard_here.problem is None:
        return None
    procedures = current.tests_meant(turn, state.history)
    if not procedures:
        dispatcher.utter_message(text=ASK_WHICH_TEST, buttons=which_test_buttons(kb))
        return keep_day(None, heard_here.told)
    procedure = procedures[0]
    corrects = turn.intent == CORRECTION_INTENT or current.words.corrects(turn.text)
    heard = in_conversation(heard_here, procedure, state.appointment, corrects)
    found = timeline(kb, procedure, heard, timing_topics(current, turn.text), now)
    if found is None:
        found = timeline(kb, procedure, heard, None, now)  # every timing, for a day told with no question
    if found is None:
        return None
    return [*slot_events(conversation.focus_on(procedure)), *send_timeline(dispatcher, kb, found, now, heard)]


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return ANSWER_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        current = answerer()
        kb = current.kb
        state = state_of(tracker, kb)
        turn = conversation.latest_turn(tracker.latest_message, kb.procedures)
        putting_off = (tracker.latest_message.get("intent") or {}).get("name") == DEFER_HELP_INTENT
        if putting_off and state.emergency is not None:
            # "can it wait till Monday?" a few messages after 999 advice: the advice again, kindly.
            given = state.emergency
            rules = default_rules()
            dispatcher.utter_message(text=rules.advice_again(given.get("category"), tuple(given.get("also") or ())))
            return []
        if turn.intent in CONVERSATION_RESPONSES:
            dispatcher.utter_message(response=CONVERSATION_RESPONSES[turn.intent])
            return []
        if conversation.says_again(turn, state, current.settings.confident):
            # "say that again", "simpler please" after a reply with no facts in it ("our sources
            # don't say ...", "which test?", a redirect): that reply, which is already in plain words.
            for reply in state.last_replies:
                dispatcher.utter_message(text=reply.text, buttons=list(reply.buttons))
            return []
        now = patient_now(tracker, kb)
        if says_when(turn, current.settings):
            if tells_only_when(turn.text, now):
                told = appointment_told(dispatcher, state, current, turn, now)
                if told is not None:
                    return told
            else:
                turn = as_question(turn, current.settings)  # "my MRI is on Friday, does it hurt?"
        # What the message asks, without when the test is: "Friday at 2" matches no fact.
        asked = replace(turn, text=without_when(turn.text, now) or turn.text)
        answer = current.answer(asked, state.history, state.last_facts)
        if answer.kind == ANSWERED:
            events = self._answered(dispatcher, kb, answer)
            try:
                events += personal_timeline(dispatcher, state, current, answer, turn.text, now)
            except Exception:  # the answer itself has gone out: a failed timeline must not take it back
                logger.exception("Personal timeline failed; the answer was sent without it")
            reminder = safety_reminder(state)
            if reminder:
                dispatcher.utter_message(text=reminder)
            return events
        if answer.kind == CLARIFY:
            dispatcher.utter_message(text=ASK_WHICH_TEST, buttons=which_test_buttons(kb))
            return [
                *slot_events(conversation.asked_which_test(answer.topic)),
                *keep_day(None, hear(turn.text, now).told),
            ]
        if answer.kind == DECLINE:
            dispatcher.utter_message(text=decline_diagnosis_text(kb.helpline))
            return slot_events(conversation.gave_no_facts())
        if answer.kind == OUT_OF_SCOPE:
            dispatcher.utter_message(text=out_of_scope_text(default_redirects(), kb.helpline))
            return slot_events(conversation.gave_no_facts())
        if answer.kind == NOT_COVERED:
            names = [thing.name for thing in answer.uncovered]
            dispatcher.utter_message(text=f"{not_covered_text(names, kb.helpline)}\n{helpline_citation(kb)}")
            return slot_events(conversation.sent_elsewhere())
        if answer.kind == REDIRECT:
            dispatcher.utter_message(text=redirect_text(default_redirects(), answer.redirect, kb.helpline))
            return slot_events(conversation.sent_elsewhere())
        changes, offer_helpline = conversation.not_understood(state)
        if offer_helpline:
            dispatcher.utter_message(text=offer_helpline_text(kb.helpline), buttons=OFFER_BUTTONS)
        else:
            dispatcher.utter_message(text=ASK_REPHRASE)
        return slot_events(changes)

    @staticmethod
    def _answered(dispatcher: CollectingDispatcher, kb: KnowledgeBase, answer: Answer) -> List[EventType]:
        for section in answer.sections:
            dispatcher.utter_message(text=section_text(kb, section, date.today(), short=answer.short))
        if answer.uncovered:
            dispatcher.utter_message(text=uncovered_note([thing.name for thing in answer.uncovered]))
        if answer.redirect:
            dispatcher.utter_message(text=redirect_text(default_redirects(), answer.redirect, kb.helpline))
        facts = [unit.key for section in answer.sections for unit in section.units]
        return slot_events(conversation.answered(answer.procedures, answer.topic, facts))


warm_up()  # rasa-sdk imports this module before it serves: ready means warm
