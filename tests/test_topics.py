"""The topic list is written once (netfaq/core/topics.py); what derives from it is checked here."""

from pathlib import Path

import yaml

from netfaq.core.topics import GAP_QUESTIONS, TOPIC_GAPS, TOPIC_HEADINGS, TOPICS

ROOT = Path(__file__).resolve().parent.parent
ANSWER_ACTION = "action_answer_question"


def test_every_topic_has_its_heading_and_gap_wording():
    assert tuple(TOPIC_HEADINGS) == TOPICS
    assert tuple(TOPIC_GAPS) == TOPICS
    assert not set(GAP_QUESTIONS) & set(TOPICS)
    assert all("{test}" in wording for wording in [*TOPIC_GAPS.values(), *GAP_QUESTIONS.values()])


def test_each_topic_has_an_intent_and_every_question_intent_is_answered_by_the_facts(kb):
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    assert {f"ask_{topic}" for topic in TOPICS} <= intents
    rules = yaml.safe_load((ROOT / "data" / "rules" / "questions.yml").read_text())["rules"]
    routed = {rule["steps"][0]["intent"] for rule in rules if rule["steps"][1] == {"action": ANSWER_ACTION}}
    general = {f"ask_{topic}" for topic in kb.general} & intents
    assert {f"ask_{topic}" for topic in TOPICS} | general | {"inform", "nlu_fallback", "out_of_scope"} <= routed
