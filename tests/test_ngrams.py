"""N-gram features: one text encoded directly equals scikit-learn's row, and a save/restore round trip."""

from __future__ import annotations

import numpy as np

from netfaq.nlu.ngrams import Ngrams

TEXTS = ["how do i prepare for xproc", "does xproc hurt", "hello there", "is the xproc painful"]


def test_encoding_one_text_matches_scikit_learns_vectorizers():
    ngrams = Ngrams.fit(TEXTS, (1, 2), (1, 4))
    texts = [*TEXTS, "HOW do i PREPARE  for xproc?? 000", "", "qqq zzz", "hello hello hello good"]
    matrix = ngrams.matrix(texts).toarray()
    assert matrix.shape[1] == ngrams.width
    for text, expected in zip(texts, matrix, strict=True):
        columns, values = ngrams.row(text)
        row = np.zeros_like(expected)
        row[columns] = values
        np.testing.assert_allclose(row, expected, rtol=1e-5, atol=1e-7)


def test_restored_features_are_the_same():
    ngrams = Ngrams.fit(TEXTS, (1, 1), (2, 3))
    restored = Ngrams.restore(ngrams.config(), ngrams.arrays(), (1, 1), (2, 3))
    query = ["does the xproc hurt much"]
    np.testing.assert_array_equal(restored.matrix(query).toarray(), ngrams.matrix(query).toarray())
