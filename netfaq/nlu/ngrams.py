"""Word and character n-gram TF-IDF features, shared by the intent model and the emergency model.

Saved as JSON vocabularies and NumPy arrays, never as a pickle, so loading a model file cannot run
code. A text is encoded without scikit-learn's sparse-matrix machinery when serving, which cost
3 ms of the Rasa server's 19 per message.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer


def _vectorizer(analyzer: str, ngrams: tuple[int, int], vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    extra = {"token_pattern": r"(?u)\b\w+\b"} if analyzer == "word" else {}
    return TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, vocabulary=vocabulary, dtype=np.float32, **extra
    )


class Ngrams:
    """Word n-grams then character n-grams (within word boundaries), each row L2-normalised apart."""

    def __init__(self, words: TfidfVectorizer, characters: TfidfVectorizer) -> None:
        self.words = words
        self.characters = characters
        self._parts = []  # (analyzer, vocabulary, idf, first column) per vectorizer
        offset = 0
        for vectorizer in (words, characters):
            idf = np.asarray(vectorizer.idf_, dtype=np.float32)
            self._parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, idf, offset))
            offset += len(idf)
        self.width = offset

    @classmethod
    def fit(cls, texts: Sequence[str], word_ngrams: tuple[int, int], character_ngrams: tuple[int, int]) -> Ngrams:
        return cls(
            _vectorizer("word", word_ngrams).fit(texts),
            _vectorizer("char_wb", character_ngrams).fit(texts),
        )

    def matrix(self, texts: Sequence[str]) -> csr_matrix:
        """Features of many texts at once, for training."""
        return hstack([self.words.transform(texts), self.characters.transform(texts)], format="csr", dtype=np.float32)

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's nonzero features (columns, values): one row of `matrix`, computed directly."""
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

    def config(self) -> dict[str, Any]:
        """What `restore` needs besides `arrays` and the n-gram ranges: the vocabularies."""
        return {
            "word_vocabulary": {k: int(v) for k, v in self.words.vocabulary_.items()},
            "character_vocabulary": {k: int(v) for k, v in self.characters.vocabulary_.items()},
        }

    def arrays(self) -> dict[str, np.ndarray]:
        return {"word_idf": self.words.idf_, "character_idf": self.characters.idf_}

    @classmethod
    def restore(
        cls, config: dict[str, Any], arrays: Any, word_ngrams: tuple[int, int], character_ngrams: tuple[int, int]
    ) -> Ngrams:
        words = _vectorizer("word", word_ngrams, config["word_vocabulary"])
        words.idf_ = arrays["word_idf"]
        characters = _vectorizer("char_wb", character_ngrams, config["character_vocabulary"])
        characters.idf_ = arrays["character_idf"]
        return cls(words, characters)
