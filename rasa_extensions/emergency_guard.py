"""Force the `emergency` intent when a message's wording describes an emergency.

Runs after the intent classifiers and the FallbackClassifier, so 999 advice depends neither on
the classifier being right nor on its confidence.
"""

from __future__ import annotations

from typing import Any, Dict, List, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from netfaq.safety import detect_emergency

EMERGENCY_INTENT = "emergency"
OVERRIDE_KEY = "safety_override"


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
            category = detect_emergency(message.get(TEXT))
            if category is None:
                continue
            previous = message.get(INTENT) or {}
            forced = {"name": EMERGENCY_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY_INTENT]
            message.set(INTENT, forced, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)
            message.set(
                OVERRIDE_KEY,
                {"category": category, "classifier_intent": previous.get("name")},
                add_to_output=True,
            )
        return messages
