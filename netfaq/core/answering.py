"""Choose what to answer: which tests a message is about, and which facts answer it.

The intent (the kind of question) is a hint, not a gate: every fact is a unit the question can
match (netfaq/core/retrieval.py), by meaning (sentence embeddings) and by shared words. The answer
gives the facts that match best, whatever topic they are filed under, together with the best
facts of the intent's topic. A message that only names a test ("and for the MRI?") asks the
previous question again about it; a message that names no test is about the last one talked
about, or compares the last two ("which one takes longer?"). Where nothing matches well enough,
or the intent's topic is one our sources don't cover for that test, the answer says so.
No Rasa imports: the action server hands in the message and the conversation so far.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from netfaq.core.conversation import Turn
from netfaq.core.dialogue import (
    CONDITION_INTENT,
    CORRECTION_INTENT,
    DIAGNOSIS_INTENT,
    FALLBACK_INTENT,
    INFORM_INTENT,
    MORE_INTENT,
    OUT_OF_SCOPE_INTENT,
    QUESTION_PREFIX,
    REDIRECT_INTENT,
    REPEAT_INTENT,
    SIMPLER_INTENT,
    SUPPORT_INTENT,
)
from netfaq.core.knowledge import KnowledgeBase
from netfaq.core.not_covered import TREATMENT, Naming, NotCovered, Uncovered, default_not_covered
from netfaq.core.patient_words import PatientWords
from netfaq.core.procedure_finder import Mention, ProcedureFinder, stem
from netfaq.core.redirects import RedirectKinds, default_redirects, plain
from netfaq.core.retrieval import Encoder, FactIndex, FactUnit, fact_units
from netfaq.core.safety import about_own_case, asks_for_diagnosis
from netfaq.core.spelling import Speller, english_words
from netfaq.core.topics import GAP_QUESTIONS, TOPICS

UNCLEAR_INTENTS = (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)

ANSWERED = "answered"
DECLINE = "decline"  # a request for a diagnosis, a prognosis or a reading of results
# What naming a test on its own asks, when no question about it came before.
OVERVIEW_QUESTION = "what is it and why is it done?"
CLARIFY = "clarify"  # a question about a test, with no test known: ask which
OUT_OF_SCOPE = "out_of_scope"
NOT_UNDERSTOOD = "not_understood"
REDIRECT = "redirect"  # a request the assistant can't handle itself: where to go instead
NOT_COVERED = "not_covered"  # a test our sources don't describe (data/language/not_covered.yml)

SUITABILITY = "suitability"  # "can he still have the scan? he had a seizure": see GAP_QUESTIONS
MAX_PROCEDURES = 3
LOOK_BACK_TURNS = 6
TOPIC_FACTS = 3  # a part of a message asks about the topic whose best this many facts match it best


@dataclass(frozen=True)
class MatchSettings:
    """How facts are scored (cosine similarity of sentence embeddings plus shared words) and chosen."""

    # A fact's score: meaning_weight x cosine similarity of sentence embeddings + word_weight x the
    # share of the question's words found in it. Measured on the answer sets (bench/answers.py
    # --compare): meaning alone won, so words count only to confirm facts added to a gap answer.
    meaning_weight: float = 1.0
    word_weight: float = 0.0
    best_facts: int = 3  # the best-matching facts, whatever their topic
    topic_facts: int = 4  # the facts of the intent's topic, when the intent is confident
    max_facts: int = 5
    confident: float = 0.6  # intent confidence from which its topic's facts are always given
    margin: float = 0.12  # further best-matching facts must be within this of the best one
    # A fact of the intent's topic this much closer to the question than the topic's first fact
    # leads its answer: "can I still take my tablets?" gets the medicines fact first, "how do I
    # prepare?" the topic in order (measured: specific questions 0.15 to 0.27, broad ones 0 to 0.04).
    specific_lead: float = 0.1
    shared_words: float = 0.5  # share of the question's words a fact within twice the margin must have
    general_penalty: float = 0.05  # general facts in a test's answer must beat its own by this
    minimum: float = 0.30  # below this nothing answers the question
    hedge_below: float = 0.65  # below this the closest facts are given with a note that they may not answer it
    hedge_unshared_below: float = 0.75  # ... and below this too, when no fact given shares a word with the question
    override: float = 0.55  # a fact this close (sharing a word) is given even where the intent's topic is a gap
    general_fact_answers: float = 0.55  # a general fact this close answers a question that names no test
    general_worded: float = 0.40  # ... or this close, sharing most of the question's rarer words
    general_words: float = 0.75  # along a test's conversation, a general fact with this share of the
    word_lead: float = 0.4  # question's rarer words, this much more than the test's facts, answers it
    any_test: float = 0.65  # one test's fact this close answers a question that names no test ...
    distinct: float = 0.10  # ... if no other test's facts come within this
    # A redirect ("can I park there?") is taken unless a fact is closer to the message than the
    # closest redirect example by more than this: "had my PET scan this morning, what was the
    # injection?" is answered. Measured on the answer sets (bench/answers.py --compare --try).
    redirect_lead: float = 0.0
    # Called out of scope, or not understood, a message with `redirect` as the classifier's next
    # guess, this likely, gets the same test when its closest redirect example is this close, and
    # closer than any fact by this much.
    redirect_guess: float = 0.1
    redirect_guess_closeness: float = 0.5
    redirect_guess_lead: float = 0.05
    # A message asking two things at once: each part's closest fact leads when this close, and a part
    # whose closest redirect example beats its closest fact by this much adds that redirect.
    part_answer: float = 0.45
    part_topic: float = 0.35  # ... a part asks about a topic whose closest facts match it this well
    part_redirect_lead: float = 0.2
    focus_from_words: int = 25  # a message this long leads with the fact for the question it ends with
    faq: float = 0.80  # a FAQ asked this closely like one of its phrasings answers, whatever test is named
    # Two facts of one answer repeat each other when one holds this share of the other's words
    # ("more scans over the next 24 to 48 hours" is filed under both duration and during): the
    # later one is left out.
    repeated_words: float = 0.8
    # Someone the classifier thinks may be asking for support (among its first guesses, this likely)
    # gets the coping facts and the helpline rather than "which test?" or "I didn't understand".
    support_guess: float = 0.1
    follow_up: float = 0.45  # an unclear message about the last test needs a fact this close
    # A timing fact (fasting, results, later scans) this close to a message with a day in it means
    # the message asks about that timing; below, a day told asks for every timing worked out.
    timing_question: float = 0.3
    # A message the classifier thinks may tell when the test is (its intent or first guess, this
    # likely) is read for a day and time; with one, it gets the patient's own timeline.
    appointment_guess: float = 0.3
    question_cache: int = 4096  # questions whose embeddings are kept (0: none, as the benchmark runs)


def settings_from(spec: str) -> MatchSettings:
    """MatchSettings with some values changed: "word_weight=0.2,meaning_weight=0" (for comparing options)."""
    changes = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, value = item.partition("=")
        if name not in MatchSettings.__dataclass_fields__:
            raise ValueError(f"unknown match setting {name!r}; known: {', '.join(MatchSettings.__dataclass_fields__)}")
        kind = type(getattr(MatchSettings(), name))
        changes[name] = kind(float(value)) if kind is int else kind(value)
    return replace(MatchSettings(), **changes)


@dataclass(frozen=True)
class Section:
    """The answer for one test (or for none: general facts)."""

    procedure: str | None
    units: tuple[FactUnit, ...]
    gap: str | None = None  # the topic our sources don't cover for this test ("" for "that")
    partial: bool = False  # the closest facts, but none matches well: the answer says it may not fit
    also_not_said: tuple[str, ...] = ()  # other topics asked in the same message that our sources don't cover


@dataclass(frozen=True)
class Answer:
    kind: str
    sections: tuple[Section, ...] = ()
    topic: str | None = None  # the kind of question, remembered for a "which test?" that follows
    # For REDIRECT, the kind of request (data/hospital/redirects.yml); with ANSWERED, the kind of a
    # second request in the message, sent on after the facts.
    redirect: str | None = None
    short: bool = False  # "simpler please": each fact said shortly
    uncovered: tuple[Uncovered, ...] = ()  # treatments or tests named that our sources don't describe

    @property
    def procedures(self) -> tuple[str, ...]:
        return tuple(s.procedure for s in self.sections if s.procedure)


@dataclass(frozen=True)
class _Question:
    """What is matched against the facts: the message (or the question it follows up) and its topic."""

    texts: tuple[str, ...]  # the question, and it with the previous question when it names no test
    topic: str | None
    confident: bool
    bare: str = ""  # the question without the tests it names, for matching words
    own: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per test, the others left out
    condition_told: bool = False  # "I take insulin though": only facts naming the condition fit
    # A condition told in one sentence of several: each sentence without its tests, one of which a
    # fact naming the condition must share most words with.
    told_in: tuple[str, ...] = ()
    # The parts of a message asking two or more things, or the question a long message ends with:
    # each leads with its own fact.
    asks: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Reading:
    """A message understood: what it asks, the tests it names, and the tests it is about."""

    text: str  # short forms written out
    question: _Question
    named: tuple[str, ...]
    procedures: tuple[str, ...]
    about_tests: bool  # compares tests or points at one ("the first one")
    uncovered: tuple[Uncovered, ...] = ()  # named, and not described by our sources


def _within(mention: Mention, namings: Sequence[Naming], text: str) -> bool:
    """The mention lies in the words naming something not covered (a description: all its words)."""
    if mention.how == "description":
        spans = [stem(word) for n in namings for word in re.findall(r"[a-z0-9]+", text[n.start : n.end].lower())]
        return all(stem(word) in spans for word in mention.words)
    return any(n.start <= mention.start and mention.end <= n.end for n in namings)


def topic_of(intent: str | None) -> str | None:
    """ask_preparation -> preparation, for the question-kind intents; None otherwise."""
    if intent and intent.startswith(QUESTION_PREFIX) and intent[len(QUESTION_PREFIX) :] in TOPICS:
        return intent[len(QUESTION_PREFIX) :]
    return None


def knowledge_words(kb: KnowledgeBase) -> frozenset[str]:
    """Every word the knowledge base itself uses in facts and titles (British spellings included)."""
    texts = [unit.text for unit in fact_units(kb)] + [g.title for g in kb.general.values()]
    texts += [p.title for p in kb.procedures.values()]
    return frozenset(word for text in texts for word in re.findall(r"[a-z]+", text.lower()))


def our_speller(
    kb: KnowledgeBase, words: PatientWords, not_covered: NotCovered, english: frozenset[str], names: frozenset[str]
) -> Speller:
    """Misspellings are put right into the words of our facts, of how patients ask for a redirect
    and of data/language (test names, short forms, question words, treatments we don't cover)."""
    texts = [unit.text for unit in fact_units(kb)] + [p.title for p in kb.procedures.values()]
    texts += [g.title for g in kb.general.values()]
    texts += [plain(example) for examples in default_redirects().examples.values() for example in examples]
    texts += [" ".join(sorted(group)) for group in (words.follow_up_words, words.question_starts, words.stop_words)]
    texts += list(words.short_forms.values()) + not_covered.words()
    return Speller.from_texts(texts, english, never_into=names)


class Answerer:
    @classmethod
    def build(
        cls,
        kb: KnowledgeBase,
        encoder: Encoder,
        words: PatientWords,
        settings: MatchSettings = MatchSettings(),
        known: dict[str, np.ndarray] | None = None,
    ) -> Answerer:
        """An answerer for this knowledge base; `known` holds fact passages already embedded."""
        finder = ProcedureFinder(kb, encoder.words() | knowledge_words(kb))
        index = FactIndex(kb, encoder, words.content_words, known)
        kinds = RedirectKinds(default_redirects(), encoder)
        speller = our_speller(kb, words, default_not_covered(), english_words(encoder.words()), finder.one_word_names())
        return cls(kb, index, finder, words, encoder, settings, kinds, default_not_covered(), speller)

    def __init__(
        self,
        kb: KnowledgeBase,
        index: FactIndex,
        finder: ProcedureFinder,
        words: PatientWords,
        encoder: Encoder,
        settings: MatchSettings = MatchSettings(),
        redirect_kinds: RedirectKinds | None = None,
        not_covered: NotCovered | None = None,
        speller: Speller | None = None,
    ):
        self.kb, self.index, self.finder, self.words = kb, index, finder, words
        self.speller = speller or Speller(Counter(), frozenset())
        self.redirect_kinds = redirect_kinds or RedirectKinds(default_redirects(), encoder)
        self.not_covered = not_covered or default_not_covered()
        self.encoder, self.settings = encoder, settings
        self._embedded = lru_cache(maxsize=settings.question_cache)(self._embed)
        self._this_answer: dict[str, np.ndarray] = {}  # each text is embedded once per answer, cache or not
        # Per answer: for each part of the message, the redirect it asks for, else the topic it asks about.
        self._parts: dict[str, tuple[str | None, str | None]] = {}
        # General topics that answer only messages worded a certain way, with their facts' numbers.
        self._worded = [
            (topic, [i for i in index.indexes(None) if index.units[i].topic == topic.id])
            for topic in kb.general.values()
            if topic.asked_with
        ]
        self._faq_units = [i for i in index.indexes(None) if kb.general[index.units[i].topic].asked_as]
        # The words that describe each test: its descriptions, and its facts saying what it is.
        self._describing = {
            test.id: frozenset(
                word
                for text in (*test.described_as, *(fact.text for fact in test.topics.get("what_is") or ()))
                for word in words.content_words(text)
            )
            for test in kb.procedures.values()
        }

    def _embed(self, text: str) -> np.ndarray:
        return self.encoder.encode([text])[0]

    def _vectors(self, texts: tuple[str, ...]) -> np.ndarray:
        for text in texts:
            if text not in self._this_answer:
                self._this_answer[text] = self._embedded(text)
        return np.stack([self._this_answer[text] for text in texts])

    def answer(self, turn: Turn, history: Sequence[Turn] = (), last_facts: Sequence[str] = ()) -> Answer:
        """`last_facts`: the keys of the facts the last answer gave (the conversation's state)."""
        # Synchronous from here to the return, so one answer's texts never mix with another's.
        self._this_answer, self._parts = {}, {}
        answer = self._answer(turn, history, last_facts)
        support = self._general_topic(SUPPORT_INTENT)
        if answer.kind in (CLARIFY, NOT_UNDERSTOOD, OUT_OF_SCOPE) and support and self._may_need_support(turn):
            # The support topic's own facts only: the message matched no fact well.
            units = [i for i in self.index.indexes(None) if self.index.units[i].topic == support]
            return Answer(ANSWERED, (Section(None, self._units(units)),))
        return answer

    def tests_meant(self, turn: Turn, history: Sequence[Turn] = ()) -> tuple[str, ...]:
        """The tests a message is about, named or from the conversation ("it's on Friday at 2")."""
        self._this_answer, self._parts = {}, {}
        return self._read(turn, history).procedures

    def timing_closeness(self, text: str, figures: Sequence[str]) -> list[tuple[float, str]]:
        """How close in meaning the message is to each timing fact (a fact stating one of `figures`,
        of any test), closest first, with the fact's topic: "fasting from when?" is closest to a
        fasting fact (preparation), "which days do I keep free?" to the later scans'."""
        self._this_answer, self._parts = {}, {}
        asked = self._bare(text)  # what, not which test
        scores = self.similarities(_Question((asked,), None, False))
        wanted = set(figures)
        closeness = [
            (float(scores[i]), u.topic) for i, u in enumerate(self.index.units) if wanted & set(u.fact.figures)
        ]
        return sorted(closeness, reverse=True)

    def timing_topic(self, text: str, figures: Sequence[str]) -> str | None:
        """The topic of the timing fact the message asks about, if one is close enough."""
        closest = self.timing_closeness(text, figures)
        return closest[0][1] if closest and closest[0][0] >= self.settings.timing_question else None

    def _bare(self, text: str) -> str:
        """The message spelt right, without the tests it names."""
        spelled = self._spelled(text)
        return self.finder.without_mentions(spelled, self.finder.find(spelled))

    def _spelled(self, text: str) -> str:
        """Short forms written out and misspelt words put right ("hw lng dose it tkae")."""
        return self.speller.correct(self.words.expand(text))

    def _may_need_support(self, turn: Turn) -> bool:
        """Whether the classifier's first guesses include someone asking for support: "this is all
        too much" (taken for "simpler please", not sure) is met kindly, not with "which test?"."""
        guesses = [(turn.intent, turn.confidence), *turn.guesses][:3]
        return any(name == SUPPORT_INTENT and confidence >= self.settings.support_guess for name, confidence in guesses)

    def _sure_general(self, turn: Turn) -> bool:
        """Whether the classifier is sure the message is a general question, if not which one:
        "who can I talk to about the waiting?" is the nurse (0.58) or coping (0.42), about no test."""
        guesses = [(turn.intent, turn.confidence), *turn.guesses]
        return sum(confidence for name, confidence in guesses if self._general_topic(name)) >= self.settings.confident

    def _may_be_redirect(self, turn: Turn) -> bool:
        """Whether the classifier took the message for a request to go elsewhere, or, calling it out
        of scope or not understanding it, had that as its next guess: "can I get my parking
        refunded?" called out of scope (0.66) with `redirect` second. The redirect's examples and
        the facts then decide."""
        if turn.intent == REDIRECT_INTENT:
            return turn.confidence >= self.settings.confident
        guessed = [confidence for name, confidence in turn.guesses[:1] if name == REDIRECT_INTENT]
        return turn.intent in UNCLEAR_INTENTS and bool(guessed) and guessed[0] >= self.settings.redirect_guess

    def _answer(self, turn: Turn, history: Sequence[Turn], last_facts: Sequence[str]) -> Answer:
        sure = turn.confidence >= self.settings.confident
        if self._may_be_redirect(turn):
            kind, closeness = self._nearest_redirect(self._spelled(turn.text))
            reading = self._read(turn, history)
            # Comparing the tests talked about, or pointing at one ("which one is quicker?"), is a
            # question about them, whatever the classifier heard.
            about_the_tests = reading.about_tests and bool(reading.procedures)
            # Only guessed, the request must also be like one of the examples ("help with my son's
            # maths homework" is nearest the medicines examples, at 0.20) and clearly closer to it
            # than to any fact ("what was the injection they gave me?": 0.585 against 0.583).
            guessed = turn.intent != REDIRECT_INTENT
            like_one = not guessed or closeness >= self.settings.redirect_guess_closeness
            lead = self.settings.redirect_guess_lead if guessed else self.settings.redirect_lead
            if like_one and not about_the_tests and closeness - self._closest_fact(reading) >= lead:
                if not self._asks_the_facts(reading.text):
                    return Answer(REDIRECT, redirect=kind)
            if turn.intent == REDIRECT_INTENT:
                turn = replace(turn, intent=None, confidence=0.0)  # a question the facts answer
        if turn.intent in (REPEAT_INTENT, SIMPLER_INTENT, MORE_INTENT) and sure:
            named = set(self.finder.procedures(self._spelled(turn.text)))
            if not named - self._procedures_of(last_facts):
                if last_facts:
                    return self._about_the_last_answer(turn, last_facts)
            elif (earlier := self._latest_answered_about(named, history)) is not None:
                # "what did you say about the PET?" after an answer about the echo: the PET's answer again.
                return self._answer(history[earlier], history[:earlier], ())
        reading = self._read(turn, history)
        if reading.uncovered and turn.intent != DIAGNOSIS_INTENT:
            return self._with_uncovered(turn, reading, history)
        if turn.intent != DIAGNOSIS_INTENT:
            return self._with_part_redirect(self._respond(turn, reading, history), reading)
        if asks_for_diagnosis(turn.text) or about_own_case(turn.text):
            return Answer(DECLINE)  # their own findings, a prognosis or a choice of treatment
        # Worded like a diagnosis request but about nobody's case ("is it always cancer?"): answer
        # it if a fact matches closely, else decline all the same.
        answer = self._respond(Turn(turn.text, None, 0.0, turn.named, turn.answered), reading, history)
        if reading.about_tests and len(reading.procedures) == 2:
            return answer  # "which of the two is more accurate?" compares tests; it reads no one's results
        # Along a test's conversation, the message as written: "so is it cancer then?" after a bone
        # scan answer, matched as a question about bone scans, would find bone scan facts close.
        # Written without the test, a message about it matches less closely: the follow-up bar applies.
        question, needed = reading.question, self.settings.override
        if reading.procedures and not reading.named:
            question, needed = replace(question, texts=(reading.text,), own={}), self.settings.follow_up
        best = 0.0
        for section in answer.sections if answer.kind == ANSWERED else ():
            if section.gap is None and not section.partial:
                named = section.procedure if section.procedure in reading.named else None
                scores = self.similarities(question, named)
                best = max([best] + [float(scores[self.index.by_key[u.key]]) for u in section.units])
        return answer if best >= needed else Answer(DECLINE)

    def _with_uncovered(self, turn: Turn, reading: _Reading, history: Sequence[Turn]) -> Answer:
        """A treatment or test our sources don't describe is named: with one of our tests, that test's
        facts and a word that the other is not covered; alone, general facts that answer the message
        (how NETs are treated), else the treatment redirect or "our sources don't describe it"."""
        if not reading.named and not reading.question.condition_told:
            # "does lanreotide affect it?" is not about the scan; "I'm on chemo" told after an answer
            # about a scan asks whether that scan suits them.
            reading = replace(reading, procedures=())
        answer = self._respond(turn, reading, history)
        if answer.kind == ANSWERED and (reading.named or reading.question.condition_told or not answer.procedures):
            return replace(answer, uncovered=reading.uncovered)
        if any(thing.kind == TREATMENT for thing in reading.uncovered):
            return Answer(REDIRECT, redirect=self.not_covered.treatment_redirect)
        return Answer(NOT_COVERED, uncovered=reading.uncovered)

    def _read(self, turn: Turn, history: Sequence[Turn]) -> _Reading:
        """What the message asks and which tests it is about, with the conversation so far."""
        text = self._spelled(turn.text)
        mentions = self.finder.find(text)
        if any(m.how == "hint" for m in mentions) and self._remembered(history, two=False):
            mentions = []  # "is the gel cold?" is about the test talked about, not a guess from "gel"
        namings = self.not_covered.find(text)
        uncovered = tuple(dict.fromkeys(n.thing for n in namings))
        told = list(turn.named)
        if namings:
            # "octreotide" in "my octreotide injection" names a treatment, not the scan; the tests
            # Rasa's entities found are kept only where a mention outside those words confirms them.
            mentions = [m for m in mentions if not _within(m, namings, text)]
            told = [p for p in told if p in {m.procedure for m in mentions}]
        named = list(dict.fromkeys([m.procedure for m in mentions] + told))[:MAX_PROCEDURES]
        if len(named) > 1:
            # "I've got a bone scan and an echo coming up. What's the bone scan for?" asks about one.
            questions = self.words.questions_beside_telling(text)
            asked = [
                m.procedure for q in questions for m in self.finder.find(q) if m.how not in ("description", "hint")
            ]
            named = [p for p in named if p in asked] or named
        corrected = self.finder.corrected(text, mentions)
        topic = topic_of(turn.intent)
        confident = topic is not None and turn.confidence >= self.settings.confident
        told_condition = turn.intent == CONDITION_INTENT and turn.confidence >= self.settings.confident
        if told_condition or self.words.asks_suitability(text):
            # "I take insulin though", after an answer: whether they can have the test in focus as
            # they are, which our sources never say; the facts that mention it are given.
            topic, confident = SUITABILITY, True
        texts = [corrected]
        carried_asks: tuple[str, ...] = ()
        bare = self.finder.without_mentions(text, mentions)
        own: dict[str, tuple[str, ...]] = {}
        if len(named) > 1:
            own = {p: (self.finder.corrected(text, mentions, only=p),) for p in named}
        if turn.intent == CORRECTION_INTENT and named:
            # "sorry, I meant the bone scan, not the PET": the test it names that was not just answered.
            last = self._remembered(history, two=False)
            named = [p for p in named if p not in last] or named
        names_only = bool(named) and (self._only_names(text, mentions) or self.words.only_follow_up_words(text))
        # A test named or described right after "which test?" (a question that no test answered)
        # answers it: "the one where they put the cold jelly on your belly".
        answers_which = bool(named) and topic is None and self._asked_which_test(history)
        if names_only or answers_which or (named and turn.intent in (INFORM_INTENT, CORRECTION_INTENT)):
            previous = self._previous_question(history)
            own = {}
            # After a question that only said there is a test ("I've got a scan next week"), naming
            # the test asks what it is and why it is done.
            vague = (
                previous is not None
                and previous.topic is None
                and self.words.means_a_test(previous.texts[0])
                and not self.finder.find(previous.texts[0])  # "how lng dose an ultrsound tkae" asked something
            )
            if previous is not None and not vague:
                texts, topic, confident, bare = [previous.texts[0]], previous.topic, previous.confident, previous.bare
                carried_asks = previous.asks
            elif topic is None:
                texts, topic, confident, bare = [OVERVIEW_QUESTION], "what_is", True, ""
        elif not named and not confident:
            # Unsure what is asked ("what about for children?"): matched with the question before too.
            previous = self._previous_question(history)
            if previous is not None:
                texts.append(f"{previous.texts[0]} {corrected}")
        pointed = self.words.points_at(text)
        comparing = self.words.compares(text) and pointed is None
        if comparing and self.words.compared_topic(text):
            topic, confident = self.words.compared_topic(text), True  # "which is quicker?": duration
        elif (comparing or pointed is not None) and topic is None and not named:
            previous = self._previous_question(history)
            if previous is not None:  # "which of them hurts?" after a question: what was asked before
                topic, confident = previous.topic, previous.confident
        procedures = named or self._remembered(history, two=comparing or pointed is not None)
        if pointed is not None and not named and len(procedures) == 2:
            # The pair in the order the tests came up; "the other one" is not the one just answered.
            last = self._remembered(history, two=False)
            procedures = (
                [p for p in procedures if p not in last]
                if pointed == "other"
                else [procedures[0 if pointed == "first" else 1]]
            )
        elif pointed in ("first", "second") and len(named) == 2:
            # "I've an octreotide scan and a bone scan: what happens in the first one?"
            procedures = [named[0 if pointed == "first" else 1]]
        if comparing and len(named) == 1:
            # "how is it different from a normal ultrasound?": the test talked about, and this one.
            procedures = [p for p in self._remembered(history, two=False) if p not in named] + named
        sentences = self.words.sentences(turn.text) if told_condition else []
        told_in = tuple(self._bare(sentence) for sentence in sentences) if len(sentences) > 1 else ()
        # The asks of the question before, when its question is asked again ("and the heart one?").
        asks = self._asks(text, corrected, mentions) if texts[0] == corrected else carried_asks
        return _Reading(
            text=text,
            question=_Question(
                tuple(texts),
                topic,
                confident,
                bare=bare,
                own=own,
                condition_told=told_condition,
                asks=asks,
                told_in=told_in,
            ),
            named=tuple(named),
            procedures=tuple(procedures),
            about_tests=comparing or pointed is not None,
            uncovered=uncovered,
        )

    def _respond(self, turn: Turn, reading: _Reading, history: Sequence[Turn]) -> Answer:
        question, text = reading.question, reading.text
        general_topic = self._general_topic(turn.intent)
        faq = self._faq_section(question) if self._faq_units else None
        if faq is not None:
            return Answer(ANSWERED, (faq,), question.topic)
        if not reading.procedures:
            return self._without_a_test(turn, text, question, general_topic)
        sections = tuple(self._section(p, question) for p in reading.procedures)
        if (
            reading.about_tests
            and len(sections) == 2
            and not reading.named
            and self.words.compared_topic(text) is None
            and not self.words.means_both(text)
        ):
            # "which of them is the one where they put gel on me?" (of the two talked about): one
            # of them, when its facts fit clearly better; "what's the difference between them?"
            # fits both alike.
            # Matched as written: the tests' names, put before the message, would make both fit.
            fits = self._fits_as_written(_Question((text,), None, False), reading.procedures)
            if abs(fits[0] - fits[1]) >= self.settings.distinct:
                sections = (sections[0 if fits[0] > fits[1] else 1],)
        if not reading.named and not reading.about_tests and not question.confident:
            # Only the conversation says which test: make sure the message is really about it, and
            # not a general question ("does everyone have the same tests?") asked along the way.
            best = max(self._best(p, question) for p in reading.procedures)
            # The message alone: joined to the test question before it, it would not be general.
            alone = replace(question, texts=question.texts[:1])
            general = self._general_section(alone, general_topic)
            # A confident general intent ("I'm so anxious waiting") wins unless the test's facts
            # match clearly better; otherwise general facts must match clearly better.
            lean = -1 if general_topic and self._sure_general(turn) else 1
            # Sure it is general, the test's facts are matched as the general ones are, without the
            # test's name put before the message, which makes any message look like it is about it.
            rival = best if lean > 0 else max(self._fits_as_written(alone, reading.procedures))
            if general is not None and (
                self._section_score(general, alone) > rival + lean * self.settings.general_penalty
                or self._worded_better(general, reading.procedures, question)
            ):
                return Answer(ANSWERED, (general,), question.topic)
            if turn.intent in UNCLEAR_INTENTS and best < self.settings.follow_up:
                return self._without_a_test(turn, text, question, general_topic)
            unsure = turn.intent in UNCLEAR_INTENTS or turn.intent == SUPPORT_INTENT
            if unsure and self._may_need_support(turn) and not self.words.is_question(text):
                # "this is all too much", unclear or taken for support without being sure, joined to
                # the question before would match that question's facts: someone who may be
                # struggling, and asks nothing, is answered on their own words.
                if max(self._fits_as_written(alone, reading.procedures)) < self.settings.follow_up:
                    return self._without_a_test(turn, text, alone, general_topic)
        return Answer(ANSWERED, sections, question.topic)

    def _procedures_of(self, facts: Sequence[str]) -> set[str]:
        return {self.index.units[self.index.by_key[key]].procedure for key in facts if key in self.index.by_key}

    @staticmethod
    def _latest_answered_about(named: set[str], history: Sequence[Turn]) -> int | None:
        """The latest earlier message whose reply was about one of the tests named."""
        latest_first = range(len(history) - 1, -1, -1)
        return next((i for i in latest_first if history[i].text and named & set(history[i].answered)), None)

    def _about_the_last_answer(self, turn: Turn, last_facts: Sequence[str]) -> Answer:
        """ "say that again" (or "what did you say about the injection?": the facts that mention it),
        "simpler please" (the same facts, in plain words where we have them), "tell me more" (every
        fact of the last answer's topic for each of its tests)."""
        units = [self.index.units[self.index.by_key[key]] for key in last_facts if key in self.index.by_key]
        if not units:
            return Answer(NOT_UNDERSTOOD)
        if turn.intent == MORE_INTENT:
            wanted = {(u.procedure, u.topic) for u in units}
            units = [u for u in self.index.units if (u.procedure, u.topic) in wanted]
        elif turn.intent == REPEAT_INTENT:
            asked = self.words.asked_part(turn.text)
            about = [u for u in units if asked & set(self.words.content_words(u.text))]
            units = about or units
        sections = tuple(
            Section(procedure, self._units([self.index.by_key[u.key] for u in units if u.procedure == procedure]))
            for procedure in dict.fromkeys(u.procedure for u in units)
        )
        return Answer(ANSWERED, sections, units[0].topic, short=turn.intent == SIMPLER_INTENT)

    def similarities(self, question: _Question, procedure: str | None = None) -> np.ndarray:
        """How well each fact answers the question (asked about `procedure` when one is given)."""
        texts = list(question.own.get(procedure, question.texts) if procedure else question.texts)
        if procedure is not None:
            name = self.kb.procedures[procedure].name
            texts = [t if name.lower() in t.lower() else f"{name}: {t}" for t in texts]
        s = self.settings
        score = np.zeros(len(self.index.units), dtype=np.float32)
        if s.meaning_weight:
            score += s.meaning_weight * self.index.similarities_many(self._vectors(tuple(texts))).max(axis=0)
        if s.word_weight:
            score += s.word_weight * np.max([self.index.word_overlap(t) for t in texts], axis=0)
        for topic, numbers in self._worded:
            if not any(topic.answers(t) for t in question.texts):
                score[numbers] = 0.0
        return score

    def _section(self, procedure: str, question: _Question) -> Section:
        s = self.settings
        scores = self.similarities(question, procedure)
        own = self.index.indexes(procedure)
        general = self.index.indexes(None)
        ranked = sorted(own + general, key=lambda i: -(scores[i] - s.general_penalty * (i in general)))
        facts = self.kb.procedures[procedure].topics
        uncovered = question.topic in GAP_QUESTIONS or (question.topic in facts and facts[question.topic] is None)
        if uncovered and question.confident:
            # Only facts that match closely and share a meaningful word with the question ("is it
            # radioactive?": the tracer is a very small amount of a radioactive substance), so a
            # results question is not answered with the scan's timings.
            shared = self.index.word_overlap(question.bare)
            # A condition told ("I take insulin though") needs facts naming it, not ones sharing
            # "take"; or the one fact closest on meaning, if close ("I can't lie flat": "you may be
            # able to sit up instead"). Told in one sentence of several ("I'm having another
            # ultrasound next month. I'm type 1 diabetic, will the fasting be a problem?"), that
            # sentence's words are the ones a fact must share.
            if question.told_in:
                shared = np.max([shared, *(self.index.word_overlap(t) for t in question.told_in)], axis=0)
            needed = s.shared_words if question.condition_told else 1e-6
            strong = [i for i in ranked if scores[i] >= s.override and shared[i] >= needed]
            if question.condition_told and ranked[0] not in strong and scores[ranked[0]] >= s.hedge_below:
                strong.insert(0, ranked[0])
            leads, gaps = self._part_answers(procedure, question)
            strong = list(dict.fromkeys(leads + strong[: s.best_facts]))[: s.max_facts]
            also = tuple(gap for gap in gaps if gap != question.topic)
            return Section(procedure, self._units(strong), gap=question.topic, also_not_said=also)
        if not ranked or scores[ranked[0]] < s.minimum:
            return Section(procedure, (), gap="")
        leads, gaps = self._part_answers(procedure, question)
        chosen = list(dict.fromkeys(leads + self._choose(ranked, scores, question, own)))[: s.max_facts]
        # Not sure it answers the question when no fact is close, or when only the test's name makes
        # them close: none shares a meaningful word with the question ("how much does a PET cost?").
        shared = self.index.word_overlap(question.bare)
        unsupported = question.bare.strip() and not any(shared[i] > 0 for i in chosen)
        partial = scores[ranked[0]] < s.hedge_below or (unsupported and scores[ranked[0]] < s.hedge_unshared_below)
        return Section(procedure, self._units(chosen), partial=bool(partial), also_not_said=gaps)

    def _choose(self, ranked: list[int], scores: np.ndarray, question: _Question, own: list[int]) -> list[int]:
        """With a confident intent, its topic's facts in the knowledge base's order (the first says
        what matters most), then the best-matching others; otherwise the best-matching facts first."""
        s = self.settings
        top = scores[ranked[0]]
        best = [i for i in ranked if scores[i] >= top - s.margin][: s.best_facts]
        # A fact that shares most of the question's rarer words ("what kind of camera?": "a gamma
        # camera") is given too when it is not far behind.
        shared = self.index.word_overlap(question.bare)
        best += [
            i for i in ranked if i not in best and shared[i] >= s.shared_words and scores[i] >= top - 2 * s.margin
        ][:1]
        if not question.confident:
            return best
        whole_topic = [i for i in own if self.index.units[i].topic == question.topic]
        in_topic = whole_topic[: s.topic_facts]
        closest = max(whole_topic, key=lambda i: scores[i], default=None)
        if closest is not None and scores[closest] - scores[whole_topic[0]] >= s.specific_lead:
            in_topic = [closest, *[i for i in in_topic if i != closest][: s.topic_facts - 1]]
        return (in_topic + [i for i in best if i not in in_topic])[: s.max_facts]

    def _part_answers(self, procedure: str, question: _Question) -> tuple[list[int], tuple[str, ...]]:
        """For each part of a message asking several things (or the question a long one ends with),
        this test's closest fact in the topic the part asks about, and the topics asked that our
        sources don't cover for this test. The topic is the one whose closest facts, of any test,
        match the part best ("does it hurt?": pain); when none does clearly ("how long is that"),
        the part's closest fact of this test leads if close. A part we send elsewhere has neither."""
        leads: list[int] = []
        gaps: list[str] = []
        for ask in question.asks:
            redirect, topic = self._part(ask)
            if redirect is not None:
                continue
            scores = self.similarities(_Question((ask,), None, False), procedure)
            own = self.index.indexes(procedure)
            if topic is not None and self.kb.procedures[procedure].topics.get(topic, 0) is None:
                gaps.append(topic)
                continue
            candidates = [i for i in own if topic is None or self.index.units[i].topic == topic]
            best = max(candidates, key=lambda i: scores[i], default=None)
            if best is not None and (topic is not None or scores[best] >= self.settings.part_answer):
                leads.append(best)
        return leads, tuple(dict.fromkeys(gaps))

    def _part(self, ask: str) -> tuple[str | None, str | None]:
        """What one part of a message asks, worked out once per answer: the redirect it asks for,
        or else the topic it asks about."""
        if ask not in self._parts:
            redirect = self._part_redirect(ask)
            self._parts[ask] = (redirect, None if redirect is not None else self._topic_asked(ask))
        return self._parts[ask]

    def _topic_asked(self, ask: str) -> str | None:
        """The topic whose closest facts (of any test, the best `TOPIC_FACTS`) match a question best
        on average, if they match it well enough."""
        bare = self.finder.without_mentions(ask, self.finder.find(ask))
        scores = self.similarities(_Question((bare,), None, False))
        by_topic: dict[str, list[float]] = {}
        for number, unit in enumerate(self.index.units):
            if unit.procedure is not None:
                by_topic.setdefault(unit.topic, []).append(float(scores[number]))
        means = {topic: float(np.mean(sorted(found)[-TOPIC_FACTS:])) for topic, found in by_topic.items()}
        topic = max(means, key=means.__getitem__, default=None)
        return topic if topic is not None and means[topic] >= self.settings.part_topic else None

    def _asks_the_facts(self, text: str) -> bool:
        """Whether the questions of a message that also tells something are each closer to a fact
        than to any redirect example: "How long will I be lying there for the ultrasound? My husband
        pays for the parking by the hour" asks how long, and tells why it matters."""
        questions = self.words.questions_beside_telling(text)
        return bool(questions) and all(self._redirect_lead(q)[1] < 0 for q in questions)

    def _nearest_redirect(self, text: str) -> tuple[str, float]:
        """The redirect kind nearest the message, embedded once per answer as the facts' texts are."""
        return self.redirect_kinds.nearest_to(self._vectors((text,))[0])

    def _redirect_lead(self, text: str) -> tuple[str, float]:
        """The redirect kind nearest a text, and how much closer its example is than the closest fact."""
        kind, closeness = self._nearest_redirect(text)
        return kind, closeness - float(self.similarities(_Question((text,), None, False)).max())

    def _part_redirect(self, ask: str) -> str | None:
        """The redirect one part of a message asks for ("where do I park?"), if its closest redirect
        example beats its closest fact by `part_redirect_lead`."""
        kind, lead = self._redirect_lead(ask)
        return kind if lead >= self.settings.part_redirect_lead else None

    def _with_part_redirect(self, answer: Answer, reading: _Reading) -> Answer:
        """An answer to a message that also asks for something we send elsewhere ("do I fast for it
        and where do I park?"): that part's redirect goes with the facts."""
        if answer.kind != ANSWERED or not reading.question.asks:
            return answer
        kinds = [kind for kind, _ in map(self._part, reading.question.asks) if kind is not None]
        return replace(answer, redirect=kinds[0]) if kinds else answer

    def _closest_fact(self, reading: _Reading) -> float:
        """How close the best fact is to the message as written. Not joined to the question before
        and not prefixed with the test talked about: facts name their test, so either would make
        "can I bring it forward a week?" look like a question about the test."""
        return float(self.similarities(replace(reading.question, texts=(reading.text,), own={})).max())

    def _best(self, procedure: str, question: _Question) -> float:
        scores = self.similarities(question, procedure)
        own = self.index.indexes(procedure)
        return float(scores[own].max()) if own else 0.0

    def _faq_section(self, question: _Question) -> Section | None:
        """A FAQ asked (nearly) as one of its phrasings: "can I bring someone to my MRI?" belongs to
        no single test, so it answers even when a test is named or remembered."""
        scores = self.similarities(replace(question, texts=question.texts[:1]))
        best = max(self._faq_units, key=lambda i: scores[i])
        if scores[best] < self.settings.faq:
            return None
        topic = self.index.units[best].topic
        return Section(None, self._units([i for i in self._faq_units if self.index.units[i].topic == topic]))

    def _general_section(self, question: _Question, general_topic: str | None) -> Section | None:
        """General facts (about NETs, not one test) that answer the question, if any do well enough."""
        s = self.settings
        scores = self.similarities(question)
        general = self.index.indexes(None)
        ranked = sorted(general, key=lambda i: -scores[i])
        if not ranked:
            return None
        if general_topic is None and scores[ranked[0]] < s.general_fact_answers:
            if question.confident:
                return None  # a question about one test's topic ("when do I get my results?")
            # Less close, but sharing most of the question's rarer words ("does everyone have the
            # same tests?": "not everyone goes through the same tests").
            shared = self.index.word_overlap(question.bare)
            worded = [i for i in ranked if scores[i] >= s.general_worded and shared[i] >= s.shared_words]
            return Section(None, self._units(worded[: s.best_facts])) if worded else None
        if general_topic:
            # A general topic is broad ("what is a NET?"): all its facts, then the best of the others.
            # The best-matching fact comes first when it is filed under another general topic and
            # matches clearly better than the topic's own.
            chosen = [i for i in general if self.index.units[i].topic == general_topic]
            others = [i for i in ranked if i not in chosen and scores[i] >= scores[ranked[0]] - s.margin]
            best_in_topic = max((scores[i] for i in chosen), default=-1.0)
            leads = others and others[0] == ranked[0] and scores[ranked[0]] - best_in_topic >= s.margin
            lead = others[:1] if leads else []
            room = max(0, s.max_facts - len(chosen) - len(lead))
            return Section(None, self._units(lead + chosen + others[len(lead) : len(lead) + room]))
        chosen = [i for i in ranked if scores[i] >= scores[ranked[0]] - s.margin][: s.best_facts]
        return Section(None, self._units(sorted(chosen[: s.max_facts])))

    def _worded_better(self, general: Section, procedures: Sequence[str], question: _Question) -> bool:
        """Whether general facts share most of the question's rarer words and the remembered
        tests' facts share far fewer: a general question asked along the way."""
        shared = self.index.word_overlap(question.bare)
        general_words = max(float(shared[self.index.by_key[u.key]]) for u in general.units)
        test_words = max(float(shared[i]) for p in procedures for i in self.index.indexes(p))
        s = self.settings
        return general_words >= s.general_words and general_words - test_words >= s.word_lead

    def _fits_as_written(self, question: _Question, procedures: Sequence[str]) -> list[float]:
        """How well each test's facts match the message as written (no test's name put before it)."""
        scores = self.similarities(replace(question, own={}))
        return [float(scores[self.index.indexes(p)].max()) for p in procedures]

    def _section_score(self, section: Section, question: _Question) -> float:
        scores = self.similarities(question)
        return max(float(scores[self.index.by_key[u.key]]) for u in section.units)

    def _without_a_test(self, turn: Turn, text: str, question: _Question, general_topic: str | None) -> Answer:
        general = self._general_section(question, general_topic)
        # "I've got a scan next week" asks which test; "why do I need so many scans?", which the
        # classifier is sure is a general question, does not.
        sure_general = general_topic is not None and turn.confidence >= self.settings.confident
        vague = (
            self.words.means_a_test(text)
            and question.topic is None
            and not sure_general
            and not self._general_match(question)
        )
        if general is not None and not vague:
            return Answer(ANSWERED, (general,), question.topic)
        distinct = self._distinct_procedure(question)
        if distinct is not None and not self.words.means_a_test(text):
            return Answer(ANSWERED, (self._section(distinct, question),), question.topic)
        if self.words.means_a_test(text) or (question.topic is not None and self._near_any_fact(question)):
            return Answer(CLARIFY, topic=question.topic)
        if turn.intent == OUT_OF_SCOPE_INTENT or question.topic is not None:
            return Answer(OUT_OF_SCOPE)
        return Answer(NOT_UNDERSTOOD)

    def _general_match(self, question: _Question) -> bool:
        """Whether a general fact matches the question well, whatever the intent said."""
        scores = self.similarities(question)
        general = self.index.indexes(None)
        return bool(general) and float(scores[general].max()) >= self.settings.general_fact_answers

    def _near_any_fact(self, question: _Question) -> bool:
        """Whether a question that names no test is like any fact at all: "where can I get a covid
        booster?" (called a question about a test by the classifier) is not."""
        scores = self.similarities(question)
        return bool(len(scores)) and float(scores.max()) >= self.settings.minimum

    def _distinct_procedure(self, question: _Question) -> str | None:
        """The one test whose facts match a question that names none far better than any other's
        ("what is an isotope?"); None when several fit ("is it painful?")."""
        scores = self.similarities(question)
        best: dict[str, float] = {}
        for number, unit in enumerate(self.index.units):
            if unit.procedure is not None:
                best[unit.procedure] = max(best.get(unit.procedure, -1.0), float(scores[number]))
        ranked = sorted(best.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] < self.settings.any_test:
            return None
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < self.settings.distinct:
            return None
        return ranked[0][0]

    def _units(self, numbers: list[int]) -> tuple[FactUnit, ...]:
        """The facts to give, leaving out any that repeats one before it."""
        kept: list[int] = []
        words = self.index.contained
        for i in numbers:
            if not any(max(words[i, k], words[k, i]) >= self.settings.repeated_words for k in kept):
                kept.append(i)
        return tuple(self.index.units[i] for i in kept)

    def _general_topic(self, intent: str | None) -> str | None:
        if intent and intent.startswith(QUESTION_PREFIX) and intent[len(QUESTION_PREFIX) :] in self.kb.general:
            return intent[len(QUESTION_PREFIX) :]
        return None

    def _asks(self, text: str, corrected: str, mentions: Sequence[Mention]) -> tuple[str, ...]:
        """Each question of a message asking several, each to get its own fact; or the question a
        long message, or one describing its test, ends with: "the scan with the cold jelly on your
        belly, how long is that" asks how long, whatever the jelly is like."""
        # A part that only names its test ("what about the heart one, does it hurt?") asks nothing.
        several = tuple(part for part in self.words.asks(corrected) if not self._only_names(part))
        if len(several) > 1:
            return several
        described = any(m.how in ("description", "hint") for m in mentions)
        long = len(text.split()) >= self.settings.focus_from_words
        focus = self.words.question_part(corrected) if described or long else None
        return (focus,) if focus else ()

    def _only_names(self, text: str, mentions: Sequence[Mention] | None = None) -> bool:
        """Whether the message names or describes tests and nothing else ("and the heart one with the
        sound waves?"): no word is left but filler and, for a test described, words that describe it
        (its descriptions and what it is)."""
        mentions = self.finder.find(text) if mentions is None else mentions
        if not mentions:
            return False
        named = {m.procedure for m in mentions}
        rest = self.finder.without_mentions(text, list(mentions))
        if self.words.only_follow_up_words(rest):
            return True
        if not any(m.how == "description" for m in mentions):
            return False
        describing = set().union(*(self._describing[p] for p in named))
        return all(word in describing for word in self.words.content_words(rest))

    def _previous_question(self, history: Sequence[Turn]) -> _Question | None:
        """The last question asked before, skipping turns that only named a test."""
        for past in list(history)[::-1][:LOOK_BACK_TURNS]:
            text = self._spelled(past.text)
            mentions = self.finder.find(text)
            if mentions and self.words.only_follow_up_words(self.finder.without_mentions(text, mentions)):
                continue
            topic = topic_of(past.intent)
            if topic or past.intent in UNCLEAR_INTENTS or self._general_topic(past.intent):
                confident = topic is not None and past.confidence >= self.settings.confident
                bare = self.finder.without_mentions(text, mentions)
                corrected = self.finder.corrected(text, mentions)
                asks = self._asks(text, corrected, mentions)
                return _Question((corrected,), topic, confident, bare=bare, asks=asks)
        return None

    def _asked_which_test(self, history: Sequence[Turn]) -> bool:
        """Whether the last message was a question about a test that no test was known for."""
        if not history:
            return False
        last = history[-1]
        asked = topic_of(last.intent) or last.intent in UNCLEAR_INTENTS or self._general_topic(last.intent)
        return not last.answered and not last.named and bool(asked)

    def _remembered(self, history: Sequence[Turn], two: bool) -> list[str]:
        """The last test talked about, or the last two in the order they first came up."""
        recent = list(history)[-LOOK_BACK_TURNS:]
        seen: list[str] = []
        for past in recent[::-1]:
            # The tests answered about first, then the others it named ("I've an octreotide scan
            # and a bone scan; what happens in the first one?" ... "and the other one?").
            for procedure in [*reversed(past.answered), *reversed(past.named)]:
                if procedure in self.kb.procedures and procedure not in seen:
                    seen.append(procedure)
        if not two:
            return seen[:1]
        first_mention = [p for past in recent for p in (*past.named, *past.answered)]
        return sorted(seen[:2], key=first_mention.index)
