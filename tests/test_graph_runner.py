"""Rasa's prediction graph gives the same answers run in order as run through dask."""

from __future__ import annotations

import asyncio

import pytest
import rasa.core.processor
from rasa.core.agent import Agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from netfaq.core.paths import PROJECT_ROOT
from netfaq.nlu.evaluate import read_examples
from rasa_extensions.patches.graph_runner import InOrderGraphRunner

pytestmark = pytest.mark.model

TEXTS = [e.text for e in read_examples(PROJECT_ROOT / "tests" / "nlu" / "heldout.yml")][::6]


def load(model, runner) -> Agent:
    installed = rasa.core.processor.DaskGraphRunner
    rasa.core.processor.DaskGraphRunner = runner
    try:
        return Agent.load(str(model))
    finally:
        rasa.core.processor.DaskGraphRunner = installed


def answers(agent: Agent) -> list[tuple]:
    """For each text: the whole parse, and the next action predicted after it, with its policy."""

    async def collect() -> list[tuple]:
        found = []
        for text in TEXTS:
            parsed = await agent.parse_message(text)
            tracker = DialogueStateTracker.from_events(
                "runner-test",
                [ActionExecuted("action_listen"), UserUttered(text, parsed["intent"], parsed["entities"], parsed)],
                agent.domain.slots,
            )
            prediction = agent.processor._predict_next_with_tracker(tracker)
            best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
            found.append((parsed, agent.domain.action_names_or_texts[best], prediction.policy_name))
        return found

    return asyncio.run(collect())


def test_the_server_uses_the_in_order_runner(trained_model):
    assert rasa.core.processor.DaskGraphRunner is InOrderGraphRunner
    assert isinstance(Agent.load(str(trained_model)).processor.graph_runner, InOrderGraphRunner)


def test_same_parses_and_predictions_as_dask(trained_model):
    ours, theirs = answers(load(trained_model, InOrderGraphRunner)), answers(load(trained_model, DaskGraphRunner))
    assert len(ours) == len(TEXTS) > 40
    assert ours == theirs
    assert {action for _, action, _ in ours} >= {"action_answer_question", "utter_emergency"}
