"""Force the `emergency` intent when a message's wording describes an emergency happening now.

Runs after the intent classifiers and the FallbackClassifier, so 999 advice depends neither on
the classifier being right nor on its confidence. The advice itself is put in two entities
(`emergency_advice`, and `emergency_advice_again` for when the patient puts it off), which fill
slots that the domain's `utter_emergency*` responses print: the Rasa server says it without the
action server. Its wording stays in data/safety/emergency.yml. Wording that puts off help ("I'd
rather not make a fuss") becomes `defer_help`, which repeats the advice right after it was given,
and a request for a diagnosis or prognosis (data/safety/diagnosis.yml) becomes `request_diagnosis`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from netfaq.core.dialogue import DEFER_HELP_INTENT, DIAGNOSIS_INTENT, EMERGENCY_INTENT, FALLBACK_INTENT
from netfaq.core.safety import (
    asks_about_something,
    asks_for_diagnosis,
    default_rules,
    detect_emergencies,
    is_deferral,
    not_happening_now,
)

ADVICE_ENTITY = "emergency_advice"
ADVICE_AGAIN_ENTITY = "emergency_advice_again"
OVERRIDE_KEY = "safety_override"


def _force(message: Message, intent: str) -> None:
    forced = {"name": intent, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)


def _add_entity(message: Message, name: str, value: str) -> None:
    entity = {"entity": name, "value": value, "extractor": "EmergencyGuard", "confidence": 1.0}
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyGuard(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyGuard:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._check(message)
        return messages

    def _check(self, message: Message) -> None:
        rules = default_rules()
        text = message.get(TEXT)
        previous = (message.get(INTENT) or {}).get("name")
        categories = detect_emergencies(text, rules)
        category, also = (categories[0], categories[1:]) if categories else (None, ())
        doubtful = not_happening_now(text, rules) or asks_about_something(text, rules)
        if category is None and previous == EMERGENCY_INTENT and doubtful:
            # The classifier alone heard an emergency in a question, or in signs that are over or
            # supposed, with no emergency wording matched: take its next guess instead.
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY_INTENT]
            next_guess = ranking[0] if ranking else {"name": FALLBACK_INTENT, "confidence": 1.0}
            message.set(INTENT, next_guess, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            return
        if category is not None or previous == EMERGENCY_INTENT:
            _force(message, EMERGENCY_INTENT)
            _add_entity(message, ADVICE_ENTITY, rules.advice(category, also))
            _add_entity(message, ADVICE_AGAIN_ENTITY, rules.advice_again(category, also))
            override = {"category": category, "also": list(also), "classifier_intent": previous}
            message.set(OVERRIDE_KEY, override, add_to_output=True)
        elif asks_for_diagnosis(text):
            _force(message, DIAGNOSIS_INTENT)
        elif is_deferral(text, rules):
            # After 999 advice this repeats it (data/rules/safety.yml); otherwise the message is
            # answered as what the classifier thought it was, its guess kept second in the ranking.
            _force(message, DEFER_HELP_INTENT)
