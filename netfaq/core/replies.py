"""How answers are worded. Facts come from the knowledge base; this module only arranges them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from netfaq.core.answering import Section
from netfaq.core.hours import HelplineStatus
from netfaq.core.knowledge import Fact, Helpline, KnowledgeBase, Source
from netfaq.core.schema import WEEKDAYS
from netfaq.core.topics import GAP_QUESTIONS, TOPIC_GAPS, TOPIC_HEADINGS

MONTHS = ("January February March April May June July August September October November December").split()


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
    """The sources of the facts given, and a note for any written for people with another condition."""
    cited = list(dict.fromkeys(source_ids))
    described = [describe_source(kb.sources[s], today) for s in cited]
    label = "Source" if len(described) == 1 else "Sources"
    line = f"{label}: " + "; ".join(described) + "."
    for source in (kb.sources[s] for s in cited):
        if source.written_for:
            line += f" Note: this comes from a leaflet written for {source.written_for}, not for people with NETs."
    return line


def helpline_source_line(kb: KnowledgeBase, today: date) -> str:
    """Where the helpline's number and hours come from, apart from the facts' sources."""
    described = [describe_source(kb.sources[s], today) for s in kb.helpline.sources]
    return "Helpline details from: " + "; ".join(described) + "."


def _cited(facts: Iterable[Fact]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for fact in facts for s in fact.sources))


def _bullets(facts: Iterable[Fact]) -> str:
    return "\n".join(f"\u2022 {fact_text(fact)}" for fact in facts)


def fact_text(fact: Fact) -> str:
    """The fact, saying what our source said it of when that is not this test itself."""
    return f"{fact.text} (Our source says this of {fact.said_of}.)" if fact.said_of else fact.text


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


def section_text(kb: KnowledgeBase, section: Section, today: date) -> str:
    """One test's part of an answer (or the general facts): the facts with their sources; or what our
    sources don't say, with what they do say; or the closest facts, said to be possibly not the answer."""
    facts = [unit.fact for unit in section.units]
    cited = _cited(facts)
    helpline = f"{helpline_sentence(kb.helpline)}"
    if section.procedure is None:
        topics = {unit.topic for unit in section.units}
        title = kb.general[next(iter(topics))].title if len(topics) == 1 else "About NETs"
        body = _bullets(facts)
        lines = [title, body, source_line(kb, cited, today)]
        if any(kb.general[topic].offer_helpline for topic in topics):
            lines[1] += f"\n\u2022 You can also call {helpline}."
            lines.append(helpline_source_line(kb, today))
        return "\n".join(lines)
    test = kb.procedures[section.procedure].name_with_article
    if section.gap is not None:
        wording = TOPIC_GAPS.get(section.gap) or GAP_QUESTIONS.get(section.gap) or "that about {test}"
        text = (
            f"I'm sorry, our sources don't say {wording.format(test=test)}, so I can't tell you that. "
            f"Please check your appointment letter or ask your care team. You can also call {helpline}."
        )
        if facts:
            text += f"\nWhat our sources do say about {test}:\n{_bullets(facts)}\n{source_line(kb, cited, today)}"
        return f"{text}\n{helpline_source_line(kb, today)}"
    if section.partial:
        text = (
            f"I'm not sure our sources answer exactly that. This is what they say about {test} that comes "
            f"closest:\n{_bullets(facts)}\nIf that doesn't answer your question, please check your appointment "
            f"letter or ask your care team, or call {helpline}."
        )
        return f"{text}\n{source_line(kb, cited, today)}\n{helpline_source_line(kb, today)}"
    topics = {unit.topic for unit in section.units}
    heading = f": {TOPIC_HEADINGS[topics.pop()].lower()}" if len(topics) == 1 and section.units[0].procedure else ""
    return f"{kb.procedures[section.procedure].title}{heading}\n{_bullets(facts)}\n{source_line(kb, cited, today)}"


def emergency_notice(services: Mapping[str, str]) -> str:
    """The one line that says where to go instead of this chat (services from data/safety/emergency.yml)."""
    return (
        f"This chat is not for emergencies: in an emergency call {services['emergency_number']}; if it is "
        f"urgent but not an emergency, call {services['urgent_service']} on {services['urgent_number']}."
    )


def helpline_answer(kb: KnowledgeBase, status: HelplineStatus, today: date, services: Mapping[str, str]) -> str:
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
        closed = "The lines are closed right now."
        if status.bank_holiday and helpline.bank_holidays:
            closed = helpline.bank_holidays.notice.format(holiday=status.bank_holiday)
        state = (
            f"{closed} They open again {day} at {clock(when)}. "
            "Until then you can contact your specialist nurse or the doctor who arranged your test, or "
            f"{services['urgent_service']} on {services['urgent_number']} if it can't wait."
        )
    return (
        f"You can talk to {helpline.name} on {helpline.cost} {helpline.phone}, "
        f"{hours_text(helpline)} (UK time). {state}\n{source_line(kb, helpline.sources, today)}"
    )


ASK_WHICH_TEST = "Which test is your question about?"

OUT_OF_SCOPE = (
    "Sorry, I can only help with questions about imaging and other tests for neuroendocrine tumours "
    "(NETs): preparing for a test, what happens, how long it takes, whether it hurts, risks and "
    "results, plus some general information about NETs."
)

# Questions the assistant itself suggests: each must get a real answer from the sources
# (tests/test_e2e.py sends them all), never "our sources don't say".
REPHRASE_EXAMPLES = ("how long does an ultrasound take?", "when do I get my ultrasound results?")
FEEDBACK_EXAMPLE = "when do I get my liver ultrasound results?"
WELCOME_EXAMPLES = ("How do I prepare for an ultrasound?", "What is an octreotide scan?")
SUGGESTED_QUESTIONS = (*REPHRASE_EXAMPLES, FEEDBACK_EXAMPLE, *WELCOME_EXAMPLES)

ASK_REPHRASE = "Sorry, I didn't quite understand. Could you say it another way? For example: " + " or ".join(
    f"\u201c{example}\u201d" for example in REPHRASE_EXAMPLES
)


def which_test_buttons(kb: KnowledgeBase) -> list[dict[str, str]]:
    """One button per test; the REST channel accepts these payloads (netfaq/core/patient_request.py)."""
    return [{"title": p.title, "payload": f'/inform{{"procedure":"{p.id}"}}'} for p in kb.procedures.values()]


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
        f"\u201c{FEEDBACK_EXAMPLE}\u201d. Or talk to a nurse: "
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


def store_down_text(helpline: Helpline) -> str:
    return (
        "Sorry: I can't keep a record of our conversation just now, so I may not remember what you "
        "asked before, and this message has not been saved. Please try again later. If you need to "
        f"talk to someone, call {helpline_sentence(helpline)}."
    )


WELCOME_BUTTONS = [
    *({"title": example, "payload": example} for example in WELCOME_EXAMPLES),
    {"title": "Call a nurse", "payload": "/ask_nurse"},
]


def welcome_text(helpline: Helpline, services: Mapping[str, str], privacy_notice: str) -> str:
    return (
        "Hello. I can answer questions about imaging and other tests for neuroendocrine tumours (NETs): "
        "how to prepare, what happens, how long they take, whether they hurt, their risks and when "
        "results come. I can't give a diagnosis or read your results.\n"
        f"{emergency_notice(services)}\n"
        f"To talk to a person, call {helpline_sentence(helpline)}.\n"
        f"{privacy_notice}"
    )


def privacy_notice(path: Path, days: float) -> str:
    """The line that says what is kept, from data/safety/privacy.yml."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return " ".join(raw["notice"].split()).format(days=f"{days:g}")
