"""Score a trained model on an NLU test set: intent macro-F1 and procedure-entity F1.

The whole NLU pipeline runs as in production, fallback and safety guard included, so a
correct intent that falls below the fallback threshold counts as a miss.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from netfaq.core.dialogue import FALLBACK_INTENT

ENTITY = "procedure"


@dataclass
class Example:
    text: str
    intent: str
    procedures: frozenset[str]


@dataclass
class Report:
    examples: int
    intent_macro_f1: float
    intent_accuracy: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    per_intent_f1: dict[str, float]
    fallback_count: int
    # The classifier's own top intent where the FallbackClassifier replaced it: how much the threshold costs.
    classifier_macro_f1: float
    errors: list[dict[str, object]] = field(default_factory=list)

    def summary(self) -> str:
        worst = sorted(self.per_intent_f1.items(), key=lambda kv: kv[1])[:5]
        lines = [
            f"examples: {self.examples}",
            f"intent macro-F1: {self.intent_macro_f1:.3f}  accuracy: {self.intent_accuracy:.3f}  "
            f"(fell to fallback: {self.fallback_count}; classifier alone macro-F1: {self.classifier_macro_f1:.3f})",
            f"procedure entity P/R/F1: {self.entity_precision:.3f} / {self.entity_recall:.3f} / {self.entity_f1:.3f}",
            "lowest intent F1: " + ", ".join(f"{name} {f1:.2f}" for name, f1 in worst),
        ]
        lines += [f"  miss: {e['text']!r} expected {e['expected']} got {e['predicted']}" for e in self.errors[:40]]
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def read_examples(path: Path) -> list[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    examples = []
    for message in data.intent_examples:
        values = frozenset(e["value"] for e in message.get("entities", []) or [] if e["entity"] == ENTITY)
        examples.append(Example(message.get("text"), message.get("intent"), values))
    return examples


Prediction = tuple[str, frozenset[str], str]  # pipeline intent, procedures, classifier's own intent


def score(examples: list[Example], predictions: list[Prediction]) -> Report:
    from sklearn.metrics import f1_score

    gold = [e.intent for e in examples]
    predicted = [p[0] for p in predictions]
    labels = sorted(set(gold))
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    classifier = f1_score(gold, [p[2] for p in predictions], labels=labels, average="macro", zero_division=0)
    tp = fp = fn = 0
    errors = []
    for example, (intent, procedures, _) in zip(examples, predictions, strict=True):
        tp += len(example.procedures & procedures)
        fp += len(procedures - example.procedures)
        fn += len(example.procedures - procedures)
        if intent != example.intent or procedures != example.procedures:
            errors.append(
                {
                    "text": example.text,
                    "expected": [example.intent, sorted(example.procedures)],
                    "predicted": [intent, sorted(procedures)],
                }
            )
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Report(
        examples=len(examples),
        intent_macro_f1=float(per_intent.mean()),
        intent_accuracy=sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        entity_precision=precision,
        entity_recall=recall,
        entity_f1=f1,
        per_intent_f1={label: round(float(v), 4) for label, v in zip(labels, per_intent, strict=True)},
        fallback_count=Counter(predicted)[FALLBACK_INTENT],
        classifier_macro_f1=float(classifier),
        errors=errors,
    )


def evaluate_model(data: Path, model: Path) -> Report:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not a debug line per parsed message

    agent = Agent.load(str(model))
    examples = read_examples(data)

    async def parse_all() -> list[Prediction]:
        results = []
        for example in examples:
            parsed = await agent.parse_message(example.text)
            values = frozenset(e["value"] for e in parsed.get("entities", []) if e["entity"] == ENTITY)
            intent = parsed["intent"]["name"]
            ranking = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK_INTENT]
            own = ranking[0] if intent == FALLBACK_INTENT and ranking else intent
            results.append((intent, values, own))
        return results

    return score(examples, asyncio.run(parse_all()))
