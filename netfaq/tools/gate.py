"""Retrain behind a gate: a new model goes into service only if it is not worse than the one there.

Both models are measured in the same run on the same sets: intent F1 on the held-out NLU set
(tests/nlu/heldout.yml) and, through a real Rasa server and action server, the share of the
blind answer set's questions and conversations whose reply has the right fact (tests/answers).
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netfaq.core.paths import KNOWLEDGE_DIR, MODELS_DIR, PROJECT_ROOT
from netfaq.tools import model_registry
from netfaq.tools.model_registry import Manifest

HELDOUT_NLU = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
ANSWER_SET = "blind"
# Measures that decide; (name, higher is better). Per-intent and per-kind rows are shown beside them.
DECIDING = (
    ("intent macro-F1", True),
    ("questions right", True),
    ("conversations right", True),
    ("emergencies caught", True),
    ("look-alikes sent to 999", False),
)


def knowledge_fingerprint(directory: Path = KNOWLEDGE_DIR) -> str:
    from netfaq.tools.training import hash_files

    digest = hashlib.sha256()
    files = sorted(directory.rglob("*.yml"))
    hash_files(digest, directory, (f for f in files if "drafts" not in f.relative_to(directory).parts))
    return digest.hexdigest()[:16]


def measure(model: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Everything the gate compares, for one model; the servers are started and stopped here."""
    from bench.answers import rest_sender, run_set
    from netfaq.nlu.evaluate import evaluate_model
    from netfaq.tools.processes import BUILD_DIR, running_assistant

    log(f"  measuring {model.name}: held-out NLU set ...")
    nlu = evaluate_model(HELDOUT_NLU, model)
    log(f"  measuring {model.name}: {ANSWER_SET} answer set through the servers ...")
    started = time.monotonic()
    with running_assistant(model, BUILD_DIR / "logs" / "gate") as url:
        start_seconds = time.monotonic() - started
        answers = run_set(ANSWER_SET, rest_sender(url)).summary()
    return {
        "intent macro-F1": round(nlu.intent_macro_f1, 4),
        "questions right": answers["questions"]["right"],
        "conversations right": answers["conversations"]["right"],
        "emergencies caught": answers["emergencies_caught"]["right"],
        "look-alikes sent to 999": answers["lookalikes_sent_to_999"],
        "per intent F1": nlu.per_intent_f1,
        "per kind right": {kind: s["right"] for kind, s in answers["by_kind"].items()},
        "questions": answers["questions"]["total"],
        "conversations": answers["conversations"]["total"],
        "start seconds": round(start_seconds, 1),
    }


@dataclass(frozen=True)
class Row:
    measure: str
    service: float | None
    candidate: float
    worse: bool  # a deciding measure that got worse
    deciding: bool


def compare(service: dict[str, Any] | None, candidate: dict[str, Any], tolerance: float = 0.0) -> list[Row]:
    """Deciding measures first, then every intent and kind of question whose figure changed.

    `tolerance` is how much intent macro-F1 may drop (answer counts may not drop at all)."""
    rows = []
    for name, higher in DECIDING:
        new, old = candidate[name], (service or {}).get(name)
        slack = tolerance if name == "intent macro-F1" else 0
        worse = old is not None and (new < old - slack if higher else new > old)
        rows.append(Row(name, old, new, worse, True))
    if service is None:
        return rows  # the first model promoted: nothing to show changes against
    for group, label in (("per intent F1", "F1 {}"), ("per kind right", "right: {}")):
        old_group = service.get(group, {})
        for key in sorted(set(candidate[group]) | set(old_group)):
            new, old = candidate[group].get(key, 0), old_group.get(key)
            if old is None or new != old:
                rows.append(Row(label.format(key), old, new, False, False))
    return rows


def not_worse(rows: list[Row]) -> bool:
    return not any(row.worse for row in rows)


def render(rows: list[Row]) -> str:
    def show(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| measure | in service | candidate | change |", "|---|---|---|---|"]
    for row in rows:
        change = "" if row.service is None else f"{row.candidate - row.service:+.3f}".rstrip("0").rstrip(".")
        verdict = " **worse**" if row.worse else ""
        name = row.measure if row.deciding else f"  {row.measure}"
        lines.append(f"| {name} | {show(row.service)} | {show(row.candidate)} | {change}{verdict} |")
    return "\n".join(lines)


def validate_training_data() -> str | None:
    """`rasa data validate`'s complaint, or None when the domain, NLU data and rules agree."""
    from netfaq.tools.processes import quiet_env, rasa_command

    done = subprocess.run(
        rasa_command() + ["data", "validate", "--fail-on-warnings"],
        cwd=PROJECT_ROOT,
        env=quiet_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode == 0:
        return None
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "WARNING" in line or "ERROR" in line]
    return "\n".join(lines[-20:]) or (done.stdout + done.stderr)[-2000:]


FINETUNE_SAME = ("config.yml", "domain.yml")  # unchanged, Rasa can fine-tune instead of training afresh


def input_hashes() -> dict[str, str]:
    return {name: hashlib.sha256((PROJECT_ROOT / name).read_bytes()).hexdigest()[:16] for name in FINETUNE_SAME}


def finetune_problem(service: Manifest | None) -> str | None:
    """Why fine-tuning the model in service is not safe for this change, or None when it is: Rasa
    fine-tunes only a model whose domain and pipeline are those of the new data (new examples of
    existing intents, new aliases), not one where intents, slots or components changed."""
    if service is None or not (MODELS_DIR / service.model).exists():
        return "no model in service to fine-tune"
    changed = [name for name, digest in input_hashes().items() if service.inputs.get(name) != digest]
    return f"{' and '.join(changed)} changed since the model in service was trained" if changed else None


@dataclass
class Outcome:
    status: str  # promoted, refused or unchanged (the model for this data is already in service)
    rows: list[Row]
    message: str
    seconds: dict[str, float]

    @property
    def promoted(self) -> bool:
        return self.status == "promoted"


def retrain(
    promoted_by: str,
    finetune: bool = False,
    tolerance: float = 0.0,
    log: Callable[[str], None] = print,
) -> Outcome:
    """Validate, train, measure the new model and the one in service, then promote or refuse."""
    from netfaq.core.knowledge import KnowledgeBaseError, load_knowledge
    from netfaq.tools.build import build
    from netfaq.tools.training import current_model, train, training_fingerprint

    seconds: dict[str, float] = {}
    try:
        kb = load_knowledge()
    except KnowledgeBaseError as error:
        return Outcome("refused", [], f"refused: {error}", seconds)
    build(kb)
    problem = validate_training_data()
    if problem:
        return Outcome("refused", [], f"refused: rasa data validate found problems:\n{problem}", seconds)
    registry = model_registry.load()
    service = registry.service
    candidate = current_model()
    if service is not None and service.model == candidate.name:
        return Outcome("unchanged", [], f"nothing changed: {candidate.name} is already in service", seconds)
    base = None
    if finetune:
        why_not = finetune_problem(service)
        if why_not:
            log(f"Fine-tuning is not safe here ({why_not}): training afresh.")
        else:
            base = MODELS_DIR / service.model
    started = time.monotonic()
    if train(finetune_from=base) != 0:
        return Outcome("refused", [], "refused: training failed (see the output above)", seconds)
    seconds["train"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    measured = measure(candidate, log)
    in_service = service.metrics if service is not None else None  # as measured when it was promoted ...
    if service is not None and (MODELS_DIR / service.model).exists():
        in_service = measure(MODELS_DIR / service.model, log)  # ... or, while its file is here, anew on the same sets
    seconds["evaluate"] = round(time.monotonic() - started, 1)
    rows = compare(in_service, measured, tolerance)
    if not not_worse(rows):
        worse = ", ".join(row.measure for row in rows if row.worse)
        return Outcome("refused", rows, f"refused: {worse} worse than the model in service", seconds)
    manifest = Manifest(
        model=candidate.name,
        training_fingerprint=training_fingerprint(),
        knowledge_fingerprint=knowledge_fingerprint(),
        metrics=measured,
        trained_seconds=seconds["train"],
        finetuned_from=base.name if base else None,
        inputs=input_hashes(),
    )
    model_registry.promote(manifest, promoted_by)
    seconds["server start"] = measured["start seconds"]
    first = " (the first model promoted: nothing to compare against)" if in_service is None else ""
    return Outcome("promoted", rows, f"promoted: {candidate.name} is in service{first}", seconds)
