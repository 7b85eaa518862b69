"""Labelled messages go into the NLU file that holds their intent, once; unknown intents write nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from netfaq.core.paths import DATA_DIR
from netfaq.tools.nlu_files import NluFileError, add_examples


@pytest.fixture
def nlu(tmp_path) -> Path:
    shutil.copytree(DATA_DIR / "nlu", tmp_path / "nlu", ignore=shutil.ignore_patterns("generated"))
    return tmp_path / "nlu"


def examples(path: Path, intent: str) -> list[str]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
    block = next(item["examples"] for item in items if item.get("intent") == intent)
    return [line[2:] for line in block.splitlines()]


def test_each_message_goes_under_its_intent_in_the_file_that_holds_it(nlu):
    before = examples(nlu / "questions.yml", "ask_results")
    added, already = add_examples(
        [("whens my  mibg result due", "ask_results"), ("can i talk to a real person pls", "ask_nurse")], nlu
    )
    assert already == 0 and [(a.file.name, a.intent) for a in added] == [
        ("questions.yml", "ask_results"),
        ("conversation.yml", "ask_nurse"),
    ]
    assert examples(nlu / "questions.yml", "ask_results") == [*before, "whens my mibg result due"]
    assert "can i talk to a real person pls" in examples(nlu / "conversation.yml", "ask_nurse")


def test_messages_already_in_the_training_data_are_skipped(nlu):
    existing = examples(nlu / "questions.yml", "ask_results")[0]
    added, already = add_examples([(existing.upper(), "ask_results"), ("new one about results", "ask_results")], nlu)
    assert already == 1 and [a.text for a in added] == ["new one about results"]


def test_an_intent_no_file_holds_writes_nothing(nlu):
    before = {p.name: p.read_bytes() for p in nlu.glob("*.yml")}
    with pytest.raises(NluFileError, match="made_up_intent"):
        add_examples([("fine message", "ask_results"), ("odd one", "made_up_intent")], nlu)
    assert {p.name: p.read_bytes() for p in nlu.glob("*.yml")} == before
