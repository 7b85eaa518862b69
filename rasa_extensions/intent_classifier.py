"""Rasa's side of `netfaq.intent_model`: trains it, stores it in the model archive, classifies.

Replaces DIET for this assistant: on our data it scores as well on held-out messages, rejects
off-topic ones more often, trains in a fraction of the time and needs no TensorFlow model at run
time (see the closing note of issue 5 for the figures).
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
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from threadpoolctl import threadpool_limits

from netfaq.core.dialogue import DEFER_HELP_INTENT, DIAGNOSIS_INTENT, EMERGENCY_INTENT, INFORM_INTENT
from netfaq.core.paths import INTENT_CLASSIFIER_CODE
from netfaq.core.patient_words import default_patient_words
from netfaq.nlu import augment
from netfaq.nlu.intent_model import IntentModel, Settings, Span, normalise

logger = logging.getLogger(__name__)

# Read from the whole message, whatever one of its sentences asks: "I've been bleeding since the
# scan. Is that normal?" stays an emergency for the guard to weigh.
WHOLE_MESSAGE_INTENTS = (EMERGENCY_INTENT, DEFER_HELP_INTENT, DIAGNOSIS_INTENT)


def single_threaded_blas() -> None:
    """One BLAS thread for the whole server process.

    A message's products are tiny (150 x 128), and OpenBLAS's extra threads busy-wait between
    them: measured, the Rasa server burned 35-40 ms of CPU per message instead of 18.
    TensorFlow has its own thread pools and is not affected.
    """
    threadpool_limits(limits=1, user_api="blas")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SparseIntentClassifier(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> List[Type]:
        # Nothing strictly: while training it masks the annotated entities; when serving, those of
        # the extractors placed before it in config.yml.
        return []

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # personal_details: a file of details to attach to copies of training questions (netfaq/nlu/augment.py)
        return {**asdict(Settings()), "masked_entity": "procedure", "personal_details": None}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        """Rasa's cache knows the config and the training data, not the code and files this depends on."""
        digest = hashlib.sha256()
        for path in INTENT_CLASSIFIER_CODE:
            digest.update(path.read_bytes())
        if config.get("personal_details"):
            digest.update(Path(config["personal_details"]).read_bytes())
        return digest.hexdigest()

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: IntentModel | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SparseIntentClassifier:
        return cls(config, model_storage, resource)

    def _spans(self, message: Message) -> list[Span]:
        return [
            Span(entity["start"], entity["end"])
            for entity in message.get(ENTITIES) or []
            if entity.get(ENTITY_ATTRIBUTE_TYPE) == self._config["masked_entity"] and "start" in entity
        ]

    def _normalised(self, message: Message) -> str:
        return normalise(message.get(TEXT) or "", self._spans(message))

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_data.intent_examples
        settings = Settings(**{field.name: self._config[field.name] for field in fields(Settings)})
        texts, intents = [self._normalised(m) for m in examples], [m.get(INTENT) for m in examples]
        if self._config["personal_details"]:
            spec = augment.load_spec(Path(self._config["personal_details"]))
            copied_texts, copied_intents = augment.with_details(texts, intents, spec, normalise)
            logger.info(f"Training on {len(texts)} examples and {len(copied_texts)} copies with personal details.")
            texts, intents = texts + copied_texts, intents + copied_intents
        with threadpool_limits(limits=1, user_api="blas"):  # as when serving: 2 threads were slower
            self._model = IntentModel.train(texts, intents, settings)
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
    ) -> SparseIntentClassifier:
        single_threaded_blas()
        with model_storage.read_from(resource) as folder:
            return cls(config, model_storage, resource, IntentModel.load(folder))

    def _question_ranking(self, message: Message, whole: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """A message that tells, then asks ("I have an ultrasound on Thursday as part of tests for a
        NET. How do I get ready for it?"): its asking sentences, when they are classed more surely
        than the whole, say what it does. A safety intent of the whole message is never traded."""
        text = message.get(TEXT) or ""
        asking = default_patient_words().questions_beside_telling(text)
        if not asking or whole[0][0] in WHOLE_MESSAGE_INTENTS:
            return whole
        spans = self._spans(message)
        parts = []
        for sentence in asking:
            start = text.find(sentence)
            inside = [
                Span(s.start - start, s.end - start)
                for s in spans
                if start <= s.start and s.end <= start + len(sentence)
            ]
            parts.append(normalise(sentence, inside))
        part = self._model.rank([" ".join(parts)])[0]
        # "I'm booked for an octreotide scan and a bone scan. What happens in the first one?" does
        # not only name tests, however sure the whole message looked to be naming them.
        return part if part[0][1] > whole[0][1] or whole[0][0] == INFORM_INTENT else whole

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            raise RuntimeError("SparseIntentClassifier used before it was trained")
        rankings = self._model.rank([self._normalised(m) for m in messages])
        for message, whole in zip(messages, rankings, strict=True):
            ranking = self._question_ranking(message, whole)
            shown = [{"name": name, "confidence": confidence} for name, confidence in ranking[:LABEL_RANKING_LENGTH]]
            message.set(INTENT, shown[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, shown, add_to_output=True)
        return messages
