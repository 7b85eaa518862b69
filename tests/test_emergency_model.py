"""The emergency model on its own: the bank's checks, how a message is cut into parts, training,
judging a long message by its last sentence, and a save/load round trip without pickles."""

from __future__ import annotations

import numpy as np
import pytest

from netfaq.core.embedding import default_encoder
from netfaq.core.safety import CRISIS, EMERGENCY, NOTHING_URGENT, URGENT
from netfaq.nlu.emergency_model import BankError, EmergencyModel, Settings, load_bank, segments

LEVELS = {"chest_pain": EMERGENCY, "self_harm": CRISIS, "injection_site": URGENT}
BANK = {
    "chest_pain.yml": (
        "category: chest_pain\nexamples: [crushing pain in my chest right now, my chest feels tight and heavy,"
        " he is clutching his chest in agony, pain across my chest going into my arm]\n"
    ),
    "thoughts.yml": (
        "category: self_harm\nkind: self_harm_thoughts\nexamples: [I don't want to be here any more,"
        " I keep thinking about ending it, everyone would be better off without me, I want to die]\n"
    ),
    "site.yml": (
        "category: injection_site\nexamples: [the injection site is red and sore, my arm is bruised where the"
        " tracer went in, the cannula spot is a bit swollen, sore lump where they injected me]\n"
    ),
    "lookalike.yml": (
        "category: none\nkind: figure_of_speech\nexamples: [this wait is killing me, I nearly died laughing,"
        " my heart sank when I saw the letter, the parking is a pain]\n"
    ),
}
ORDINARY = ["how do I prepare for the MRI", "how long does the scan take", "when will I get my results", "hello"]


def write_bank(folder, files=BANK):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> EmergencyModel:
    bank = load_bank(write_bank(tmp_path_factory.mktemp("bank")), LEVELS)
    return EmergencyModel.train(bank, ORDINARY, LEVELS, default_encoder(), Settings(regularisation=16.0))


THRESHOLDS = {EMERGENCY: 0.5, CRISIS: 0.5, URGENT: 0.5}


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"a.yml": "category: sore_toe\nexamples: [x]\n"}, r"a.yml: unknown category 'sore_toe'"),
        ({"a.yml": "category: none\nexamples: [x]\n"}, r"a.yml: a look-alike file needs a kind"),
        ({"a.yml": "category: chest_pain\nexamples: []\n"}, r"a.yml: examples must be a non-empty list"),
        ({"a.yml": "category: chest_pain\nexamples: ['', y]\n"}, r"a.yml: example 1 must be non-empty text"),
        ({"a.yml": "category: [chest_pain\n"}, r"a.yml: not valid YAML"),
        (
            {
                "a.yml": "category: chest_pain\nkind: k\nexamples: [x]\n",
                "b.yml": "category: self_harm\nkind: k\nexamples: [y]\n",
            },
            r"b.yml: kind 'k' is filed under 'chest_pain' in .*a.yml",
        ),
    ],
)
def test_bank_problems_name_the_file_and_the_problem(tmp_path, files, problem):
    with pytest.raises(BankError, match=problem):
        load_bank(write_bank(tmp_path / "bank", files), LEVELS)


def test_a_style_subfolder_adds_examples_to_a_kind(tmp_path):
    folder = write_bank(tmp_path / "bank")
    write_bank(folder / "styles", {"chest_pain.yml": "category: chest_pain\nexamples: [chest pane bad]\n"})
    kinds = [(f.kind, len(f.examples)) for f in load_bank(folder, LEVELS)]
    assert kinds.count(("chest_pain", 1)) == 1 and ("chest_pain", 4) in kinds


def test_segments_keep_every_sentence_of_a_long_message_and_read_dictation_in_runs():
    long = " ".join(f"Question {i} about the scan?" for i in range(30)) + " My chest is crushing now."
    parts = segments(long)
    assert "My chest is crushing now." in parts and len(parts) <= 40
    assert long not in parts  # a long message is covered by its sentences and pairs, not read whole
    dictation = " ".join(["can I eat before the scan and where do I park and"] * 4) + " my dad has collapsed"
    assert any(part.endswith("my dad has collapsed") and len(part.split()) <= 16 for part in segments(dictation))
    assert segments("I want to die") == ["I want to die"]


def test_finds_each_level_and_the_most_serious_first(model):
    assert model.assess("my chest is so tight and heavy", THRESHOLDS, default_encoder()).findings[0].category == (
        "chest_pain"
    )
    assert model.assess("I just want to die", THRESHOLDS, default_encoder()).findings[0].level == CRISIS
    calm = model.assess("how long does the MRI take", THRESHOLDS, default_encoder())
    assert calm.findings == () and calm.peaks[URGENT] < 0.5
    assert calm.peaks[EMERGENCY] <= calm.peaks[CRISIS] <= calm.peaks[URGENT]  # each counts those above
    both = model.assess("the injection site is sore. I want to die", THRESHOLDS, default_encoder())
    assert [f.level for f in both.findings][0] == CRISIS and URGENT in {f.level for f in both.findings}


def test_the_last_sentence_of_a_long_message_counts(model):
    text = (
        "Hello, I wanted to ask how long the MRI takes and when the results come, and whether I can bring my"
        " husband. The letter did not say. Also my chest feels tight and heavy."
    )
    found = model.assess(text, THRESHOLDS, default_encoder()).findings
    assert found and found[0].category == "chest_pain" and "chest" in found[0].segment


def test_save_and_load_give_the_same_probabilities_and_write_no_pickle(model, tmp_path):
    model.save(tmp_path)
    loaded = EmergencyModel.load(tmp_path)
    texts = ["my chest hurts", "the wait is killing me", "how do I prepare"]
    np.testing.assert_allclose(
        loaded.probabilities(texts, default_encoder()), model.probabilities(texts, default_encoder()), rtol=1e-5
    )
    assert loaded.kind_categories["figure_of_speech"] == NOTHING_URGENT
    with np.load(tmp_path / EmergencyModel.ARRAYS_FILE, allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
