"""A small intent classifier on sparse n-gram features: no TensorFlow to train, load or run.

Procedure names are masked before featurising, so "how do I prepare for an MRI" and "... for a
bone scan" look alike to the classifier (the procedure is the entity's job, not the intent's);
personal data (phone and NHS numbers, dates, e-mails, postcodes) is masked as one token, and
digits are folded, so none of them count as new words.

A trained model is saved as JSON and NumPy arrays, never as a pickle, so loading a model file
cannot run code (Rasa 3.6 moved its own scikit-learn models off pickles for the same reason).
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neural_network import MLPClassifier

from netfaq.core.redaction import mask_personal_data

PROCEDURE_MASK = " xproc "
DETAIL_MASK = " xdetail "
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def normalise(text: str, procedure_spans: Iterable[Span] = ()) -> str:
    for span in sorted(procedure_spans, key=lambda s: s.start, reverse=True):
        text = text[: span.start] + PROCEDURE_MASK + text[span.end :]
    return _DIGIT.sub("0", mask_personal_data(text, DETAIL_MASK).lower())


@dataclass(frozen=True)
class Settings:
    hidden_units: int = 128
    epochs: int = 30
    batch_size: int = 64
    random_seed: int = 42


def _word_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w+\b",
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def _character_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, vocabulary=vocabulary, dtype=np.float32
    )


class IntentModel:
    """Word 1-2-grams and character 1-4-grams (TF-IDF) into one ReLU hidden layer and a softmax."""

    CONFIG_FILE = "intent_model.json"
    ARRAYS_FILE = "intent_model.npz"

    def __init__(
        self,
        words: TfidfVectorizer,
        characters: TfidfVectorizer,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        intents: Sequence[str],
        settings: Settings,
    ) -> None:
        self.words = words
        self.characters = characters
        self.weights = [w.astype(np.float32) for w in weights]
        self.biases = [b.astype(np.float32) for b in biases]
        self.intents = list(intents)
        self.settings = settings
        # (analyzer, vocabulary, idf, first column) per vectorizer, for encoding one text without
        # scikit-learn's sparse-matrix machinery, which cost 3 ms of the Rasa server's 19 per message.
        self._parts = []
        offset = 0
        for vectorizer in (words, characters):
            idf = np.asarray(vectorizer.idf_, dtype=np.float32)
            self._parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, idf, offset))
            offset += len(idf)

    @classmethod
    def train(cls, texts: Sequence[str], intents: Sequence[str], settings: Settings = Settings()) -> IntentModel:
        if len(set(intents)) < 2:
            raise ValueError(f"need examples of at least two intents to train, got {sorted(set(intents))}")
        words = _word_vectorizer().fit(texts)
        characters = _character_vectorizer().fit(texts)
        network = MLPClassifier(
            hidden_layer_sizes=(settings.hidden_units,),
            batch_size=settings.batch_size,
            max_iter=settings.epochs,
            random_state=settings.random_seed,
        )
        with warnings.catch_warnings():
            # A fixed number of epochs is the point: stopping before "convergence" is intended.
            warnings.simplefilter("ignore", ConvergenceWarning)
            network.fit(_features(words, characters, texts), list(intents))
        return cls(words, characters, network.coefs_, network.intercepts_, [str(c) for c in network.classes_], settings)

    def _encode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's nonzero TF-IDF features (columns, values): what `_features` gives, one row."""
        columns, values = [], []
        for analyzer, vocabulary, idf, offset in self._parts:
            counts = Counter(c for c in map(vocabulary.get, analyzer(text)) if c is not None)
            if not counts:
                continue
            found = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))) * idf[found]
            columns.append(found + offset)
            values.append(weights / np.linalg.norm(weights))
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(columns), np.concatenate(values)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per intent (in `self.intents` order)."""
        first_weights, first_biases = self.weights[0], self.biases[0]
        hidden = np.empty((len(texts), first_biases.shape[0]), dtype=np.float32)
        for row, text in enumerate(texts):
            columns, values = self._encode(text)
            hidden[row] = values @ first_weights[columns] + first_biases
        activations = np.maximum(hidden, 0.0)
        for weights, biases in zip(self.weights[1:-1], self.biases[1:-1], strict=True):
            activations = np.maximum(activations @ weights + biases, 0.0)
        scores = activations @ self.weights[-1] + self.biases[-1]
        scores -= scores.max(axis=1, keepdims=True)
        exponentials = np.exp(scores)
        return exponentials / exponentials.sum(axis=1, keepdims=True)

    def rank(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """Every intent with its probability, best first, for each text."""
        if not texts:
            return []
        return [[(self.intents[i], float(row[i])) for i in np.argsort(-row)] for row in self.probabilities(texts)]

    def save(self, folder: Path) -> None:
        config = {
            "settings": asdict(self.settings),
            "intents": self.intents,
            "word_vocabulary": {k: int(v) for k, v in self.words.vocabulary_.items()},
            "character_vocabulary": {k: int(v) for k, v in self.characters.vocabulary_.items()},
        }
        (folder / self.CONFIG_FILE).write_text(json.dumps(config))
        arrays = {"word_idf": self.words.idf_, "character_idf": self.characters.idf_}
        arrays.update({f"weights_{i}": w for i, w in enumerate(self.weights)})
        arrays.update({f"biases_{i}": b for i, b in enumerate(self.biases)})
        np.savez(folder / self.ARRAYS_FILE, **arrays)

    @classmethod
    def load(cls, folder: Path) -> IntentModel:
        config = json.loads((folder / cls.CONFIG_FILE).read_text())
        with np.load(folder / cls.ARRAYS_FILE, allow_pickle=False) as arrays:
            layers = sum(1 for name in arrays.files if name.startswith("weights_"))
            weights = [arrays[f"weights_{i}"] for i in range(layers)]
            biases = [arrays[f"biases_{i}"] for i in range(layers)]
            words = _word_vectorizer(config["word_vocabulary"])
            words.idf_ = arrays["word_idf"]
            characters = _character_vectorizer(config["character_vocabulary"])
            characters.idf_ = arrays["character_idf"]
        return cls(words, characters, weights, biases, config["intents"], Settings(**config["settings"]))


def _features(words: TfidfVectorizer, characters: TfidfVectorizer, texts: Sequence[str]) -> csr_matrix:
    return hstack([words.transform(texts), characters.transform(texts)], format="csr", dtype=np.float32)
