"""The sentence encoder against the reference implementation, its cached graph, and the model files' checks."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from netfaq.core import embedding
from netfaq.core.embedding import (
    DIMENSIONS,
    GRAPH_VERSION,
    UPSTREAM_SHA256,
    ModelFileError,
    SentenceEncoder,
    default_encoder,
    model_archive,
    read_verified,
)

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"


def test_vectors_match_the_reference_implementation():
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    vectors = default_encoder().encode(reference["texts"])
    expected = np.array(reference["vectors"], dtype=np.float32)
    assert vectors.shape == (len(reference["texts"]), DIMENSIONS)
    assert np.abs(vectors - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_one_text_at_a_time_gives_the_same_vectors_as_a_batch():
    texts = ["how long does an MRI take?", "ok", "is the gel cold on your tummy during a liver ultrasound?"]
    encoder = default_encoder()
    batch = encoder.encode(texts)
    single = np.stack([encoder.encode([text])[0] for text in texts])
    assert np.abs(batch - single).max() < 1e-5


def test_the_graph_is_built_once_and_kept_under_the_weights_digest(tmp_path: Path, monkeypatch):
    encoder = SentenceEncoder.from_package(cache_dir=tmp_path)
    digest = UPSTREAM_SHA256["model.safetensors"]
    folder = tmp_path / f"all-MiniLM-L6-v2-{digest[:16]}-graph{GRAPH_VERSION}"
    assert list(tmp_path.iterdir()) == [folder]  # nothing half-built left beside it
    assert sorted(path.name for path in folder.iterdir()) == ["model.onnx", "model.weights"]
    text = ["how long does an MRI take?"]
    assert np.abs(encoder.encode(text) - default_encoder().encode(text)).max() < 1e-6

    def build_again(tensors):
        raise AssertionError("the cached graph was not used")

    monkeypatch.setattr(embedding, "_build_graph", build_again)
    again = SentenceEncoder.from_package(cache_dir=tmp_path)
    assert np.abs(again.encode(text) - encoder.encode(text)).max() == 0


def test_the_packaged_files_are_the_upstream_ones():
    archive = model_archive()
    for name, digest in UPSTREAM_SHA256.items():
        assert read_verified(archive, name)  # raises unless the sha256 is the upstream one
        assert len(digest) == 64


def test_a_changed_weight_file_is_refused(tmp_path: Path):
    tampered = tmp_path / "model.zip"
    with zipfile.ZipFile(model_archive()) as original, zipfile.ZipFile(tampered, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "tokenizer.json":
                data = data.replace(b'"[UNK]"', b'"[UNX]"', 1)
            copy.writestr(item, data)
    with pytest.raises(ModelFileError, match="tokenizer.json has sha256 .* not the upstream"):
        SentenceEncoder.from_package(tampered)


def test_a_missing_file_is_named(tmp_path: Path):
    empty = tmp_path / "model.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("README", "nothing here")
    with pytest.raises(ModelFileError, match="has no model.safetensors"):
        SentenceEncoder.from_package(empty)


def test_the_vocabulary_words_are_ordinary_english():
    words = default_encoder().words()
    assert {"blood", "scan", "liver", "positive"} <= words
    assert "ultrsound" not in words and "##ing" not in words
