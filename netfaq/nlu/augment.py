"""Questions with personal details attached, made from the training questions while the classifier trains.

Patients add their name, date of birth, hospital number, age or who the test is for. Those details
say nothing about the question, but a classifier trained on bare questions read them as off-topic:
"my name is John Smith, date of birth 3/4/1961, how long does a CT scan take?" went to out_of_scope.
So a share of each intent's examples (out_of_scope's too, so that details stay neutral) is copied
with one or two details before or after it, filled in from data/augmentation/personal_details.yml.

The copies are made from the classifier's own training examples at training time, not written to
data/nlu, so a cross-validation fold never trains on copies of its test questions. Which examples
are copied, and with what, depends only on the example and the seed: adding an example leaves the
others' copies as they were.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import jsonschema
import yaml

PLACEHOLDER = re.compile(r"\{(\w+)\}")

SCHEMA = {
    "type": "object",
    "required": ["share", "seed", "skip_intents", "values", "snippets"],
    "additionalProperties": False,
    "properties": {
        "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "seed": {"type": "integer"},
        "skip_intents": {"type": "array", "items": {"type": "string"}},
        "values": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        },
        "snippets": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": r"\S"}},
    },
}


class DetailsSpecError(ValueError):
    """A problem in the personal-details file, naming the file, the entry and the problem."""


@dataclass(frozen=True)
class DetailsSpec:
    share: float  # of each intent's examples, copied with details
    seed: int
    skip_intents: frozenset[str]  # intents where details would make no sense ("yes", "thanks")
    values: dict[str, tuple[str, ...]]
    snippets: tuple[str, ...]


def load_spec(path: Path) -> DetailsSpec:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DetailsSpecError(f"{path}: cannot be read as YAML: {error}") from error
    try:
        jsonschema.validate(raw, SCHEMA)
    except jsonschema.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise DetailsSpecError(f"{path}: {where}: {error.message}") from error
    for number, snippet in enumerate(raw["snippets"]):
        unknown = sorted(set(PLACEHOLDER.findall(snippet)) - set(raw["values"]))
        if unknown:
            raise DetailsSpecError(
                f"{path}: snippets/{number} ({snippet!r}): no values for {', '.join('{' + u + '}' for u in unknown)}"
            )
    return DetailsSpec(
        share=float(raw["share"]),
        seed=raw["seed"],
        skip_intents=frozenset(raw["skip_intents"]),
        values={name: tuple(items) for name, items in raw["values"].items()},
        snippets=tuple(raw["snippets"]),
    )


def configured_file(config: Path) -> Path | None:
    """The details file that config.yml gives a pipeline component, if any (paths are from the project)."""
    pipeline = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    for component in pipeline:
        if component.get("personal_details"):
            return config.parent / component["personal_details"]
    return None


def _rng(spec: DetailsSpec, intent: str, text: str) -> random.Random:
    digest = hashlib.sha256(f"{spec.seed}\0{intent}\0{text}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _detail(spec: DetailsSpec, rng: random.Random) -> str:
    parts = [rng.choice(spec.snippets) for _ in range(rng.choice((1, 1, 2)))]
    return ", ".join(PLACEHOLDER.sub(lambda m: rng.choice(spec.values[m.group(1)]), part) for part in parts)


def with_details(
    texts: Sequence[str],
    intents: Sequence[str],
    spec: DetailsSpec,
    normalise: Callable[[str], str] = str,
) -> tuple[list[str], list[str]]:
    """The copies with details only; `normalise` makes a detail look like the (normalised) texts."""
    copied_texts, copied_intents = [], []
    for text, intent in zip(texts, intents, strict=True):
        if intent in spec.skip_intents:
            continue
        rng = _rng(spec, intent, text)
        if rng.random() >= spec.share:
            continue
        detail = normalise(_detail(spec, rng))
        if rng.random() < 0.7:
            copied_texts.append(f"{detail}, {text}")
        else:
            copied_texts.append(f"{text.rstrip(' ?.!')}, {detail}")
        copied_intents.append(intent)
    return copied_texts, copied_intents
