"""Copies of training questions with personal details: validated spec, deterministic, stable, neutral."""

from __future__ import annotations

from pathlib import Path

import pytest

from netfaq.core.paths import PROJECT_ROOT
from netfaq.nlu import augment
from netfaq.nlu.intent_model import normalise

SPEC = augment.DetailsSpec(
    share=0.5,
    seed=3,
    skip_intents=frozenset({"greet"}),
    values={"first": ("ann", "bo"), "age": ("70",)},
    snippets=("my name is {first}", "im {age}"),
)
TEXTS = [f"how long does scan {n} take" for n in range(200)] + [f"hello {n}" for n in range(50)]
INTENTS = ["ask_duration"] * 200 + ["greet"] * 50


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "details.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_projects_file_is_valid_and_configured_for_the_classifier():
    path = augment.configured_file(PROJECT_ROOT / "config.yml")
    assert path == PROJECT_ROOT / "data" / "augmentation" / "personal_details.yml"
    spec = augment.load_spec(path)
    assert 0 < spec.share <= 0.2 and "greet" in spec.skip_intents and len(spec.snippets) >= 10


def test_copies_about_the_share_of_each_intent_never_the_skipped_ones():
    texts, intents = augment.with_details(TEXTS, INTENTS, SPEC)
    assert set(intents) == {"ask_duration"}
    assert 70 <= len(texts) <= 130  # half of 200, give or take chance
    for text in texts:
        original = next(t for t in TEXTS if t in text)
        detail = text.replace(original, "").strip(", ")
        assert detail.split(", ")[0] in {"my name is ann", "my name is bo", "im 70"}, text
        assert "{" not in text


def test_same_inputs_same_copies_and_adding_an_example_leaves_the_others_alone():
    first = augment.with_details(TEXTS, INTENTS, SPEC)
    assert augment.with_details(TEXTS, INTENTS, SPEC) == first
    more = augment.with_details(["a brand new question", *TEXTS], ["ask_duration", *INTENTS], SPEC)
    assert [t for t in more[0] if "brand new" not in t] == first[0]
    other_seed = augment.with_details(TEXTS, INTENTS, augment.DetailsSpec(**{**SPEC.__dict__, "seed": 4}))
    assert other_seed != first


def test_details_are_normalised_like_the_questions():
    texts, _ = augment.with_details(
        ["does it hurt"],
        ["ask_pain"],
        augment.DetailsSpec(1.0, 1, frozenset(), {"d": ("3/4/1961",)}, ("dob {d}",)),
        normalise,
    )
    assert texts in (["dob  xdetail , does it hurt"], ["does it hurt, dob  xdetail "])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("share: [1\n", "cannot be read as YAML"),
        ("share: 0.1\nseed: 1\nskip_intents: []\nvalues: {a: [x]}\n", "(top level): 'snippets' is a required property"),
        ("share: 2\nseed: 1\nskip_intents: []\nvalues: {a: [x]}\nsnippets: [x]\n", "share: 2 is greater than"),
        ("share: 0.1\nseed: 1\nskip_intents: []\nvalues: {a: []}\nsnippets: [x]\n", "values/a: [] is too short"),
        (
            "share: 0.1\nseed: 1\nskip_intents: []\nvalues: {age: ['70']}\nsnippets: ['im {age}', 'born {year}']\n",
            "snippets/1 ('born {year}'): no values for {year}",
        ),
    ],
)
def test_a_broken_file_names_itself_the_entry_and_the_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(augment.DetailsSpecError) as error:
        augment.load_spec(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


def test_no_details_file_configured_means_none(tmp_path):
    config = write(tmp_path, "pipeline:\n  - name: SpacyNLP\n")
    assert augment.configured_file(config) is None
