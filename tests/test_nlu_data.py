"""The training data and the held-out set: separate, complete, consistent with the domain."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"


def examples(path: Path) -> dict[str, str]:
    """Normalised example text -> intent."""
    found = {}
    for block in yaml.safe_load(path.read_text())["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", line[2:])
                found[re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()] = block["intent"]
    return found


def training_examples() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")):
        merged.update(examples(path))
    return merged


def test_heldout_set_is_never_trained_on():
    overlap = sorted(set(examples(HELDOUT)) & set(training_examples()))
    assert overlap == []


def test_heldout_covers_every_intent_in_the_domain():
    domain_intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    assert set(examples(HELDOUT).values()) == domain_intents
    assert set(training_examples().values()) == domain_intents


def test_training_data_is_varied_not_only_templated():
    train = training_examples()
    per_intent: dict[str, int] = {}
    for intent in train.values():
        per_intent[intent] = per_intent.get(intent, 0) + 1
    assert min(per_intent.values()) >= 25
    lowercase_share = sum(text == text.lower() for text in train) / len(train)
    assert lowercase_share > 0.5
