"""The conversation's state: read from the tracker's events and slots, changed by its transitions."""

from dataclasses import replace

import yaml

from netfaq.core import conversation
from netfaq.core.conversation import Conversation, Turn, latest_turn, read
from netfaq.core.paths import PROJECT_ROOT
from tests.conftest import make_tracker, procedure_entity, user_event

TESTS = ("echocardiogram", "abdominal_ultrasound", "bone_scan")


def state(tracker) -> Conversation:
    return read(tracker.events, tracker.slots, TESTS)


def emergency_message(category: str | None) -> dict:
    return {
        "event": "user",
        "text": "…",
        "parse_data": {"intent": {"name": "emergency"}, "safety_override": {"category": category}},
    }


def test_every_slot_it_writes_is_declared_in_the_domain():
    declared = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["slots"]
    assert set(conversation.SLOTS) <= set(declared)


def test_past_turns_carry_the_tests_each_reply_was_about_in_order():
    history = user_event(
        "how long do an echo and an ultrasound take?", "ask_duration", "echocardiogram", "abdominal_ultrasound"
    )
    turns = state(make_tracker("ask_duration", text="which is quicker?", events=history)).history
    assert len(turns) == 1  # the message being answered is not its own history
    assert turns[0].answered == ("echocardiogram", "abdominal_ultrasound") and turns[0].intent == "ask_duration"
    assert turns[0].named == ("echocardiogram", "abdominal_ultrasound")


def test_a_test_kept_from_an_earlier_session_starts_the_history_and_unknown_names_are_dropped():
    tracker = make_tracker("ask_results", text="when are the results back?", slots={"procedure": "bone_scan"})
    assert state(tracker).history[0].answered == ("bone_scan",)
    unknown = make_tracker("ask_results", text="results?", slots={"procedure": "x_ray"})
    assert state(unknown).history == ()
    told = user_event("does an echo hurt?", "ask_pain", "echocardiogram")
    after = make_tracker("ask_results", text="results?", slots={"procedure": "bone_scan"}, events=told)
    assert [t.answered for t in state(after).history] == [("echocardiogram",)]  # the conversation's own test wins


def test_the_slots_are_read_into_the_state():
    slots = {"last_facts": ["echocardiogram/pain/1"], "fallback_count": 1.0, "appointment": {"day": "2026-12-11"}}
    read_back = state(make_tracker("repeat_answer", text="say that again", slots=slots))
    assert read_back.last_facts == ("echocardiogram/pain/1",)
    assert read_back.fallback_count == 1 and read_back.appointment == {"day": "2026-12-11"}


def test_emergency_advice_is_remembered_for_the_next_few_messages_only():
    ordinary = user_event("thanks", "thanks")
    for before in range(conversation.REMINDER_TURNS):
        events = [emergency_message("self_harm"), *ordinary * before]
        assert state(make_tracker("ask_pain", text="x", events=events)).emergency == {"category": "self_harm"}
    too_long_ago = [emergency_message("self_harm"), *ordinary * conversation.REMINDER_TURNS]
    assert state(make_tracker("ask_pain", text="x", events=too_long_ago)).emergency is None
    latest_wins = [emergency_message("self_harm"), emergency_message("chest_pain")]
    assert state(make_tracker("ask_pain", text="x", events=latest_wins)).emergency == {"category": "chest_pain"}


def test_the_message_being_answered_is_not_its_own_emergency_before():
    tracker = make_tracker("emergency", text="chest pain", safety_override={"category": "chest_pain"})
    assert state(tracker).emergency is None


def test_the_latest_turn_keeps_two_guesses_and_reads_putting_off_help_as_the_classifiers_intent():
    message = {
        "text": "can it wait till monday, the MRI?",
        "intent": {"name": "defer_help", "confidence": 1.0},
        "entities": [procedure_entity("bone_scan"), procedure_entity("mri_scan")],
        "intent_ranking": [
            {"name": "defer_help", "confidence": 1.0},
            {"name": "ask_results", "confidence": 0.6},
            {"name": "nlu_fallback", "confidence": 0.5},
            {"name": "ask_pain", "confidence": 0.2},
            {"name": "thanks", "confidence": 0.1},
        ],
    }
    turn = latest_turn(message, TESTS)
    assert (turn.intent, turn.confidence) == ("ask_results", 0.6)
    assert turn.guesses == (("ask_pain", 0.2), ("thanks", 0.1))
    assert turn.named == ("bone_scan",)  # a name the knowledge base doesn't hold is dropped


def test_an_answer_puts_its_tests_in_focus_in_order_and_ends_a_run_of_misunderstandings():
    changes = conversation.answered(["echocardiogram", "bone_scan"], "duration", ["echocardiogram/duration/1"])
    assert changes == [
        ("procedure", "echocardiogram"),
        ("procedure", "bone_scan"),
        ("topic", "duration"),
        ("last_facts", ["echocardiogram/duration/1"]),
        ("fallback_count", 0.0),
        ("helpline_offered", False),
    ]


def test_the_helpline_is_offered_at_the_second_message_in_a_row_not_understood():
    first, offer = conversation.not_understood(Conversation())
    assert first == [("fallback_count", 1.0), ("last_facts", [])] and not offer
    second, offer = conversation.not_understood(Conversation(fallback_count=1))
    assert second == [("fallback_count", 2.0), ("last_facts", []), ("helpline_offered", True)] and offer


def test_a_day_is_kept_only_when_one_was_told():
    assert conversation.day_told(None) == []
    assert conversation.day_told({"day": "2026-12-11"}) == [("appointment", {"day": "2026-12-11"})]
    assert conversation.handed_off() == [("helpline_offered", False), ("fallback_count", 0.0), ("handed_off", True)]


def test_the_replies_to_the_message_before_are_kept_with_their_buttons():
    button = {"title": "Echo", "payload": "/inform"}
    events = [*user_event("hello", "greet"), {"event": "bot", "text": "Hello!"}]
    events += [
        *user_event("does it hurt?", "ask_pain"),
        {"event": "bot", "text": "Which test?", "data": {"buttons": [button]}},
    ]
    events += [{"event": "action", "name": "action_listen"}]
    read_back = state(make_tracker("repeat_answer", text="say that again", events=events))
    assert [(r.text, r.buttons) for r in read_back.last_replies] == [("Which test?", (button,))]
    assert state(make_tracker("greet", text="hi")).last_replies == ()


def test_say_that_again_repeats_the_last_reply_only_when_it_gave_no_facts():
    replies = (conversation.Reply("I'm sorry, our sources don't say ..."),)
    again = Turn("say that again", "repeat_answer", 0.95)
    assert conversation.says_again(again, Conversation(last_replies=replies), confident=0.6)
    assert conversation.says_again(replace(again, intent="simplify"), Conversation(last_replies=replies), 0.6)
    with_facts = Conversation(last_facts=("echocardiogram/pain/1",), last_replies=replies)
    assert not conversation.says_again(again, with_facts, 0.6)  # the facts are said again, simpler if asked
    assert not conversation.says_again(replace(again, confidence=0.4), Conversation(last_replies=replies), 0.6)
    assert not conversation.says_again(again, Conversation(), 0.6)  # nothing said yet
