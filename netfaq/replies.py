"""How answers are worded. Facts come from the knowledge base; this module only arranges them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable

from netfaq.hours import WEEKDAYS, HelplineStatus
from netfaq.knowledge import Fact, Helpline, KnowledgeBase, Source

TOPIC_HEADINGS = {
    "what_is": "What it is",
    "why": "Why it is done",
    "preparation": "Preparing for it",
    "arrival": "When you arrive",
    "during": "What happens during it",
    "afterwards": "Afterwards",
    "duration": "How long it takes",
    "pain": "Does it hurt?",
    "risks": "Risks",
    "results": "Getting your results",
}

# "Our sources don't say ..." completed for each topic; {test} is e.g. "an MRI scan".
TOPIC_GAPS = {
    "what_is": "what {test} involves",
    "why": "why {test} is done",
    "preparation": "how to prepare for {test}",
    "arrival": "what happens when you arrive for {test}",
    "during": "what happens during {test}",
    "afterwards": "what happens after {test}",
    "duration": "how long {test} takes",
    "pain": "whether {test} hurts",
    "risks": "what the risks of {test} are",
    "results": "when the results of {test} come",
}

MONTHS = ("January February March April May June July August September October November December").split()


@dataclass(frozen=True)
class Reply:
    text: str
    source_ids: tuple[str, ...]
    answered: bool


def format_date(iso: str) -> str:
    """'2019-01-15' -> '15 January 2019'; '2018-09' -> 'September 2018'."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        return f"{parts[2]} {MONTHS[parts[1] - 1]} {parts[0]}"
    return f"{MONTHS[parts[1] - 1]} {parts[0]}"


def describe_source(source: Source, today: date) -> str:
    when = f"{source.date_label} {format_date(source.date)}" if source.date else "review date not stated"
    text = f"{source.publisher}, \u201c{source.title}\u201d ({when}"
    if source.next_review and source.next_review < today.isoformat():
        text += f"; its review was due {format_date(source.next_review)}"
    return text + ")"


def source_line(kb: KnowledgeBase, source_ids: Iterable[str], today: date) -> str:
    described = [describe_source(kb.sources[s], today) for s in dict.fromkeys(source_ids)]
    label = "Source" if len(described) == 1 else "Sources"
    return f"{label}: " + "; ".join(described) + "."


def _cited(facts: Iterable[Fact]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for fact in facts for s in fact.sources))


def _bullets(facts: Iterable[Fact]) -> str:
    return "\n".join(f"\u2022 {fact.text}" for fact in facts)


def clock(moment: time | datetime) -> str:
    """9am, 5pm, 5:30pm: the way UK patient leaflets write times."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def hours_text(helpline: Helpline) -> str:
    indexes = sorted(WEEKDAYS.index(d) for d in helpline.days)
    names = [WEEKDAYS[i].capitalize() for i in indexes]
    if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        days = f"{names[0]} to {names[-1]}"
    else:
        days = ", ".join(names)
    return f"{clock(helpline.opens)} to {clock(helpline.closes)}, {days}"


def helpline_sentence(helpline: Helpline) -> str:
    return f"the {helpline.name} on {helpline.cost} {helpline.phone} ({hours_text(helpline)}, UK time)"


def tel_link(helpline: Helpline) -> str:
    """A tel: URI in international form, for web chat links."""
    digits = "".join(ch for ch in helpline.phone if ch.isdigit())
    return "tel:+44" + digits[1:]


def procedure_answer(kb: KnowledgeBase, procedure_id: str, topic: str, today: date) -> Reply:
    procedure = kb.procedures[procedure_id]
    facts = procedure.topics[topic]
    if facts is None:
        gap = TOPIC_GAPS[topic].format(test=procedure.name_with_article)
        text = (
            f"I'm sorry, our sources don't say {gap}, so I can't tell you that. "
            "Please check your appointment letter or ask your care team. "
            f"You can also call {helpline_sentence(kb.helpline)}."
        )
        return Reply(text, tuple(kb.helpline.sources), answered=False)
    cited = _cited(facts)
    text = f"{procedure.title}: {TOPIC_HEADINGS[topic].lower()}\n{_bullets(facts)}\n{source_line(kb, cited, today)}"
    return Reply(text, cited, answered=True)


def general_answer(kb: KnowledgeBase, topic_id: str, today: date) -> Reply:
    topic = kb.general[topic_id]
    cited = _cited(topic.facts)
    body = _bullets(topic.facts)
    if topic.offer_helpline:
        body += f"\n\u2022 You can also call {helpline_sentence(kb.helpline)}."
        cited = tuple(dict.fromkeys(cited + kb.helpline.sources))
    text = f"{topic.title}\n{body}\n{source_line(kb, cited, today)}"
    return Reply(text, cited, answered=True)


def helpline_answer(kb: KnowledgeBase, status: HelplineStatus, today: date) -> Reply:
    helpline = kb.helpline
    when = status.next_change
    if status.is_open:
        state = f"The lines are open now, until {clock(when)} today."
    else:
        today_local = status.local_now.date()
        if when.date() == today_local:
            day = "today"
        elif when.date() == today_local + timedelta(days=1):
            day = "tomorrow"
        else:
            day = f"on {when:%A}"
        state = (
            f"The lines are closed right now. They open again {day} at {clock(when)}. "
            "Until then you can contact your specialist nurse or the doctor who arranged your test. "
            "If it is an emergency, call 999."
        )
    text = (
        f"You can talk to {helpline.name} on {helpline.cost} {helpline.phone}, "
        f"{hours_text(helpline)} (UK time). {state}\n{source_line(kb, helpline.sources, today)}"
    )
    return Reply(text, helpline.sources, answered=True)


ASK_WHICH_TEST = "Which test is your question about?"

ASK_REPHRASE = (
    "Sorry, I didn't quite understand. Could you say it another way? For example: "
    "\u201chow do I prepare for a bone scan?\u201d or \u201cwhen do I get my ultrasound results?\u201d"
)

OFFER_BUTTONS = [
    {"title": "Call a nurse", "payload": "/affirm"},
    {"title": "No thanks", "payload": "/deny"},
]


def offer_helpline_text(helpline: Helpline) -> str:
    return (
        "Sorry, I'm still not sure what you mean. You could talk to a nurse instead: "
        f"{helpline_sentence(helpline)}. Would you like the helpline details?"
    )


def negative_feedback_text(helpline: Helpline) -> str:
    return (
        "I'm sorry that didn't help, and thank you for telling me: the team reviews these conversations "
        "to improve my answers. You could ask again in other words, naming the test, for example "
        "\u201cwhen do I get my bone scan results?\u201d. Or talk to a nurse: "
        f"{helpline_sentence(helpline)}."
    )


def decline_diagnosis_text(helpline: Helpline) -> str:
    return (
        "I'm sorry, I can't give a diagnosis or explain what your own results mean: only the doctors "
        "and nurses who know your case can do that safely. Please ask the doctor who arranged your "
        f"test or your specialist nurse. You can also talk to {helpline_sentence(helpline)}."
    )


def no_answer_text(helpline: Helpline) -> str:
    return (
        "Sorry, I can't answer that right now because part of the assistant isn't responding. "
        f"Please try again in a minute. If you need to talk to someone, call {helpline_sentence(helpline)}."
    )


WELCOME_BUTTONS = [
    {"title": "How do I prepare for an ultrasound?", "payload": "how do I prepare for an ultrasound?"},
    {"title": "What is an octreotide scan?", "payload": "what is an octreotide scan?"},
    {"title": "Call a nurse", "payload": "/ask_nurse"},
]


def welcome_text(helpline: Helpline) -> str:
    return (
        "Hello. I can answer questions about imaging and other tests for neuroendocrine tumours (NETs): "
        "how to prepare, what happens, how long they take, whether they hurt, their risks and when "
        "results come. I can't give a diagnosis or read your results.\n"
        "This chat is not for emergencies: if you need urgent help, call 999.\n"
        f"To talk to a person, call {helpline_sentence(helpline)}."
    )
