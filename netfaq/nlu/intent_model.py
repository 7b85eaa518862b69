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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from netfaq.core.redaction import mask_personal_data
from netfaq.nlu.ngrams import Ngrams

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


WORD_NGRAMS = (1, 2)
CHARACTER_NGRAMS = (1, 4)


class IntentModel:
    """Word 1-2-grams and character 1-4-grams (TF-IDF) into one ReLU hidden layer and a softmax."""

    CONFIG_FILE = "intent_model.json"
    ARRAYS_FILE = "intent_model.npz"

    def __init__(
        self,
        ngrams: Ngrams,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        intents: Sequence[str],
        settings: Settings,
    ) -> None:
        self.ngrams = ngrams
        self.weights = [w.astype(np.float32) for w in weights]
        self.biases = [b.astype(np.float32) for b in biases]
        self.intents = list(intents)
        self.settings = settings

    @classmethod
    def train(cls, texts: Sequence[str], intents: Sequence[str], settings: Settings = Settings()) -> IntentModel:
        if len(set(intents)) < 2:
            raise ValueError(f"need examples of at least two intents to train, got {sorted(set(intents))}")
        ngrams = Ngrams.fit(texts, WORD_NGRAMS, CHARACTER_NGRAMS)
        network = MLPClassifier(
            hidden_layer_sizes=(settings.hidden_units,),
            batch_size=settings.batch_size,
            max_iter=settings.epochs,
            random_state=settings.random_seed,
        )
        with warnings.catch_warnings():
            # A fixed number of epochs is the point: stopping before "convergence" is intended.
            warnings.simplefilter("ignore", ConvergenceWarning)
            network.fit(ngrams.matrix(texts), list(intents))
        return cls(ngrams, network.coefs_, network.intercepts_, [str(c) for c in network.classes_], settings)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per intent (in `self.intents` order)."""
        first_weights, first_biases = self.weights[0], self.biases[0]
        hidden = np.empty((len(texts), first_biases.shape[0]), dtype=np.float32)
        for row, text in enumerate(texts):
            columns, values = self.ngrams.row(text)
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
            **self.ngrams.config(),
        }
        (folder / self.CONFIG_FILE).write_text(json.dumps(config))
        arrays = self.ngrams.arrays()
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
            ngrams = Ngrams.restore(config, arrays, WORD_NGRAMS, CHARACTER_NGRAMS)
        return cls(ngrams, weights, biases, config["intents"], Settings(**config["settings"]))
