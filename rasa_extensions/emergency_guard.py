"""Force the `emergency` intent when a message describes an emergency happening now.

Two nets, either of which is enough: the wording patterns of data/safety/emergency.yml (a floor
that never changes with training) and the emergency model (netfaq/nlu/emergency_model.py), which
recognises red flags, thoughts of suicide or self-harm and urgent problems by meaning, sentence
by sentence, after training on data/safety/bank/. Runs after the intent classifiers and the
FallbackClassifier, so the advice depends neither on the intent being right nor on its confidence.

The advice itself is put in two entities (`emergency_advice`, and `emergency_advice_again` for
when the patient puts it off), which fill slots that the domain's `utter_emergency*` responses
print: the Rasa server says it without the action server. Any such entity not set here (a forged
payload) is dropped. Wording that puts off help ("I'd rather not make a fuss") becomes
`defer_help`, which repeats the advice right after it was given, and a request for a diagnosis or
prognosis (data/safety/diagnosis.yml) becomes `request_diagnosis`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Dict, List, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from netfaq.core.conversation import SAFETY_OVERRIDE
from netfaq.core.dialogue import DEFER_HELP_INTENT, DIAGNOSIS_INTENT, EMERGENCY_INTENT, FALLBACK_INTENT
from netfaq.core.embedding import default_encoder
from netfaq.core.paths import EMERGENCY_MODEL_CODE, PROJECT_ROOT
from netfaq.core.plain_text import plain
from netfaq.core.safety import (
    CRISIS,
    EMERGENCY,
    LEVELS,
    TIMELESS_LEVELS,
    URGENT,
    asks_about_something,
    asks_for_diagnosis,
    default_rules,
    is_deferral,
    not_happening_now,
    triage,
)
from netfaq.nlu.emergency_model import EmergencyModel, Settings, load_bank

logger = logging.getLogger(__name__)

ADVICE_ENTITY = "emergency_advice"
ADVICE_AGAIN_ENTITY = "emergency_advice_again"
ADVICE_ENTITIES = (ADVICE_ENTITY, ADVICE_AGAIN_ENTITY)
EXTRACTOR = "EmergencyGuard"
THRESHOLD_SETTINGS = {EMERGENCY: "emergency_threshold", CRISIS: "crisis_threshold", URGENT: "urgent_threshold"}


def _force(message: Message, intent: str) -> None:
    forced = {"name": intent, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)


def _add_entity(message: Message, name: str, value: str) -> None:
    entity = {"entity": name, "value": value, "extractor": EXTRACTOR, "confidence": 1.0}
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)


def _drop_forged_advice(message: Message) -> None:
    """Advice text comes from data/safety/emergency.yml only, never from what was sent."""
    entities = message.get(ENTITIES) or []
    kept = [e for e in entities if e.get("entity") not in ADVICE_ENTITIES or e.get("extractor") == EXTRACTOR]
    if len(kept) != len(entities):
        message.set(ENTITIES, kept, add_to_output=True)


def overrule_bars(config: Dict[str, Any]) -> Dict[str, float]:
    """For each level, the model's peak below which it overrules the wording's signs of that level:
    never for thoughts of suicide (measured: overruling them at 0.15 lost 1.5 % of them)."""
    return {level: 0.0 if level in TIMELESS_LEVELS else float(config["overrule_below"]) for level in LEVELS}


def bank_folder(config: Dict[str, Any]) -> Path:
    return PROJECT_ROOT / config["bank"]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmergencyGuard(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> List[Type]:
        # None to train; when serving it reads the intent classifiers' verdict, so config.yml
        # places it after them (a test checks the order).
        return []

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # The thresholds are chosen by measurement (bench/emergency.py) and set in config.yml.
        return {
            **asdict(Settings()),
            "bank": "data/safety/bank",
            "emergency_threshold": 0.5,
            "crisis_threshold": 0.5,
            "urgent_threshold": 0.5,
            # The model overrules the wording's signs of a level when the most worrying part of the
            # message is less likely than this to describe anything of that level or worse.
            "overrule_below": 0.2,
            # The intent classifier alone calling a message an emergency is kept unless it is less
            # sure than this and the model is sure the message describes nothing of any level.
            "classifier_alone_below": 0.5,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        """Rasa's cache knows the config and the training data, not the bank and code this depends on."""
        digest = hashlib.sha256()
        config = {**cls.get_default_config(), **config}  # Rasa's fingerprint run passes no defaults
        for path in (*EMERGENCY_MODEL_CODE, *sorted(bank_folder(config).rglob("*.yml"))):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: EmergencyModel | None = None,
    ) -> None:
        # The encoder loads here (at server start), so the first patient does not wait for it.
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model: EmergencyModel | None = model
        self._thresholds = {level: float(config[name]) for level, name in THRESHOLD_SETTINGS.items()}
        self._overrule_below = overrule_bars(config)
        self._classifier_alone_below = float(config["classifier_alone_below"])
        self._words = default_encoder().words()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyGuard:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        rules = default_rules()
        bank = load_bank(bank_folder(self._config), rules.levels)
        # The assistant's own training questions are what "nothing urgent" looks like; its
        # `emergency` examples are left out (they carry no category).
        ordinary = [m.get(TEXT) for m in training_data.intent_examples if m.get(INTENT) != EMERGENCY_INTENT]
        settings = Settings(**{field.name: self._config[field.name] for field in fields(Settings)})
        logger.info(
            f"Training the emergency model on {sum(len(f.examples) for f in bank)} bank examples "
            f"and {len(ordinary)} ordinary questions."
        )
        self._model = EmergencyModel.train(bank, ordinary, rules.levels, default_encoder(), settings)
        with self._model_storage.write_to(self._resource) as folder:
            self._model.save(folder)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EmergencyGuard:
        with model_storage.read_from(resource) as folder:
            return cls(config, model_storage, resource, EmergencyModel.load(folder))

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            raise RuntimeError("EmergencyGuard used before it was trained")
        for message in messages:
            _drop_forged_advice(message)
            self._check(message)
        return messages

    def _check(self, message: Message) -> None:
        rules = default_rules()
        text = plain(message.get(TEXT) or "", self._words)  # "ch3st pa1n", "c h e s t" as "chest"
        previous = (message.get(INTENT) or {}).get("name")
        assessment = self._model.assess(text, self._thresholds, default_encoder())
        overruled = [level for level, peak in assessment.peaks.items() if peak < self._overrule_below[level]]
        categories = triage(text, assessment.findings, overruled, rules)
        category, also = (categories[0], categories[1:]) if categories else (None, ())
        # A question in which the model is sure nothing of any level is described (below the overrule
        # bar for the levels it may overrule, below its own threshold for thoughts of suicide). A
        # plea ("help me, something is very wrong") or the emergency button is not a question.
        model_calm = all(
            peak < (self._overrule_below[level] or self._thresholds[level]) for level, peak in assessment.peaks.items()
        )
        # ... or a message the classifier was torn about (a request, a condition told, an emergency
        # at a quarter each) in which the model is just as sure nothing is described.
        classifier_confidence = float((message.get(INTENT) or {}).get("confidence") or 0.0)
        torn = classifier_confidence < self._classifier_alone_below and model_calm
        doubtful = (
            ("?" in text and model_calm) or torn or not_happening_now(text, rules) or asks_about_something(text, rules)
        )
        if category is None and previous == EMERGENCY_INTENT and doubtful:
            # The intent classifier alone heard an emergency in a question ("I'm still breastfeeding,
            # is that a problem?"), or in signs that are over or supposed, and neither net found
            # one: take its next guess instead.
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY_INTENT]
            next_guess = ranking[0] if ranking else {"name": FALLBACK_INTENT, "confidence": 1.0}
            message.set(INTENT, next_guess, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            return
        if category is not None or previous == EMERGENCY_INTENT:
            _force(message, EMERGENCY_INTENT)
            _add_entity(message, ADVICE_ENTITY, rules.advice(category, also))
            _add_entity(message, ADVICE_AGAIN_ENTITY, rules.advice_again(category, also))
            override = {
                "category": category,
                "also": list(also),
                "classifier_intent": previous,
                "classifier_confidence": round(classifier_confidence, 3),
                "peaks": {level: round(peak, 3) for level, peak in assessment.peaks.items()},
            }
            message.set(SAFETY_OVERRIDE, override, add_to_output=True)
        elif asks_for_diagnosis(text):
            _force(message, DIAGNOSIS_INTENT)
        elif is_deferral(text, rules):
            # After 999 advice this repeats it (data/rules/safety.yml); otherwise the message is
            # answered as what the classifier thought it was, its guess kept second in the ranking.
            _force(message, DEFER_HELP_INTENT)
