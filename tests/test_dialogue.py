"""Every intent and action name the code depends on (netfaq/core/dialogue.py) is one the domain declares."""

import yaml

from netfaq.core import dialogue
from netfaq.core.paths import PROJECT_ROOT
from netfaq.core.topics import TOPICS


def domain() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_every_intent_the_code_names_is_in_the_domain():
    declared = {i if isinstance(i, str) else next(iter(i)) for i in domain()["intents"]}
    assert set(dialogue.INTENTS) - {dialogue.FALLBACK_INTENT} <= declared  # nlu_fallback is Rasa's own
    assert {f"{dialogue.QUESTION_PREFIX}{topic}" for topic in TOPICS} <= declared


def test_every_action_and_response_the_code_names_is_in_the_domain():
    spec = domain()
    assert set(dialogue.ACTIONS) <= set(spec["actions"])
    assert dialogue.EMERGENCY_RESPONSE in spec["responses"]
