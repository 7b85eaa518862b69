"""How easy our answers are to read: the Flesch reading ease of every answer the knowledge base can give.

Flesch reading ease = 206.835 - 1.015 x (words per sentence) - 84.6 x (syllables per word). About 60
to 70 is plain English (read at 13 to 15); 70 to 80 fairly easy (12 to 13); 80 and above easy. NHS
patient information aims at a reading age of 9 to 11. Syllables are counted with a small heuristic
(groups of vowels, a silent final "e" dropped), close enough to compare one wording with another;
the figure is for comparing our answers over time, not a certified measure.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from netfaq.core import replies
from netfaq.core.answering import Section
from netfaq.core.hours import helpline_status
from netfaq.core.knowledge import KnowledgeBase
from netfaq.core.redirects import default_redirects
from netfaq.core.retrieval import fact_units
from netfaq.core.topics import TOPICS

_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019\-/][A-Za-z0-9]+)*")
# A sentence ends at . ! or ? (with any closing bracket or quote) before a space, or at the end of a
# line (a heading, a bullet).
_SENTENCE_END = re.compile(r"[.!?][)\"\u201d\u2019]*\s+|\n+")
_VOWELS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Syllables in one word, by a heuristic: groups of vowels, less a silent final "e"; a number or
    a word with digits counts as one; a hyphenated word as the sum of its parts."""
    if any(ch.isdigit() for ch in word):
        return 1
    parts = [p for p in re.split(r"[-/]", word.lower()) if p]
    return sum(_part_syllables(re.sub(r"[^a-z]", "", p)) for p in parts) or 1


def _part_syllables(word: str) -> int:
    if len(word) <= 3:
        return 1
    if word.endswith("e") and not re.search(r"[^aeiouy]le$|ee$|ie$|ye$", word):
        word = word[:-1]  # a silent "e" ("scope", "whole"), not "table" or "free"
    elif word.endswith("es") and not word.endswith(("ses", "zes", "ces", "ges", "xes", "shes", "ches")):
        word = word[:-2]  # "tubes", not "passes"
    elif word.endswith("ed") and not word.endswith(("ted", "ded")):
        word = word[:-2]  # "scanned", not "tested"
    if word.startswith("y"):
        word = word[1:]
    count = len(_VOWELS.findall(word))
    count += len(_SPLIT_VOWELS.findall(word))  # "bi-op-sy", "di-a-be-tes" (not "-tion", "-cial")
    return max(1, count)


# Two vowels said apart, inside one group of vowels.
_SPLIT_VOWELS = re.compile(r"(?<![tscx])io|(?<![ct])ia|iu|ua(?![aeiouy])")


def words_in(text: str) -> list[str]:
    return _WORD.findall(text)


def sentences_in(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if words_in(s)]


def flesch_reading_ease(text: str) -> float:
    """Flesch reading ease of a text (higher is easier); 0-word texts score 100."""
    words = words_in(text)
    if not words:
        return 100.0
    sentences = max(1, len(sentences_in(text)))
    syllable_count = sum(syllables(w) for w in words)
    return 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (syllable_count / len(words))


@dataclass(frozen=True)
class Scored:
    name: str
    text: str
    score: float


def score_all(answers: Iterable[tuple[str, str]]) -> list[Scored]:
    """Each answer with its reading ease, hardest first."""
    return sorted((Scored(name, text, flesch_reading_ease(text)) for name, text in answers), key=lambda s: s.score)


def summary(scored: list[Scored], worst: int = 10) -> dict[str, object]:
    """The median and the `worst` hardest answers, for the benchmark report."""
    return {
        "answers": len(scored),
        "median": round(statistics.median(s.score for s in scored), 1) if scored else None,
        "worst": [{"name": s.name, "score": round(s.score, 1), "text": s.text} for s in scored[:worst]],
    }


def possible_answers(
    kb: KnowledgeBase, today: date, services: Mapping[str, str], privacy: str
) -> list[tuple[str, str]]:
    """Every answer the knowledge base can give, named: each test's facts on each topic, each topic
    our sources don't cover, each test's "not sure" answer, each general topic, the helpline answer
    (open and closed), the welcome and the fixed replies. `services` and `privacy` fill the welcome."""
    units = fact_units(kb)
    answers: list[tuple[str, str]] = []
    for procedure in kb.procedures.values():
        for topic in TOPICS:
            mine = tuple(u for u in units if u.procedure == procedure.id and u.topic == topic)
            section = Section(procedure.id, mine) if mine else Section(procedure.id, (), gap=topic)
            answers.append((f"{procedure.id}/{topic}", replies.section_text(kb, section, today)))
        what_is = tuple(u for u in units if u.procedure == procedure.id and u.topic == "what_is")
        partial = Section(procedure.id, what_is, partial=True)
        answers.append((f"{procedure.id}/not sure", replies.section_text(kb, partial, today)))
    for general in kb.general.values():
        mine = tuple(u for u in units if u.procedure is None and u.topic == general.id)
        answers.append((f"general/{general.id}", replies.section_text(kb, Section(None, mine), today)))
    for label, hour in (("open", 10), ("closed", 20)):
        moment = datetime(today.year, today.month, today.day, hour, tzinfo=ZoneInfo(kb.helpline.timezone))
        status = helpline_status(kb.helpline, moment)
        answers.append((f"helpline ({label})", replies.helpline_answer(kb, status, today, services)))
    answers += [
        ("welcome", replies.welcome_text(kb, services, privacy)),
        ("which test?", replies.ASK_WHICH_TEST),
        ("out of scope", replies.out_of_scope_text(default_redirects(), kb.helpline)),
        ("rephrase", replies.ASK_REPHRASE),
        ("decline diagnosis", replies.decline_diagnosis_text(kb.helpline)),
        ("offer helpline", replies.offer_helpline_text(kb.helpline)),
        ("negative feedback", replies.negative_feedback_text(kb.helpline)),
    ]
    return answers
