"""Emergencies recognised by meaning: a classifier over every sentence of a message.

The wording patterns of data/safety/emergency.yml catch the phrasings someone thought of; people
write in many others ("there's dark blood in my sick", "I've written my goodbye letters"). This
model is trained on a bank of varied descriptions of each NHS red flag, of thoughts of suicide or
self-harm, of urgent but not life-threatening problems, and of look-alikes (figures of speech,
past events, hypothetical questions, phones not answering), plus every ordinary training question
of the assistant as "nothing urgent". Its features are the sentence's meaning (all-MiniLM-L6-v2)
beside its word and character n-grams (so a misspelling or slang still shares most of its
features with the bank).

A message is judged sentence by sentence, with each pair of neighbouring sentences, runs of words
from unpunctuated dictation, and the whole message: a long message's last sentence counts as much
as its first. The most serious level any of them reaches wins.

Saved as JSON and NumPy arrays, never a pickle (as the intent model).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping, Protocol, Sequence

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression

from netfaq.core.safety import LEVELS, NOTHING_URGENT
from netfaq.nlu.ngrams import Ngrams

WORD_NGRAMS = (1, 2)
CHARACTER_NGRAMS = (2, 5)
NOT_URGENT_KIND = "ordinary_question"  # the assistant's own training questions

_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\s*\n+\s*")
_WORD = re.compile(r"\S+")
RUN_WORDS = 16  # a sentence longer than RUN_WORDS * 2 words is also read in runs of this many words
SHORT_UP_TO = 4  # sentences
MAX_SEGMENTS = 40  # a 2,000-character message has about 25 sentences


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class BankFile:
    """One file of the bank: examples of one kind of message, filed under one reply category."""

    path: Path
    category: str  # a category of data/safety/emergency.yml, or NOTHING_URGENT for a look-alike
    kind: str  # what the classifier learns to tell apart (several kinds may share a category)
    examples: tuple[str, ...]


class BankError(ValueError):
    """A bank file that can't be used, naming the file and the problem."""


def load_bank(folder: Path, categories: Mapping[str, str]) -> list[BankFile]:
    """Every `*.yml` under the bank folder (subfolders hold examples written in one style), checked:
    a known category, a kind that always goes with the same category, and non-empty text examples."""
    files = []
    kinds: dict[str, tuple[str, Path]] = {}
    for path in sorted(folder.rglob("*.yml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise BankError(f"{path}: not valid YAML: {error}") from error
        if not isinstance(raw, dict):
            raise BankError(f"{path}: expected a mapping with category and examples")
        category = raw.get("category")
        if category != NOTHING_URGENT and category not in categories:
            known = ", ".join([NOTHING_URGENT, *categories])
            raise BankError(f"{path}: unknown category {category!r} (one of: {known})")
        if category == NOTHING_URGENT and "kind" not in raw:
            raise BankError(f"{path}: a look-alike file needs a kind (what sort of look-alike it is)")
        kind = str(raw.get("kind") or category)
        first_category, first_path = kinds.setdefault(kind, (category, path))
        if first_category != category:
            raise BankError(f"{path}: kind {kind!r} is filed under {first_category!r} in {first_path}")
        examples = raw.get("examples")
        if not isinstance(examples, list) or not examples:
            raise BankError(f"{path}: examples must be a non-empty list")
        for number, example in enumerate(examples, start=1):
            if not isinstance(example, str) or not example.strip():
                raise BankError(f"{path}: example {number} must be non-empty text, not {example!r}")
        files.append(BankFile(path, category, kind, tuple(e.strip() for e in examples)))
    if not files:
        raise BankError(f"{folder}: no bank files (*.yml)")
    return files


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def segments(text: str) -> list[str]:
    """The parts of a message judged on their own: each sentence, runs of words from a long
    unpunctuated sentence, and, for a short message, the whole and each pair of neighbouring sentences."""
    sentences = _sentences(text)
    # The whole message and the pairs of sentences when it is short; a long one is read sentence
    # by sentence, at a third of the cost.
    short = len(sentences) <= SHORT_UP_TO
    parts = [text.strip(), *sentences] if short else list(sentences)
    if short:
        parts += [f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False)]
    for sentence in sentences:
        words = _WORD.findall(sentence)
        if len(words) > RUN_WORDS * 2:
            step = RUN_WORDS // 2
            parts += [" ".join(words[i : i + RUN_WORDS]) for i in range(0, len(words) - step, step)]
    unique = list(dict.fromkeys(p for p in parts if p))
    if len(unique) <= MAX_SEGMENTS:
        return unique
    # A very long message: every sentence first (the emergency may be any of them), then the rest.
    single = list(dict.fromkeys(sentences))
    return list(dict.fromkeys([*single[-MAX_SEGMENTS:], *unique]))[:MAX_SEGMENTS]


@dataclass(frozen=True)
class Settings:
    regularisation: float = 16.0  # LogisticRegression's C: larger fits the bank more closely
    meaning_weight: float = 1.0  # the sentence vector's weight beside the n-gram features
    random_seed: int = 42


@dataclass(frozen=True)
class Finding:
    """The most serious thing a message describes: its level, reply category, how sure, and where."""

    level: str
    category: str
    probability: float
    segment: str


@dataclass(frozen=True)
class Assessment:
    """What the model found in a message, and for each level how likely it thinks the most
    worrying part is to describe something of that level or a more serious one (`peaks`)."""

    findings: tuple[Finding, ...]
    peaks: Mapping[str, float]


class EmergencyModel:
    CONFIG_FILE = "emergency_model.json"
    ARRAYS_FILE = "emergency_model.npz"

    def __init__(
        self,
        ngrams: Ngrams,
        weights: np.ndarray,
        biases: np.ndarray,
        kinds: Sequence[str],
        kind_categories: Mapping[str, str],
        category_levels: Mapping[str, str],
        settings: Settings,
    ) -> None:
        self.ngrams = ngrams
        self.weights = weights.astype(np.float32)  # (features, kinds)
        self.biases = biases.astype(np.float32)
        self.kinds = list(kinds)
        self.kind_categories = dict(kind_categories)
        self.category_levels = dict(category_levels)
        self.settings = settings
        levels = [self.category_levels.get(self.kind_categories[kind], NOTHING_URGENT) for kind in self.kinds]
        self._level_columns = {level: np.array([lv == level for lv in levels]) for level in LEVELS}

    @classmethod
    def train(
        cls,
        bank: Sequence[BankFile],
        ordinary_questions: Sequence[str],
        category_levels: Mapping[str, str],
        encoder: Encoder,
        settings: Settings = Settings(),
    ) -> EmergencyModel:
        examples = [(example, file.kind) for file in bank for example in file.examples]
        examples += [(question, NOT_URGENT_KIND) for question in ordinary_questions]
        # A message is judged in parts (its sentences, and runs of words from a long one), so the
        # parts of messages that need no help are taught as such too: "I've never had one." on its
        # own is nothing, nor is "time off work, because I'm his only driver" cut from a long story.
        calm = {file.kind for file in bank if file.category == NOTHING_URGENT} | {NOT_URGENT_KIND}
        examples += [
            (part, kind)
            for text, kind in list(examples)
            if kind in calm
            for part in dict.fromkeys(segments(text))
            if part != text.strip()
        ]
        texts, kinds = [text for text, _ in examples], [kind for _, kind in examples]
        kind_categories = {file.kind: file.category for file in bank} | {NOT_URGENT_KIND: NOTHING_URGENT}
        ngrams = Ngrams.fit(texts, WORD_NGRAMS, CHARACTER_NGRAMS)
        features = _features(ngrams.matrix(texts), encoder.encode(texts), settings)
        classifier = LogisticRegression(C=settings.regularisation, max_iter=5000, random_state=settings.random_seed)
        classifier.fit(features, kinds)
        return cls(
            ngrams,
            classifier.coef_.T,
            classifier.intercept_,
            [str(k) for k in classifier.classes_],
            kind_categories,
            category_levels,
            settings,
        )

    def probabilities(self, texts: Sequence[str], encoder: Encoder) -> np.ndarray:
        """One row per text, one column per kind (in `self.kinds` order)."""
        if not texts:
            return np.zeros((0, len(self.kinds)), dtype=np.float32)
        meaning = encoder.encode(texts) * np.float32(self.settings.meaning_weight)
        scores = meaning @ self.weights[self.ngrams.width :] + self.biases
        for row, text in enumerate(texts):
            columns, values = self.ngrams.row(text)
            scores[row] += values @ self.weights[columns]
        scores -= scores.max(axis=1, keepdims=True)
        exponentials = np.exp(scores)
        return exponentials / exponentials.sum(axis=1, keepdims=True)

    def level_probabilities(self, texts: Sequence[str], encoder: Encoder) -> dict[str, np.ndarray]:
        """For each level, the probability of each text that it describes something of that level."""
        probabilities = self.probabilities(texts, encoder)
        return {level: probabilities[:, columns].sum(axis=1) for level, columns in self._level_columns.items()}

    def assess(self, text: str, thresholds: Mapping[str, float], encoder: Encoder) -> Assessment:
        """What each part of the message describes at or over its level's threshold, most serious
        level first, then most probable first."""
        parts = segments(text)
        probabilities = self.probabilities(parts, encoder)
        findings = []
        for level in LEVELS:
            columns = self._level_columns[level]
            if not columns.any():
                continue
            totals = probabilities[:, columns].sum(axis=1)
            level_kinds = np.flatnonzero(columns)
            for row in np.flatnonzero(totals >= thresholds[level]):
                kind = self.kinds[level_kinds[int(np.argmax(probabilities[row, level_kinds]))]]
                findings.append(Finding(level, self.kind_categories[kind], float(totals[row]), parts[row]))
        order = {level: i for i, level in enumerate(LEVELS)}
        findings.sort(key=lambda f: (order[f.level], -f.probability))
        peaks, columns = {}, np.zeros(len(self.kinds), dtype=bool)
        for level in LEVELS:  # most serious first: each level's peak counts the levels above it
            columns = columns | self._level_columns[level]
            peaks[level] = float(probabilities[:, columns].sum(axis=1).max()) if len(parts) else 0.0
        return Assessment(tuple(findings), peaks)

    def save(self, folder: Path) -> None:
        config = {
            "settings": asdict(self.settings),
            "kinds": self.kinds,
            "kind_categories": self.kind_categories,
            "category_levels": self.category_levels,
            **self.ngrams.config(),
        }
        (folder / self.CONFIG_FILE).write_text(json.dumps(config))
        np.savez(folder / self.ARRAYS_FILE, weights=self.weights, biases=self.biases, **self.ngrams.arrays())

    @classmethod
    def load(cls, folder: Path) -> EmergencyModel:
        config = json.loads((folder / cls.CONFIG_FILE).read_text())
        with np.load(folder / cls.ARRAYS_FILE, allow_pickle=False) as arrays:
            ngrams = Ngrams.restore(config, arrays, WORD_NGRAMS, CHARACTER_NGRAMS)
            weights, biases = arrays["weights"], arrays["biases"]
        return cls(
            ngrams,
            weights,
            biases,
            config["kinds"],
            config["kind_categories"],
            config["category_levels"],
            Settings(**config["settings"]),
        )


def _features(ngram_matrix: csr_matrix, meaning: np.ndarray, settings: Settings) -> csr_matrix:
    return hstack([ngram_matrix, csr_matrix(meaning * np.float32(settings.meaning_weight))], format="csr")
