"""The Rasa component around the intent model: trains, persists in model storage, loads, classifies."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from threadpoolctl import threadpool_info

from netfaq.nlu.intent_model import IntentModel
from rasa_extensions.intent_classifier import SparseIntentClassifier

CONFIG = {**SparseIntentClassifier.get_default_config(), "hidden_units": 16, "epochs": 200, "batch_size": 4}


def procedure_message(text: str, procedure: str, intent: str | None = None) -> Message:
    start = text.index(procedure)
    entity = {"entity": "procedure", "start": start, "end": start + len(procedure), "value": procedure}
    data = {"text": text, "entities": [entity]}
    if intent:
        data["intent"] = intent
    return Message(data=data)


def training_data() -> TrainingData:
    messages = [
        procedure_message(f"how do i prepare for {p}", p, "ask_preparation")
        for p in ("an MRI scan", "a bone scan", "the CT", "an echo")
    ]
    messages += [procedure_message(f"does {p} hurt", p, "ask_pain") for p in ("an MRI scan", "a bone scan", "the CT")]
    messages += [Message(data={"text": t, "intent": "greet"}) for t in ("hello", "hi there", "good morning", "hiya")]
    return TrainingData(messages)


@pytest.fixture
def storage(tmp_path) -> LocalModelStorage:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test-model")


def test_trains_persists_loads_and_ranks(storage):
    resource = Resource("intent_classifier")
    trained = SparseIntentClassifier.create(CONFIG, storage, resource, context())
    assert trained.train(training_data()) == resource

    loaded = SparseIntentClassifier.load(CONFIG, storage, resource, context())
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
    [message] = loaded.process([procedure_message("what do i need to do to prepare for a PET-CT", "a PET-CT")])
    intent = message.get("intent")
    ranking = message.get("intent_ranking")
    assert intent["name"] == "ask_preparation"
    assert ranking[0] == intent
    assert {r["name"] for r in ranking} == {"ask_preparation", "ask_pain", "greet"}
    assert len(ranking) <= LABEL_RANKING_LENGTH
    assert message.as_dict_nlu()["intent"] == intent  # added to the parse output

    with storage.read_from(resource) as folder:
        assert sorted(p.name for p in folder.iterdir()) == sorted([IntentModel.CONFIG_FILE, IntentModel.ARRAYS_FILE])


def test_a_message_that_tells_then_asks_is_classed_by_its_question(storage):
    """Trained on greetings and questions only: telling something before the question ("Hello,
    my name is on the letter.") would pull the whole message towards a greeting."""
    resource = Resource("intent_classifier")
    SparseIntentClassifier.create(CONFIG, storage, resource, context()).train(training_data())
    loaded = SparseIntentClassifier.load(CONFIG, storage, resource, context())
    text = "Hello there. Does an MRI scan hurt?"  # the whole: greet 0.67; its question: ask_pain 0.99
    [message] = loaded.process([procedure_message(text, "an MRI scan")])
    assert message.get("intent")["name"] == "ask_pain"
    # An emergency read from the whole message is never traded for its question's intent.
    whole = [("emergency", 0.6), ("ask_pain", 0.3)]
    assert loaded._question_ranking(procedure_message(text, "an MRI scan"), whole) == whole


def test_masks_only_procedure_entities(storage):
    classifier = SparseIntentClassifier.create(CONFIG, storage, Resource("c"), context())
    message = procedure_message("Does an MRI scan hurt, Dr Jones?", "an MRI scan")
    message.set("entities", [*message.get("entities"), {"entity": "person", "start": 26, "end": 31, "value": "Jones"}])
    assert classifier._normalised(message) == "does  xproc  hurt, dr jones?"


def test_empty_message_still_gets_an_intent(storage):
    resource = Resource("intent_classifier")
    SparseIntentClassifier.create(CONFIG, storage, resource, context()).train(training_data())
    loaded = SparseIntentClassifier.load(CONFIG, storage, resource, context())
    [message] = loaded.process([Message(data={"text": ""})])
    assert message.get("intent")["name"] in {"ask_preparation", "ask_pain", "greet"}


def test_refuses_to_classify_untrained(storage):
    classifier = SparseIntentClassifier.create(CONFIG, storage, Resource("c"), context())
    with pytest.raises(RuntimeError, match="before it was trained"):
        classifier.process([Message(data={"text": "hello"})])


DETAILS = (
    "share: 1.0\nseed: 1\nskip_intents: [greet]\nvalues: {n: ['4471203']}\nsnippets: ['my hospital number is {n}']\n"
)


def test_trains_on_copies_with_personal_details_when_given_a_details_file(storage, tmp_path):
    details = tmp_path / "details.yml"
    details.write_text(DETAILS)
    for config, expected in ((CONFIG, False), ({**CONFIG, "personal_details": str(details)}, True)):
        resource = Resource(f"classifier_{expected}")
        SparseIntentClassifier.create(config, storage, resource, context()).train(training_data())
        words = SparseIntentClassifier.load(config, storage, resource, context())._model.ngrams.words.vocabulary_
        assert ("hospital" in words) is expected
        assert ("my hospital" in words) is expected  # word 2-grams of the detail: it was attached to the text


def test_fingerprint_follows_the_details_file_so_rasa_retrains_when_it_changes(tmp_path):
    details = tmp_path / "details.yml"
    details.write_text(DETAILS)
    config = {**CONFIG, "personal_details": str(details)}
    first = SparseIntentClassifier.fingerprint_addon(config)
    assert SparseIntentClassifier.fingerprint_addon(config) == first
    assert SparseIntentClassifier.fingerprint_addon(CONFIG) != first
    details.write_text(DETAILS.replace("4471203", "5561239"))
    assert SparseIntentClassifier.fingerprint_addon(config) != first
