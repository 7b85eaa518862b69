"""How answers are worded. Facts come from the knowledge base; this module only arranges them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from netfaq.core.answering import Section
from netfaq.core.freshness import format_date, is_overdue, probably_stale
from netfaq.core.hours import HelplineStatus
from netfaq.core.knowledge import Fact, Helpline, KnowledgeBase, Source
from netfaq.core.redirects import HELPLINE_PLACE, Redirects
from netfaq.core.retrieval import sentences
from netfaq.core.schema import WEEKDAYS
from netfaq.core.topics import GAP_QUESTIONS, TOPIC_GAPS, TOPIC_HEADINGS, TOPICS


def describe_source(source: Source, today: date) -> str:
    """Publisher (and what it is, where that matters), title and date, flagged when the review is
    overdue, or when a page gives no review date and is probably out of date (netfaq/core/freshness.py)."""
    when = f"{source.date_label} {format_date(source.date)}" if source.date else "review date not stated"
    text = f"{source.publisher_named}, \u201c{source.title}\u201d ({when}"
    if is_overdue(source, today):
        text += f"; its review was due {format_date(source.next_review or '')}"
    elif probably_stale(source, today):
        text += "; no review date given, so it may be out of date"
    return text + ")"


def source_line(kb: KnowledgeBase, source_ids: Iterable[str], today: date) -> str:
    """The sources of the facts given. With one source written for people with another condition,
    the note is said here, once; with several, beside each fact it concerns (`_bullets`)."""
    cited = list(dict.fromkeys(source_ids))
    described = [describe_source(kb.sources[s], today) for s in cited]
    label = "Source" if len(described) == 1 else "Sources"
    line = f"{label}: " + "; ".join(described) + "."
    if len(cited) == 1 and kb.sources[cited[0]].written_for:
        line += f" {other_condition_note(kb.sources[cited[0]])}"
    return line


def other_condition_note(source: Source) -> str:
    return f"Note: this comes from a leaflet written for {source.written_for}, not for people with NETs."


def more_about_sources_line(kb: KnowledgeBase, source_ids: Iterable[str]) -> str | None:
    """The full references (authors, journal, DOI) of the sources that have one, on one line."""
    cited = [kb.sources[s].citation for s in dict.fromkeys(source_ids) if kb.sources[s].citation]
    return "More about the sources: " + " ".join(cited) if cited else None


def helpline_citation(kb: KnowledgeBase) -> str:
    """Where the helpline's number and hours come from, said briefly (the full sources are in
    `netfaq freshness` and in the answer about our sources)."""
    publishers = list(dict.fromkeys(kb.sources[s].publisher_named for s in kb.helpline.sources))
    return f"Helpline details from {' and '.join(publishers)}."


def _cited(facts: Iterable[Fact]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for fact in facts for s in fact.sources))


def _bullets(kb: KnowledgeBase, facts: Iterable[Fact]) -> str:
    """One bullet a fact; where the facts come from several sources, a fact from a leaflet written
    for another condition says so beside it, not at the end of the sources' line."""
    facts = list(facts)
    mixed = len(_cited(facts)) > 1
    lines = []
    for fact in facts:
        notes = [other_condition_note(kb.sources[s]) for s in fact.sources if mixed and kb.sources[s].written_for]
        lines.append(" ".join([f"\u2022 {fact_text(fact)}", *(f"({note})" for note in notes)]))
    return "\n".join(lines)


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


def section_text(kb: KnowledgeBase, section: Section, today: date, short: bool = False) -> str:
    """One test's part of an answer (or the general facts): the facts with their sources; or what our
    sources don't say, with what they do say; or the closest facts, said to be possibly not the answer.
    `short` ("simpler please"): each fact in plain words (where a fact has no plain version, its
    first sentence, which says what matters most)."""
    facts = [unit.fact for unit in section.units]
    if short:
        facts = [replace(fact, text=fact.plain or sentences(fact.text)[0]) for fact in facts]
    cited = _cited(facts)
    helpline = f"{helpline_sentence(kb.helpline)}"
    if section.procedure is None:
        topics = {unit.topic for unit in section.units}
        title = kb.general[next(iter(topics))].title if len(topics) == 1 else "About NETs"
        body = _bullets(kb, facts)
        lines = [title, body, source_line(kb, cited, today)]
        if any(kb.general[topic].offer_helpline for topic in topics):
            lines[1] += f"\n\u2022 You can also call {helpline}."
            lines.append(helpline_citation(kb))
        more = more_about_sources_line(kb, cited)
        if more and any(kb.general[topic].cite_in_full for topic in topics):
            lines.append(more)
        return "\n".join(lines)
    test = kb.procedures[section.procedure].name_with_article
    not_said = [_not_said(topic, test) for topic in section.also_not_said]
    if section.gap is not None:
        unsaid = " or ".join([_not_said(section.gap, test), *not_said])
        text = (
            f"I'm sorry, our sources don't say {unsaid}, so I can't tell you that. "
            f"Please check your appointment letter or ask your care team. You can also call {helpline}."
        )
        if facts:
            text += f"\nWhat our sources do say about {test}:\n{_bullets(kb, facts)}\n{source_line(kb, cited, today)}"
        return f"{text}\n{helpline_citation(kb)}"
    if section.partial:
        text = (
            f"I'm not sure our sources answer exactly that. This is what they say about {test} that comes "
            f"closest:\n{_bullets(kb, facts)}\nIf that doesn't answer your question, please check your appointment "
            f"letter or ask your care team, or call {helpline}."
        )
        return f"{text}\n{source_line(kb, cited, today)}\n{helpline_citation(kb)}"
    topics = {unit.topic for unit in section.units}
    heading = f": {TOPIC_HEADINGS[topics.pop()].lower()}" if len(topics) == 1 and section.units[0].procedure else ""
    body = _bullets(kb, facts)
    if short:  # someone who found the answer hard: a person can explain it
        body += f"\nIf anything is still not clear, your care team can explain it, or you can call {helpline}."
    text = f"{kb.procedures[section.procedure].title}{heading}\n{body}\n{source_line(kb, cited, today)}"
    if not_said:
        text += (
            f"\nOur sources don't say {' or '.join(not_said)}: please check your appointment letter or ask "
            f"your care team, or call {helpline}."
        )
    return text


def _not_said(topic: str, test: str) -> str:
    """ "how long an MRI scan takes": what our sources don't say, for a topic of a test."""
    return (TOPIC_GAPS.get(topic) or GAP_QUESTIONS.get(topic) or "that about {test}").format(test=test)


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
        f"{hours_text(helpline)} (UK time). {state}\n{helpline_citation(kb)}"
    )


ASK_WHICH_TEST = "Which test is your question about?"


# Questions the assistant itself suggests: each must get a real answer from the sources
# (tests/test_e2e.py sends them all), never "our sources don't say".
REPHRASE_EXAMPLES = ("how long does an ultrasound take?", "when do I get my ultrasound results?")
FEEDBACK_EXAMPLE = "when do I get my liver ultrasound results?"
WELCOME_EXAMPLES = ("How do I prepare for an ultrasound?", "What is an octreotide scan?")
SOURCES_EXAMPLE = "Where does your information come from?"  # answered by data/knowledge/faqs/our_sources.yml
SUGGESTED_QUESTIONS = (*REPHRASE_EXAMPLES, FEEDBACK_EXAMPLE, *WELCOME_EXAMPLES, SOURCES_EXAMPLE)

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


def redirect_text(redirects: Redirects, kind: str, helpline: Helpline) -> str:
    """Where to go for a request the assistant can't handle (data/hospital/redirects.yml)."""
    return redirects.replies[kind].replace("{" + HELPLINE_PLACE + "}", helpline_sentence(helpline))


def out_of_scope_text(redirects: Redirects, helpline: Helpline) -> str:
    """What the assistant answers, and where anything else goes (data/hospital/redirects.yml)."""
    return redirects.out_of_scope.replace("{" + HELPLINE_PLACE + "}", helpline_sentence(helpline))


def not_covered_text(names: list[str], helpline: Helpline) -> str:
    """A test our sources don't describe ("liver function tests"): said so, never another test's facts."""
    return (
        f"I'm sorry, our sources don't describe {_listed(names)}, so I can't tell you about "
        f"{'it' if len(names) == 1 else 'them'}. Please ask your care team, or call {helpline_sentence(helpline)}."
    )


def uncovered_note(names: list[str]) -> str:
    """After the facts about one of our tests, for a treatment or test named beside it."""
    return (
        f"Our sources don't describe {_listed(names)}, so the facts above don't cover "
        f"{'it' if len(names) == 1 else 'them'}: please ask your care team, GP or pharmacist about "
        f"{'it' if len(names) == 1 else 'them'}."
    )


def erase_refused_text() -> str:
    return (
        "I can't delete this conversation from here: it can only be deleted from the browser tab it "
        "was started in. Nothing has been deleted. If you need it deleted, please ask the hospital: "
        "its staff can delete it for you."
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


# What can be asked about a test, topic by topic, as the welcome says it.
TOPIC_ASKED = {
    "what_is": "what the test is",
    "why": "why it is done",
    "preparation": "how to prepare",
    "arrival": "what happens when you arrive",
    "during": "what happens during it",
    "afterwards": "what happens afterwards",
    "duration": "how long it takes",
    "pain": "whether it hurts",
    "risks": "the risks",
    "results": "when results come",
}
_WHAT_HAPPENS = ("arrival", "during", "afterwards")  # said together as "what happens"


def _listed(items: list[str], last: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _asked(topics: list[str], last: str = "and") -> str:
    phrases = [TOPIC_ASKED[t] for t in topics]
    if all(t in topics for t in _WHAT_HAPPENS):
        first = min(topics.index(t) for t in _WHAT_HAPPENS)
        phrases = [p for t, p in zip(topics, phrases, strict=True) if t not in _WHAT_HAPPENS]
        phrases.insert(first, "what happens")
    return _listed(phrases, last)


def coverage_lines(kb: KnowledgeBase) -> list[str]:
    """What our sources let us answer for which test, worked out from the knowledge base: the topics
    every test has facts on; the tests with facts on every topic; and, for the others, the topics
    only those tests have facts on (for a patient, how to prepare and when results come)."""
    tests = list(kb.procedures.values())
    covered = {topic: [p.id for p in tests if p.topics.get(topic)] for topic in TOPICS}
    everywhere = [t for t in TOPICS if len(covered[t]) == len(tests)]
    complete = [p for p in tests if all(p.topics.get(t) for t in TOPICS)]
    others = [p for p in tests if p not in complete]
    lines = []
    if everywhere:
        lines.append(f"For all {len(tests)} tests: {_asked(everywhere)}.")
    if complete and others:
        more = [t for t in TOPICS if t not in everywhere]
        names = _listed([p.name_with_article for p in complete])
        lines.append(f"For {names}: also {_asked(more)}.")
        only_theirs = [t for t in more if set(covered[t]) <= {p.id for p in complete}]
        missing = f", and not {_asked(only_theirs, 'or')}" if only_theirs else ""
        lines.append(f"For the other {len(others)} tests: only some of that{missing}.")
    elif others:
        lines.append("Beyond that, our sources cover different things for different tests.")
    return [f"\u2022 {line}" for line in lines]


def welcome_text(kb: KnowledgeBase, services: Mapping[str, str], privacy_notice: str) -> str:
    """The opening message: what we can answer for which test (from the knowledge base), what we
    can't do, where to go in an emergency, the helpline, and what is kept."""
    coverage = "\n".join(coverage_lines(kb))
    return (
        "Hello. I answer questions about tests for neuroendocrine tumours (NETs), from a few patient "
        f"leaflets and other sources. They say more about some tests than others:\n{coverage}\n"
        "When our sources don't cover something, I'll say so and tell you who to ask. Each answer names "
        f"its source: to find out more about them, ask \u201c{SOURCES_EXAMPLE}\u201d "
        "I can't give a diagnosis or read your results.\n"
        f"{emergency_notice(services)}\n"
        f"To talk to a person, call {helpline_sentence(kb.helpline)}.\n"
        f"{privacy_notice}"
    )


def privacy_notice(path: Path, days: float) -> str:
    """The line that says what is kept, from data/safety/privacy.yml."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return " ".join(raw["notice"].split()).format(days=f"{days:g}")
