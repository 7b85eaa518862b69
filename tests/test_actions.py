"""Every custom action, run against rasa-sdk trackers: the events returned and the messages sent."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from actions.feedback import ActionNegativeFeedback
from actions.handoff import ActionNurseHandoff
from actions.lookup import ActionAnswerGeneralQuestion, ActionAnswerProcedureQuestion, topic_for_intent
from actions.safety import ActionDeclineDiagnosis
from actions.welcome import ActionWelcome
from tests.conftest import make_tracker, procedure_entity

LONDON = ZoneInfo("Europe/London")


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {"responses": {}})
    return events, dispatcher.messages


def test_topic_for_intent():
    assert topic_for_intent("ask_preparation") == "preparation"
    assert topic_for_intent("ask_about_nets") is None
    assert topic_for_intent("greet") is None
    assert topic_for_intent(None) is None


async def test_preparation_for_the_procedure_named():
    tracker = make_tracker("ask_preparation", [procedure_entity("abdominal_ultrasound")])
    events, messages = await run(ActionAnswerProcedureQuestion(), tracker)
    assert len(messages) == 1
    assert "stop eating for 6 hours" in messages[0]["text"]
    assert "Source: Cancer Research UK" in messages[0]["text"]
    assert events == [
        SlotSet("procedure", "abdominal_ultrasound"),
        SlotSet("topic", "preparation"),
        SlotSet("fallback_count", 0.0),
        SlotSet("helpline_offered", False),
    ]


async def test_follow_up_question_uses_the_remembered_procedure():
    tracker = make_tracker("ask_results", slots={"procedure": "liver_ultrasound", "topic": "preparation"})
    events, messages = await run(ActionAnswerProcedureQuestion(), tracker)
    assert "within 1 or 2 weeks" in messages[0]["text"]
    assert "won't be given any results at the time of the scan" in messages[0]["text"]
    assert SlotSet("topic", "results") in events


async def test_naming_another_procedure_switches():
    tracker = make_tracker(
        "ask_duration", [procedure_entity("echocardiogram")], slots={"procedure": "abdominal_ultrasound"}
    )
    events, messages = await run(ActionAnswerProcedureQuestion(), tracker)
    assert "about half an hour" in messages[0]["text"]
    assert "45 minutes" not in messages[0]["text"]
    assert SlotSet("procedure", "echocardiogram") in events


async def test_two_procedures_in_one_question_are_both_answered():
    tracker = make_tracker("ask_duration", [procedure_entity("echocardiogram"), procedure_entity("octreotide_scan")])
    events, messages = await run(ActionAnswerProcedureQuestion(), tracker)
    assert len(messages) == 2
    assert "about half an hour" in messages[0]["text"] and "2 days" in messages[1]["text"]
    assert SlotSet("procedure", "octreotide_scan") in events


async def test_no_procedure_known_asks_which_test_with_buttons(kb):
    events, messages = await run(ActionAnswerProcedureQuestion(), make_tracker("ask_pain"))
    assert messages[0]["text"] == "Which test is your question about?"
    buttons = messages[0]["buttons"]
    assert len(buttons) == len(kb.procedures)
    assert {"title": "Octreotide scan (SRS)", "payload": '/inform{"procedure":"octreotide_scan"}'} in buttons
    assert events == [SlotSet("topic", "pain")]


async def test_inform_answers_the_pending_question():
    tracker = make_tracker("inform", [procedure_entity("echocardiogram")], slots={"topic": "pain"})
    events, messages = await run(ActionAnswerProcedureQuestion(), tracker)
    assert "An echo is painless." in messages[0]["text"]


async def test_gap_defers_instead_of_inventing():
    tracker = make_tracker("ask_results", [procedure_entity("mibg_scan")])
    events, messages = await run(ActionAnswerProcedureQuestion(), tracker)
    text = messages[0]["text"]
    assert "our sources don't say when the results of an MIBG scan come" in text
    assert "0808 800 4040" in text
    assert "week" not in text and "day" not in text.replace("Monday", "").replace("Friday", "")


async def test_unknown_entity_values_are_ignored():
    tracker = make_tracker("ask_what_is", [procedure_entity("x_ray")])
    events, messages = await run(ActionAnswerProcedureQuestion(), tracker)
    assert messages[0]["text"] == "Which test is your question about?"


async def test_general_question():
    events, messages = await run(ActionAnswerGeneralQuestion(), make_tracker("ask_risk_factors"))
    assert "Most NETs have no known cause." in messages[0]["text"]
    assert "Ontario Health" in messages[0]["text"]
    assert events == [SlotSet("fallback_count", 0.0), SlotSet("helpline_offered", False)]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 23, 10, 0, tzinfo=LONDON), "The lines are open now, until 5pm today."),
        (datetime(2026, 11, 23, 17, 0, tzinfo=LONDON), "They open again tomorrow at 9am."),
        (datetime(2026, 11, 28, 11, 0, tzinfo=LONDON), "They open again on Monday at 9am."),
    ],
)
async def test_nurse_handoff_says_whether_lines_are_open(moment, expected):
    events, messages = await run(ActionNurseHandoff(clock=lambda: moment), make_tracker("ask_nurse"))
    assert "freephone 0808 800 4040" in messages[0]["text"]
    assert "9am to 5pm, Monday to Friday" in messages[0]["text"]
    assert expected in messages[0]["text"]
    assert messages[0]["custom"] == {"handoff": {"open_now": "open now" in expected}}
    assert events == [SlotSet("helpline_offered", False), SlotSet("fallback_count", 0.0), SlotSet("handed_off", True)]


async def test_decline_diagnosis():
    events, messages = await run(ActionDeclineDiagnosis(), make_tracker("request_diagnosis"))
    assert "can't give a diagnosis" in messages[0]["text"]
    assert "0808 800 4040" in messages[0]["text"]
    assert events == []


async def test_fallback_rephrase_then_offer_helpline():
    events, messages = await run(ActionFallback(), make_tracker("nlu_fallback"))
    assert "say it another way" in messages[0]["text"]
    assert events == [SlotSet("fallback_count", 1.0)]

    events, messages = await run(ActionFallback(), make_tracker("nlu_fallback", slots={"fallback_count": 1.0}))
    assert "0808 800 4040" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert events == [SlotSet("fallback_count", 2.0), SlotSet("helpline_offered", True)]


async def test_welcome_says_what_it_can_and_cannot_do_with_999_and_the_helpline():
    events, messages = await run(ActionWelcome(), make_tracker("greet"))
    text = messages[0]["text"]
    assert "can't give a diagnosis" in text
    assert "not for emergencies" in text and "999" in text
    assert "freephone 0808 800 4040" in text
    assert [b["title"] for b in messages[0]["buttons"]][-1] == "Call a nurse"
    assert events == []


async def test_negative_feedback_apologises_suggests_rephrasing_and_gives_the_helpline(kb):
    events, messages = await run(ActionNegativeFeedback(), make_tracker("feedback_negative"))
    assert events == []
    assert len(messages) == 1
    text = messages[0]["text"]
    assert text.startswith("I'm sorry that didn't help")
    assert "in other words" in text and kb.helpline.phone in text
