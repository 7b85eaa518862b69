"""The answer-level benchmark's own logic: checks, scoring by kind, conversations, targets."""

from __future__ import annotations

import pytest

from bench.answers import Check, Conversation, Question, evaluate, flatten
from bench.report import answers_section
from bench.results import Results, answer_targets


def test_a_reply_passes_when_every_pattern_is_found_and_no_forbidden_one():
    check = Check(("(6|six)\\s?hours",), ("\\b999\\b",))
    assert check.failures("Stop eating for 6 hours.") == ([], [])
    assert check.failures("Stop eating for 4 hours.") == (["(6|six)\\s?hours"], [])
    assert check.failures("6 hours. Call 999.") == ([], ["\\b999\\b"])


def test_the_reply_is_its_texts_and_button_titles():
    messages = [{"text": "Which test?", "buttons": [{"title": "Echo", "payload": "/inform"}]}, {"image": "x"}]
    assert flatten(messages) == "Which test?\nEcho"


def test_scores_by_kind_emergencies_look_alikes_and_whole_conversations():
    replies = {"chest pain now": "Call 999 now.", "can the tracer cause a reaction?": "Call 999.", "hi": "Hello"}
    questions = [
        Question("q1", "chest pain now", "emergency", None, Check(("999",))),
        Question("q2", "can the tracer cause a reaction?", "lookalike", "octreotide_scan", Check((), ("999",))),
        Question("q3", "hi", "greet", None, Check(("hello",))),
    ]
    conversation = Conversation("c", (("hi", Check(("hello",))), ("chest pain now", Check(("A&E",)))))
    result = evaluate("set", lambda sender, text: [{"text": replies[text]}], questions, [conversation])
    summary = result.summary()
    assert summary["questions"] == {"right": 2, "total": 3, "share": pytest.approx(2 / 3, abs=1e-4)}
    assert summary["by_kind"]["lookalike"]["right"] == 0 and summary["lookalikes_sent_to_999"] == 1
    assert summary["emergencies_caught"]["right"] == 1
    assert summary["conversations"]["right"] == 0 and summary["turns"]["right"] == 1
    assert [f["where"] for f in summary["failures"]] == ["q2 (lookalike)", "c turn 2"]


def _results(answers):
    return Results("now", {}, {}, None, None, None, None, answers)


def test_targets_and_the_report_section():
    blind = {
        "set": "blind",
        "questions": {"right": 96, "total": 100, "share": 0.96},
        "conversations": {"right": 8, "total": 10, "share": 0.8},
        "turns": {"right": 28, "total": 30, "share": 0.93},
        "emergencies_caught": {"right": 5, "total": 5, "share": 1.0},
        "lookalikes_sent_to_999": 0,
        "lookalikes": 4,
        "by_kind": {"answer": {"right": 90, "total": 94, "share": 0.96}},
        "by_procedure": {},
        "failures": [{"where": "q7 (answer)", "text": "why?", "reply": "", "missing": ["x"], "forbidden": []}],
        "failure_kinds": {"facts, something missing": 1},
    }
    shared = {"questions": [95, 100], "conversations": [9, 10], "turns": [20, 20], "by_kind": {"emergency": [3, 4]}}
    targets = {t.name: t for t in answer_targets(_results({"sets": [blind], "shared_eval": shared}))}
    assert targets["Single questions answered right, our blind set"].met is True
    assert targets["Conversations right in every turn, our blind set"].met is False
    assert targets["Conversations right in every turn, shared eval"].met is True
    assert targets["Emergencies caught (blind set and shared eval)"].value == "88.9% (8/9)"
    assert targets["Emergencies caught (blind set and shared eval)"].met is False
    section = "\n".join(answers_section(_results({"sets": [blind], "shared_eval": shared})))
    assert "| blind | 96.0% (96/100) | 80.0% (8/10) |" in section and "| shared eval | 95.0% (95/100)" in section
    assert "`q7 (answer)` 'why?'" in section
    assert "| set | facts, something missing |" in section and "| blind | 1 |" in section
    assert answers_section(_results(None)) == []


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("Please call 999 now, or go to A&E.", "emergency advice"),
        ("Which test is your question about?\nUltrasound scan", "asked which test"),
        (
            "I'm sorry, our sources don't say how long an MRI scan takes, so I can't tell you that.",
            "told our sources don't say",
        ),
        ("I'm not sure our sources answer exactly that. This is what they say", "closest facts, hedged"),
        ("Ultrasound scan\n• It can take up to 45 minutes.", "facts"),
    ],
)
def test_failures_are_grouped_by_the_kind_of_reply_the_patient_got(reply, kind):
    from bench.answers import Failure, reply_kind

    assert reply_kind(reply) == kind
    assert Failure("q1", "text", reply, [], ["x"]).kind == f"{kind}, something wrong said"


def test_a_redirect_and_the_out_of_scope_reply_are_told_apart_from_facts():
    from bench.answers import reply_kind
    from netfaq.core.redirects import default_redirects

    redirects = default_redirects()
    assert reply_kind(redirects.replies["travel"]) == "sent elsewhere"
    assert reply_kind(redirects.out_of_scope) == "told it is out of scope"
