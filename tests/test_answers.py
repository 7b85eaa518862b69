"""Answer-level quality on our blind set: does the patient get the right fact, whatever the intent?

Runs the whole blind set (tests/answers/) through the real Rasa server and action server, as
bench/answers.py does, and holds it to a floor. `make bench` reports the same figures for every
set, with ../shared/eval beside them.
"""

from __future__ import annotations

import re

import pytest
import yaml

from bench.answers import SETS, load_conversations, load_questions, messages_in, rest_sender, run_set
from netfaq.core.paths import PROJECT_ROOT as ROOT
from tests.test_nlu_data import training_examples

SHARED_REDFLAGS = ROOT.parent / "shared" / "eval" / "redflags.yml"

FLOOR = {"questions": 0.93, "conversations": 0.85}


GENERIC_WORDS = 3  # "thanks", "is it safe": everyone writes these; longer messages must not be trained on
# Messages of a set written blind that were training examples before the set was written: common
# wording its writer came to alone (checked against git history when the set was added), not a leak.
TRAINED_BEFORE_THE_SET = {
    "conversations_c": {
        "can I claim back my travel costs",  # data/hospital/redirects.yml since the redirects were added
        "do I need to fast for the blood test?",  # data/nlu/questions.yml
        "thanks for your help",  # data/nlu/conversation.yml
        "Thank you very much",
    },
}


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def _leaked(texts: list[str], training: set[str]) -> list[str]:
    return [text for text in texts if len(text.split()) > GENERIC_WORDS and _normalised(text) in training]


def bank_examples() -> set[str]:
    """The emergency model's training bank, in the same normalised form."""
    from netfaq.core.safety import default_rules
    from netfaq.nlu.emergency_model import load_bank

    bank = load_bank(ROOT / "data" / "safety" / "bank", default_rules().levels)
    return {_normalised(example) for file in bank for example in file.examples}


@pytest.mark.parametrize("name", sorted(SETS))
def test_no_evaluation_message_is_in_the_training_data(name):
    training = set(training_examples()) | bank_examples()
    paths = [path for path in SETS[name] if path is not None]
    known = TRAINED_BEFORE_THE_SET.get(name, set())
    texts = [text for path in paths for text in messages_in(path) if text not in known]
    assert _leaked(texts, training) == []


@pytest.mark.parametrize("path", sorted(ROOT.glob("tests/blind/redflags*.yml")) + [SHARED_REDFLAGS])
def test_no_red_flag_set_message_is_in_the_training_data(path):
    if not path.exists():
        pytest.skip(f"{path} is not beside this copy of the project")
    training = set(training_examples()) | bank_examples()
    texts = [item["text"] for item in yaml.safe_load(path.read_text(encoding="utf-8"))]
    assert _leaked(texts, training) == []


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_expectation_compiles(name):
    questions_file, conversations_file = SETS[name]
    checks = [q.check for q in load_questions(questions_file)] if questions_file else []
    checks += (
        [check for c in load_conversations(conversations_file) for _, check in c.turns] if conversations_file else []
    )
    assert len(checks) > 100
    for check in checks:
        for pattern in (*check.must_match, *check.must_not_match):
            re.compile(pattern)


@pytest.mark.model
@pytest.mark.servers
def test_the_blind_set_floor(assistant_url):
    result = run_set("blind", rest_sender(assistant_url))
    summary = result.summary()
    report = "\n".join(f"{f.where}: {f.text!r} -> {f.reply[:160]!r}" for f in result.failures)
    assert summary["questions"]["total"] >= 300 and summary["conversations"]["total"] >= 40
    assert summary["emergencies_caught"]["share"] == 1.0, report
    assert summary["lookalikes_sent_to_999"] == 0, report
    assert summary["questions"]["share"] >= FLOOR["questions"], report
    assert summary["conversations"]["share"] >= FLOOR["conversations"], report
