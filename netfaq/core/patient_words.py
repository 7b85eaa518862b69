"""How patients write (data/language/patient_words.yml): short forms, follow-ups, comparisons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from netfaq.core.paths import PATIENT_WORDS_FILE

_WORD = re.compile(r"[A-Za-z0-9']+")
_SENTENCE = re.compile(r"[^.?!\n]+[.?!]*")
_CLAUSE = re.compile(r"(?<=[.?!,;:])\s+|\s+-\s+|\n+")
# A whole word, not part of "u/s" or "ga-68": only these are written out.
_STANDALONE = re.compile(r"(?<![\w/.\-])[A-Za-z0-9']+(?![\w/\-]|\.\w)")


@dataclass(frozen=True)
class PatientWords:
    short_forms: dict[str, str]
    follow_up_words: frozenset[str]
    comparing: tuple[re.Pattern[str], ...]
    both: tuple[re.Pattern[str], ...]
    unnamed_test: tuple[re.Pattern[str], ...]
    stop_words: frozenset[str]
    suitability: tuple[re.Pattern[str], ...]
    pointing: dict[str, tuple[re.Pattern[str], ...]]  # "first", "second", "other"
    comparing_topics: dict[str, re.Pattern[str]]
    same_meaning: dict[str, str]  # word stem -> the stem of the first word of its group
    repeat_words: frozenset[str]  # stems of the words of a request to repeat the last answer
    correcting_words: frozenset[str] = frozenset()  # stems of words that say a new day replaces the old
    joining_words: frozenset[str] = frozenset()  # "and", "also": a second question may start after them
    question_starts: frozenset[str] = frozenset()  # "how", "does": a part starting so asks something
    question_subjects: frozenset[str] = frozenset()  # "he" in "does he": a question inside a part

    def asks(self, text: str) -> list[str]:
        """The parts of a message that each ask something, when it asks two or more things ("do I
        fast for it and how long does it take?"); [] when it asks one thing or none."""
        asking: list[str] = []
        for sentence in _SENTENCE.findall(text):
            words = sentence.split()
            parts, start = [], 0
            for i in range(1, len(words)):
                joining = words[i].lower() in self.joining_words and i + 1 < len(words)
                if joining and self._starts_question(words[i + 1]) and i - start >= 2:
                    parts.append(" ".join(words[start:i]))  # "... and how long": the "and" dropped
                    start = i + 1
                elif words[i - 1].endswith(",") and self._starts_question(words[i]) and i - start >= 2:
                    parts.append(" ".join(words[start:i]))  # "..., is it safe"
                    start = i
            parts.append(" ".join(words[start:]))
            asking += [part.strip(" ,;:") for part in parts if self._asks_something(part)]
        return asking if len(asking) > 1 else []

    def sentences(self, text: str) -> list[str]:
        return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]

    def questions_beside_telling(self, text: str) -> list[str]:
        """The sentences of a message that ask something, when others only tell ("How long will I be
        lying there? My husband pays for the parking by the hour"); [] when all ask or none does."""
        sentences = self.sentences(text)
        asking = [s for s in sentences if self._asks_something(s)]
        return asking if len(asking) < len(sentences) else []

    def _asks_something(self, part: str) -> bool:
        """A question mark, a question word first, or one inside before who it asks about ("my
        dad's scan is Monday does he need to fast"); "I've got an ultrasound too" asks nothing."""
        words = [w.lower().strip(",;:'\"?").replace("'", "") for w in part.split()]
        if not words:
            return False
        if part.rstrip().endswith("?") or words[0] in self.question_starts:
            return True
        pairs = zip(words, words[1:], strict=False)
        return any(a in self.question_starts and b in self.question_subjects for a, b in pairs)

    def question_part(self, text: str) -> str | None:
        """The question at the end of a message that tells something first ("the scan with the cold
        jelly, how long is that": "how long is that"), or None when the message is all question.
        Matched beside the whole message, so what it asks is not drowned by what it tells."""
        clauses = [c.strip() for c in _CLAUSE.split(text) if c.strip()]
        for i in range(len(clauses) - 1, 0, -1):
            words = clauses[i].split()
            if len(words) >= 2 and self._starts_question(words[0]):
                return clauses[i]
        return None

    def is_question(self, text: str) -> bool:
        """Whether a message asks something ("and for children?", "how long") rather than says it."""
        words = text.split()
        return "?" in text or bool(words) and self._starts_question(words[0])

    def _starts_question(self, word: str) -> bool:
        return word.lower().strip(",;:'\"").replace("'", "") in self.question_starts

    def corrects(self, text: str) -> bool:
        """Whether the message says it replaces what was said before ("sorry, it's actually ...")."""
        return any(word_stem(word.lower().replace("'", "")) in self.correcting_words for word in _WORD.findall(text))

    def expand(self, text: str) -> str:
        """Short forms written out ("hw long b4 my scn" -> "how long before my scan")."""
        return _STANDALONE.sub(lambda m: self.short_forms.get(m.group().lower().replace("'", ""), m.group()), text)

    def only_follow_up_words(self, text: str) -> bool:
        """Nothing but filler is left ("and for the ?"): the message only named a test."""
        return all(word.lower() in self.follow_up_words for word in _WORD.findall(text))

    def content_words(self, text: str) -> list[str]:
        """The words that carry meaning, with plural and verb endings off ("scans" -> "scan")."""
        found = []
        for word in _WORD.findall(self.expand(text).lower()):
            word = word.replace("'", "")
            if word and word not in self.stop_words and not word.isdigit():
                stem = word_stem(word)
                found.append(self.same_meaning.get(stem, stem))
        return found

    def asked_part(self, text: str) -> set[str]:
        """The content words of a request to repeat that say which part is wanted ("injection")."""
        return {word for word in self.content_words(text) if word not in self.repeat_words}

    def compared_topic(self, text: str) -> str | None:
        """What a comparison is about, when its words say ("which is quicker?": duration)."""
        lowered = text.lower()
        return next((topic for topic, pattern in self.comparing_topics.items() if pattern.search(lowered)), None)

    def compares(self, text: str) -> bool:
        lowered = text.lower()
        return any(pattern.search(lowered) for pattern in self.comparing) or self.means_both(text)

    def means_both(self, text: str) -> bool:
        lowered = text.lower()
        return any(pattern.search(lowered) for pattern in self.both)

    def asks_suitability(self, text: str) -> bool:
        """Whether someone can have a test, given their condition: our sources never say."""
        lowered = " ".join(text.lower().replace("'", "").split())
        return any(pattern.search(lowered) for pattern in self.suitability)

    def points_at(self, text: str) -> str | None:
        """ "first", "second" or "other" (of the last two tests talked about), or None."""
        lowered = text.lower()
        for which, patterns in self.pointing.items():
            if any(pattern.search(lowered) for pattern in patterns):
                return which
        return None

    def means_a_test(self, text: str) -> bool:
        lowered = text.lower()
        return any(pattern.search(lowered) for pattern in self.unnamed_test)


def load_patient_words(path: Path = PATIENT_WORDS_FILE) -> PatientWords:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))

    def compile_all(name: str) -> tuple[re.Pattern[str], ...]:
        try:
            return tuple(re.compile(pattern) for pattern in raw[name])
        except re.error as error:
            raise ValueError(f"{path}: {name}: bad pattern: {error}") from error

    return PatientWords(
        short_forms={str(k).lower(): str(v) for k, v in raw["short_forms"].items()},
        follow_up_words=frozenset(str(w).lower() for w in raw["follow_up_words"]),
        comparing=compile_all("comparing"),
        both=compile_all("both"),
        unnamed_test=compile_all("unnamed_test"),
        stop_words=frozenset(str(w).lower() for w in raw["stop_words"]),
        suitability=compile_all("suitability"),
        comparing_topics={topic: re.compile(pattern) for topic, pattern in raw["comparing_topics"].items()},
        pointing={
            which: tuple(re.compile(pattern) for pattern in patterns) for which, patterns in raw["pointing"].items()
        },
        repeat_words=frozenset(word_stem(str(w).lower()) for w in raw["repeat_words"]),
        correcting_words=frozenset(word_stem(str(w).lower()) for w in raw["correcting_words"]),
        joining_words=frozenset(str(w).lower() for w in raw["joining_words"]),
        question_starts=frozenset(str(w).lower() for w in raw["question_starts"]),
        question_subjects=frozenset(str(w).lower() for w in raw["question_subjects"]),
        same_meaning={
            word_stem(str(word).lower()): word_stem(str(group[0]).lower())
            for group in raw["same_meaning"]
            for word in group
        },
    )


def word_stem(word: str) -> str:
    """A rough English stem, enough for "fasting"/"fast", "scans"/"scan", "injected"/"inject"."""
    for ending, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
            return word[: len(word) - len(ending)] + replacement
    return word


@lru_cache(maxsize=1)
def default_patient_words() -> PatientWords:
    return load_patient_words()
