"""Emergency wording matcher and replies, independent of the intent classifier."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Collection, Protocol, Sequence

import yaml

from netfaq.core.paths import DIAGNOSIS_FILE, SAFETY_FILE

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")


EMERGENCY = "emergency"  # 999 or A&E
CRISIS = "crisis"  # thoughts of suicide or self-harm: Samaritans, NHS 111's mental health option, 999 if in danger
URGENT = "urgent"  # NHS 111: needs advice soon, not life-threatening
LEVELS = (EMERGENCY, CRISIS, URGENT)  # most serious first
NOTHING_URGENT = "none"  # the category of a look-alike in the emergency model's bank
# Levels whose signs are judged whatever their tense: a thought of suicide "for months", "sometimes"
# or "before, but never this bad" is not over the way last year's chest pain is.
TIMELESS_LEVELS = (CRISIS,)


@dataclass(frozen=True)
class EmergencyRules:
    services: dict[str, str]  # names and numbers of the services the advice points to
    categories: dict[str, tuple[re.Pattern[str], ...]]
    levels: dict[str, str]
    replies: dict[str, str]
    reminders: dict[str, str]  # said with the next answers after this kind of emergency ("": unknown kind)
    general_reply: str
    closing: str
    hypothetical: tuple[re.Pattern[str], ...]
    conditional: tuple[re.Pattern[str], ...]
    past: tuple[re.Pattern[str], ...]
    still_happening: tuple[re.Pattern[str], ...]
    deferral: tuple[re.Pattern[str], ...]
    deferral_reply: str
    short_forms: dict[str, str]
    negation: tuple[re.Pattern[str], ...]
    fine_after: tuple[re.Pattern[str], ...]
    figurative: tuple[re.Pattern[str], ...]
    questions: tuple[re.Pattern[str], ...]

    def level(self, category: str | None) -> str:
        """999 (`emergency`) or NHS 111 (`urgent`); the classifier's own emergencies are 999."""
        return self.levels.get(category or "", EMERGENCY)

    def reply(self, category: str | None, also: tuple[str, ...] = ()) -> list[str]:
        """What to say, in order: the advice for this kind of emergency, the reminders of any other
        kinds in the same message (self-harm's crisis line beside heavy bleeding), the closing line."""
        reminders = [self.reminders[other] for other in also if other != category and other in self.reminders]
        return [self.replies.get(category or "", self.general_reply), *dict.fromkeys(reminders), self.closing]

    def advice(self, category: str | None, also: tuple[str, ...] = ()) -> str:
        """The whole emergency reply as one message."""
        return "\n".join(self.reply(category, also))

    def advice_again(self, category: str | None, also: tuple[str, ...] = ()) -> str:
        """What to say when the patient puts off the advice just given."""
        return f"{self.deferral_reply}\n{self.advice(category, also)}"


_WORD = re.compile(r"[a-z0-9]+")
_WORD_LIST = re.compile(r"<([a-z_]+)>")  # a named list of words in a pattern: <person>
_CLAUSE_END = re.compile(r"[.?!;()\n]+")


def normalise(text: str, short_forms: dict[str, str] | None = None) -> str:
    """Lower case, no apostrophes ("can't" is "cant"), short forms written out ("rn": "right now")."""
    clean = _APOSTROPHES.sub("", text.lower())
    if short_forms:
        clean = _WORD.sub(lambda m: short_forms.get(m.group(), m.group()), clean)
    return " ".join(clean.split())


def clauses(clean: str) -> list[str]:
    """The sentences of a message, so "I had chest pain last year" is judged apart from the rest."""
    return [part.strip() for part in _CLAUSE_END.split(clean) if part.strip()]


def load_rules(path: Path = SAFETY_FILE) -> EmergencyRules:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))

    words = {str(name): f"(?:{alternatives})" for name, alternatives in (raw.get("words") or {}).items()}

    def with_words(pattern: str, where: str) -> str:
        def expand(match: re.Match[str]) -> str:
            if match.group(1) not in words:
                raise ValueError(f"{path}: {where}: unknown word list <{match.group(1)}> in {pattern!r} (see words:)")
            return words[match.group(1)]

        return _WORD_LIST.sub(expand, pattern)

    def compile_all(patterns: list[str], where: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(with_words(pattern, where)))
            except re.error as error:
                raise ValueError(f"{path}: {where}: bad pattern {pattern!r}: {error}") from error
        return tuple(compiled)

    services = {str(k): str(v) for k, v in raw["services"].items()}

    def worded(text: str, where: str) -> str:
        try:
            return " ".join(text.format_map(services).split())
        except (KeyError, ValueError) as error:
            raise ValueError(f"{path}: {where}: unknown service {error} (see services:)") from error

    categories = raw["categories"]
    levels = {name: c.get("level", EMERGENCY) for name, c in categories.items()}
    for name, level in levels.items():
        if level not in LEVELS:
            raise ValueError(f"{path}: category '{name}': level must be one of {', '.join(LEVELS)}, not {level!r}")
    return EmergencyRules(
        services=services,
        categories={name: compile_all(c["patterns"], f"category '{name}'") for name, c in categories.items()},
        levels=levels,
        replies={name: worded(c["reply"], f"category '{name}'") for name, c in categories.items()},
        reminders={
            **{name: worded(c["reminder"], f"category '{name}'") for name, c in categories.items() if "reminder" in c},
            "": worded(raw["general_reminder"], "general_reminder"),
        },
        general_reply=worded(raw["general_reply"], "general_reply"),
        closing=worded(raw["closing"], "closing"),
        hypothetical=compile_all(raw["hypothetical"], "hypothetical"),
        conditional=compile_all(raw.get("conditional", []), "conditional"),
        past=compile_all(raw["past"], "past"),
        still_happening=compile_all(raw["still_happening"], "still_happening"),
        deferral=compile_all(raw["deferral"], "deferral"),
        deferral_reply=worded(raw["deferral_reply"], "deferral_reply"),
        short_forms={str(k): str(v) for k, v in (raw.get("short_forms") or {}).items()},
        negation=compile_all(raw["negation"], "negation"),
        fine_after=compile_all(raw["fine_after"], "fine_after"),
        figurative=compile_all(raw["figurative"], "figurative"),
        questions=compile_all(raw["questions"], "questions"),
    )


@lru_cache(maxsize=1)
def default_rules() -> EmergencyRules:
    return load_rules()


def _any(patterns: tuple[re.Pattern[str], ...], clean: str) -> bool:
    return any(pattern.search(clean) for pattern in patterns)


def _not_now(clause: str, message: str, rules: EmergencyRules) -> bool:
    """Whether the signs in `clause` are asked about, past or supposed, judging by the whole message too."""
    ongoing = _any(rules.still_happening, message)
    asked_about = _any(rules.hypothetical, clause) and not ongoing
    over = _any(rules.past, clause) and not ongoing
    return asked_about or over or (_any(rules.conditional, message) and not ongoing)


def asks_about_something(text: str | None, rules: EmergencyRules | None = None) -> bool:
    """Whether the message is a question ("what are blood markers?") rather than a report of signs."""
    rules = rules or default_rules()
    return bool(text) and _any(rules.questions, normalise(text, rules.short_forms))


def not_happening_now(text: str | None, rules: EmergencyRules | None = None) -> bool:
    """A question about what could happen, a "what if", or signs that are over."""
    if not text:
        return False
    rules = rules or default_rules()
    clean = normalise(text, rules.short_forms)
    return _not_now(clean, clean, rules)


def detect_emergency(text: str | None, rules: EmergencyRules | None = None) -> str | None:
    """The emergency category the message describes as happening now, or None."""
    found = detect_emergencies(text, rules)
    return found[0] if found else None


def detect_emergencies(text: str | None, rules: EmergencyRules | None = None) -> tuple[str, ...]:
    """Every category the message's wording describes as happening now, the most serious level
    first, each level in the file's order ("I've been self-harming ... there's a lot of blood":
    bleeding, self-harm).

    Each sentence is judged on its own: in "having chest pain rn. had my echo last week", the echo
    was last week but the chest pain is now.
    """
    if not text:
        return ()
    rules = rules or default_rules()
    clean = normalise(text, rules.short_forms)
    for pattern in rules.figurative:
        clean = pattern.sub(" ", clean)
    # A question ("is the injection painful?") is not an urgent problem unless it says it is
    # happening now; red flags count in questions too ("is this a heart attack? my chest is crushing").
    asking = _any(rules.questions, clean) and not _any(rules.still_happening, clean)
    found: list[str] = []
    for level in LEVELS:
        if level == URGENT and asking:
            continue
        timeless = level in TIMELESS_LEVELS
        for clause in clauses(clean):
            for category, regexes in rules.categories.items():
                if rules.levels[category] != level or category in found:
                    continue
                if _signs(regexes, clause, rules) and (timeless or not _not_now(clause, clean, rules)):
                    found.append(category)
    return tuple(found)


class Finding(Protocol):
    """What the emergency model found in one part of a message (netfaq/nlu/emergency_model.py)."""

    level: str
    category: str
    segment: str


def triage(
    text: str | None,
    findings: Sequence[Finding] = (),
    overruled: Collection[str] = (),
    rules: EmergencyRules | None = None,
) -> tuple[str, ...]:
    """The categories to answer, the most serious first (its advice is given; the others' reminders
    follow): those of the wording patterns and those the emergency model found by meaning.

    A physical sign the model found in a part of the message that is asked about, past or supposed
    (the patterns' own test) is dropped. The patterns' signs of an `overruled` level are dropped:
    the model is sure nothing of that level is described (a question about what counts as an
    allergic reaction, the app "not responding", "a bit breathless today" for 999). Thoughts of
    suicide or self-harm are never dropped.
    """
    if not text:
        return ()
    rules = rules or default_rules()
    clean = normalise(text, rules.short_forms)
    found = [
        c
        for c in detect_emergencies(text, rules)
        if rules.level(c) in TIMELESS_LEVELS or rules.level(c) not in overruled
    ]
    for finding in findings:
        segment = normalise(finding.segment, rules.short_forms)
        if finding.level in TIMELESS_LEVELS or not _not_now(segment, clean, rules):
            found.append(finding.category)
    rank = {level: i for i, level in enumerate(LEVELS)}
    return tuple(sorted(dict.fromkeys(found), key=lambda category: rank[rules.level(category)]))


def emergency_advice(text: str | None, rules: EmergencyRules | None = None) -> str | None:
    """The 999 (or 111, or Samaritans) advice for a message whose wording describes an emergency
    happening now, or None: for when the rest of the assistant can't answer at all."""
    rules = rules or default_rules()
    categories = triage(text, rules=rules)
    return rules.advice(categories[0], categories[1:]) if categories else None


def _signs(patterns: tuple[re.Pattern[str], ...], clause: str, rules: EmergencyRules) -> bool:
    """Whether any pattern matches somewhere it is not negated ("no chest pain", "lips fine")."""
    for pattern in patterns:
        for match in pattern.finditer(clause):
            before, after = clause[max(0, match.start() - 30) : match.start()], clause[match.end() :]
            if not _any(rules.negation, before) and not _any(rules.fine_after, after):
                return True
    return False


@dataclass(frozen=True)
class DiagnosisRules:
    requests: tuple[re.Pattern[str], ...]
    own_case: tuple[re.Pattern[str], ...]


def load_diagnosis_rules(path: Path = DIAGNOSIS_FILE) -> DiagnosisRules:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))

    def compile_all(name: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for pattern in raw[name]:
            try:
                compiled.append(re.compile(pattern))
            except re.error as error:
                raise ValueError(f"{path}: {name}: bad pattern {pattern!r}: {error}") from error
        return tuple(compiled)

    return DiagnosisRules(requests=compile_all("patterns"), own_case=compile_all("own_case"))


@lru_cache(maxsize=1)
def default_diagnosis_rules() -> DiagnosisRules:
    return load_diagnosis_rules()


def asks_for_diagnosis(text: str | None, rules: DiagnosisRules | None = None) -> bool:
    """A request for a diagnosis, a prognosis or a reading of someone's own results."""
    clean = normalise(text or "", default_rules().short_forms)
    return bool(clean) and _any((rules or default_diagnosis_rules()).requests, clean)


def about_own_case(text: str | None, rules: DiagnosisRules | None = None) -> bool:
    """Whether a message speaks of someone's own results, report or relative."""
    clean = normalise(text or "", default_rules().short_forms)
    return bool(clean) and _any((rules or default_diagnosis_rules()).own_case, clean)


def is_deferral(text: str | None, rules: EmergencyRules | None = None) -> bool:
    """Wording that puts off getting help ("I'd rather not make a fuss")."""
    rules = rules or default_rules()
    return bool(text) and _any(rules.deferral, normalise(text, rules.short_forms))
