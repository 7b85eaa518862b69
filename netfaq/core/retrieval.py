"""Every fact of the knowledge base as a unit a question can match, whatever topic it is filed under.

A fact is matched by its sentence embeddings: the whole fact and each of its sentences, each
prefixed with the test's name and the topic heading ("MRI scan, what it is: ..."), so a long fact
still matches a question about one of its sentences. A fact's similarity to a question is the
best of its passages. The index is rebuilt from the knowledge base in a second or two, and
passages already embedded are kept, so a new fact is answerable without any retraining.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from netfaq.core.knowledge import Fact, KnowledgeBase
from netfaq.core.topics import TOPIC_HEADINGS

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])")


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def words(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class FactUnit:
    key: str  # "mri_scan/what_is/1", "general/coping/2"
    procedure: str | None  # None for a general topic's fact
    topic: str  # a procedure topic (TOPICS) or a general topic id
    fact: Fact

    @property
    def text(self) -> str:
        return self.fact.text


def fact_units(kb: KnowledgeBase) -> tuple[FactUnit, ...]:
    units = []
    for procedure in kb.procedures.values():
        for topic, facts in procedure.topics.items():
            for number, fact in enumerate(facts or (), start=1):
                units.append(FactUnit(f"{procedure.id}/{topic}/{number}", procedure.id, topic, fact))
    for general in kb.general.values():
        for number, fact in enumerate(general.facts, start=1):
            units.append(FactUnit(f"general/{general.id}/{number}", None, general.id, fact))
    return tuple(units)


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def passages(kb: KnowledgeBase, unit: FactUnit) -> list[str]:
    """What is embedded for a fact: the whole fact and, if it has several, each sentence; for a
    FAQ's fact, also the ways patients ask the FAQ."""
    if unit.procedure is None:
        label = kb.general[unit.topic].title
        phrasings = list(kb.general[unit.topic].asked_as)
    else:
        label = f"{kb.procedures[unit.procedure].name}, {TOPIC_HEADINGS[unit.topic].lower()}"
        phrasings = []
    parts = sentences(unit.text)
    return [f"{label}: {text}" for text in ([unit.text] + parts if len(parts) > 1 else parts)] + phrasings


class FactIndex:
    def __init__(
        self,
        kb: KnowledgeBase,
        encoder: Encoder,
        content_words: Callable[[str], list[str]],
        known: dict[str, np.ndarray] | None = None,
    ):
        """`known` maps passages already embedded to their vectors (from the previous index)."""
        self.units = fact_units(kb)
        self.content_words = content_words
        self._unit_words = [frozenset(content_words(unit.text)) for unit in self.units]
        counts: dict[str, int] = {}
        for words in self._unit_words:
            for word in words:
                counts[word] = counts.get(word, 0) + 1
        self._idf = {word: math.log(1 + len(self.units) / count) for word, count in counts.items()}
        texts, owners = [], []
        for number, unit in enumerate(self.units):
            for passage in passages(kb, unit):
                texts.append(passage)
                owners.append(number)
        self.embedded = dict(known or {})
        missing = [t for t in dict.fromkeys(texts) if t not in self.embedded]
        if missing:
            self.embedded.update(zip(missing, encoder.encode(missing), strict=True))
        self.embedded = {t: self.embedded[t] for t in texts}  # forget passages no longer in the base
        self._vectors = np.stack([self.embedded[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)
        self._owners = np.array(owners, dtype=np.int64)
        self.by_key = {unit.key: number for number, unit in enumerate(self.units)}
        # contained[b, a]: the share of fact b's meaningful words (weighted by rarity) found in fact a.
        self.contained = np.stack([self.word_overlap(unit.text) for unit in self.units]) if self.units else None

    def similarities(self, question: np.ndarray) -> np.ndarray:
        """Cosine similarity of the question to each unit (the best of its passages)."""
        return self.similarities_many(question[None, :])[0]

    def similarities_many(self, questions: np.ndarray) -> np.ndarray:
        """One row of unit similarities per question vector."""
        per_passage = questions @ self._vectors.T
        best = np.full((len(questions), len(self.units)), -1.0, dtype=np.float32)
        for row in range(len(questions)):
            np.maximum.at(best[row], self._owners, per_passage[row])
        return best

    def word_overlap(self, question: str) -> np.ndarray:
        """The share of the question's meaningful words (weighted by rarity) found in each fact."""
        words = set(self.content_words(question))
        weights = {word: self._idf.get(word, math.log(1 + len(self.units))) for word in words}
        total = sum(weights.values())
        overlap = np.zeros(len(self.units), dtype=np.float32)
        if total:
            for number, unit_words in enumerate(self._unit_words):
                overlap[number] = sum(weights[w] for w in words & unit_words) / total
        return overlap

    def indexes(self, procedure: str | None) -> list[int]:
        """The units of one procedure, or the general ones for None."""
        return [number for number, unit in enumerate(self.units) if unit.procedure == procedure]
