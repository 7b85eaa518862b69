"""The TF-free intent model: masking, training, ranking, and a save/load round trip without pickles."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from netfaq.nlu.intent_model import IntentModel, Settings, Span, normalise

EXAMPLES = {
    "ask_preparation": [
        "how do i prepare for xproc",
        "what should i do before my xproc",
        "do i need to fast for xproc",
    ],
    "ask_pain": ["does xproc hurt", "is xproc painful", "will the xproc be sore"],
    "greet": ["hello", "hi there", "good morning"],
}
TEXTS = [text for texts in EXAMPLES.values() for text in texts]
INTENTS = [intent for intent, texts in EXAMPLES.items() for _ in texts]
SMALL = Settings(hidden_units=16, epochs=200, batch_size=4, random_seed=1)


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return IntentModel.train(TEXTS, INTENTS, SMALL)


def test_normalise_masks_procedures_lowercases_and_folds_digits():
    text = "Does an MRI scan hurt? I'm 74"
    assert normalise(text, [Span(8, 16)]) == "does an  xproc  hurt? i'm 00"


def test_normalise_masks_personal_data_as_one_token_whatever_its_kind():
    text = "MRI: ring 07700 900123, dob 3/4/1961, nhs 943 476 5919, jo@example.com, SW1A 1AA"
    assert (
        normalise(text, [Span(0, 3)]) == " xproc : ring  xdetail , dob  xdetail , nhs  xdetail ,  xdetail ,  xdetail "
    )


def test_normalise_masks_several_spans_from_the_end_so_offsets_stay_valid():
    assert normalise("CT or MRI?", [Span(0, 2), Span(6, 9)]) == " xproc  or  xproc ?"


def test_training_needs_two_intents():
    with pytest.raises(ValueError, match="at least two intents"):
        IntentModel.train(["hello", "hi"], ["greet", "greet"], SMALL)


def test_ranks_every_intent_best_first_with_probabilities_summing_to_one(model):
    [ranking] = model.rank(["does the xproc hurt much"])
    assert ranking[0][0] == "ask_pain"
    assert sorted(name for name, _ in ranking) == sorted(EXAMPLES)
    confidences = [c for _, c in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=1e-5)


def test_unseen_words_and_empty_text_still_get_a_ranking(model):
    assert [len(r) for r in model.rank(["", "zzzz qqqq"])] == [3, 3]
    assert model.rank([]) == []


def test_own_forward_pass_matches_scikit_learns():
    network = MLPClassifier(hidden_layer_sizes=(16,), batch_size=4, max_iter=50, random_state=3)
    model = IntentModel.train(TEXTS, INTENTS, Settings(hidden_units=16, epochs=50, batch_size=4, random_seed=3))
    network.fit(model.ngrams.matrix(TEXTS), INTENTS)
    queries = ["how do i get ready for xproc", "hiya", "is it sore"]
    expected = network.predict_proba(model.ngrams.matrix(queries))
    assert list(network.classes_) == model.intents
    np.testing.assert_allclose(model.probabilities(queries), expected, rtol=1e-4, atol=1e-6)


def test_save_and_load_give_the_same_rankings_and_write_no_pickle(model, tmp_path):
    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [IntentModel.CONFIG_FILE, IntentModel.ARRAYS_FILE]
    assert json.loads((tmp_path / IntentModel.CONFIG_FILE).read_text())["settings"]["hidden_units"] == 16
    loaded = IntentModel.load(tmp_path)
    queries = ["what should i do before xproc", "good evening", "xproc sore?"]
    assert loaded.intents == model.intents
    np.testing.assert_allclose(loaded.probabilities(queries), model.probabilities(queries), rtol=1e-6)
    with np.load(tmp_path / IntentModel.ARRAYS_FILE, allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)


def test_same_seed_same_model():
    first = IntentModel.train(TEXTS, INTENTS, SMALL).probabilities(["does it hurt"])
    second = IntentModel.train(TEXTS, INTENTS, SMALL).probabilities(["does it hurt"])
    np.testing.assert_array_equal(first, second)
