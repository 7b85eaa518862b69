"""Answer-level quality on our blind set: does the patient get the right fact, whatever the intent?

Runs the whole blind set (tests/answers/) through the real Rasa server and action server, as
bench/answers.py does, and holds it to a floor. `make bench` reports the same figures for every
set, with ../shared/eval beside them.
"""

from __future__ import annotations

import re

import pytest

from bench.answers import SETS, load_conversations, load_questions, messages_in, rest_sender, run_set
from tests.test_nlu_data import training_examples

FLOOR = {"questions": 0.93, "conversations": 0.85}


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


@pytest.mark.parametrize("name", sorted(SETS))
def test_no_evaluation_message_is_in_the_training_data(name):
    training = set(training_examples())
    leaked = [text for path in SETS[name] for text in messages_in(path) if _normalised(text) in training]
    assert leaked == []


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_expectation_compiles(name):
    questions_file, conversations_file = SETS[name]
    checks = [q.check for q in load_questions(questions_file)]
    checks += [check for c in load_conversations(conversations_file) for _, check in c.turns]
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
