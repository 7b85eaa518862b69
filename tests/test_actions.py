"""Every custom action, run against rasa-sdk trackers: the events returned and the messages sent."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionNegativeFeedback
from actions.handoff import ActionNurseHandoff
from actions.welcome import ActionWelcome
from tests.conftest import make_tracker

LONDON = ZoneInfo("Europe/London")


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {"responses": {}})
    return events, dispatcher.messages


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
    assert not messages[0].get("custom")  # nothing reads a payload beside the text
    assert events == [SlotSet("helpline_offered", False), SlotSet("fallback_count", 0.0), SlotSet("handed_off", True)]


async def test_welcome_says_what_it_can_and_cannot_do_with_999_and_the_helpline():
    events, messages = await run(ActionWelcome(), make_tracker("greet"))
    text = messages[0]["text"]
    assert "can't give a diagnosis" in text
    assert "not for emergencies" in text and "999" in text and "NHS 111" in text
    assert "freephone 0808 800 4040" in text
    assert "kept for 90 days" in text and "delete my conversation" in text
    assert [b["title"] for b in messages[0]["buttons"]][-1] == "Call a nurse"
    assert events == []


async def test_negative_feedback_apologises_suggests_rephrasing_and_gives_the_helpline(kb):
    events, messages = await run(ActionNegativeFeedback(), make_tracker("feedback_negative"))
    assert events == []
    assert len(messages) == 1
    text = messages[0]["text"]
    assert text.startswith("I'm sorry that didn't help")
    assert "in other words" in text and kb.helpline.phone in text
