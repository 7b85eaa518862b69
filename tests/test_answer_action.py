"""The answer action against rasa-sdk trackers: the messages it sends and the events it returns."""

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerQuestion
from netfaq.core.replies import ASK_REPHRASE, ASK_WHICH_TEST
from netfaq.core.safety import default_rules
from tests.conftest import make_tracker, procedure_entity, user_event


async def run(tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {"responses": {}})
    return events, dispatcher.messages


async def test_a_question_about_a_named_test_gets_cited_facts():
    tracker = make_tracker(
        "ask_preparation", [procedure_entity("abdominal_ultrasound")], text="how do I prepare for an ultrasound?"
    )
    events, messages = await run(tracker)
    assert len(messages) == 1 and "stop eating for 6 hours" in messages[0]["text"]
    assert "Source: Cancer Research UK" in messages[0]["text"]
    given = [f"abdominal_ultrasound/preparation/{n}" for n in range(1, 5)]
    assert events == [
        SlotSet("procedure", "abdominal_ultrasound"),
        SlotSet("topic", "preparation"),
        SlotSet("last_facts", given),  # for "say that again" and "simpler please"
        SlotSet("fallback_count", 0.0),
        SlotSet("helpline_offered", False),
    ]


async def test_a_test_named_on_its_own_answers_the_last_question_for_it():
    history = user_event("how long does an echo take?", "ask_duration", "echocardiogram")
    tracker = make_tracker(
        "inform", [procedure_entity("abdominal_ultrasound")], text="and an ultrasound?", events=history
    )
    events, messages = await run(tracker)
    assert "45 minutes" in messages[0]["text"] and "half an hour" not in messages[0]["text"]
    assert SlotSet("procedure", "abdominal_ultrasound") in events


async def test_no_test_known_asks_which_with_a_button_each_then_answers(kb):
    events, messages = await run(make_tracker("ask_pain", text="does it hurt?"))
    assert messages[0]["text"] == ASK_WHICH_TEST
    assert len(messages[0]["buttons"]) == len(kb.procedures)
    assert {"title": "Echocardiogram (echo)", "payload": '/inform{"procedure":"echocardiogram"}'} in messages[0][
        "buttons"
    ]
    assert events == [SlotSet("topic", "pain"), SlotSet("last_facts", [])]  # "say that again" now means "which test?"

    pressed = make_tracker(
        "inform",
        [procedure_entity("echocardiogram")],
        text='/inform{"procedure":"echocardiogram"}',
        events=user_event("does it hurt?", "ask_pain"),
    )
    events, messages = await run(pressed)
    assert "An echo is painless." in messages[0]["text"]


async def test_off_topic_gets_the_domain_response():
    events, messages = await run(make_tracker("out_of_scope", text="how long does a flight to spain take"))
    assert messages[0]["text"].startswith("Sorry, I can only help with questions about imaging")
    assert events == [SlotSet("last_facts", [])]


async def test_a_diagnosis_request_is_declined():
    events, messages = await run(make_tracker("request_diagnosis", text="my CT report says a lesion, is it cancer?"))
    assert "can't give a diagnosis" in messages[0]["text"] and "0808 800 4040" in messages[0]["text"]
    assert events == [SlotSet("last_facts", [])]


async def test_say_that_again_or_simpler_after_a_reply_without_facts_says_that_reply_again():
    not_said = "I'm sorry, our sources don't say when the results of an octreotide scan (SRS) come."
    history = [
        *user_event("what happens in an octreotide scan?", "ask_during", "octreotide_scan"),
        {"event": "bot", "text": "Octreotide scan (SRS) ..."},
        *user_event("and when are the results back?", "ask_results"),
        {"event": "bot", "text": not_said},
        {"event": "slot", "name": "last_facts", "value": []},
    ]
    for intent, text in (("simplify", "can you say that in plain english"), ("repeat_answer", "say that again")):
        tracker = make_tracker(intent, text=text, events=history, slots={"last_facts": []})
        events, messages = await run(tracker)
        assert [m["text"] for m in messages] == [not_said] and events == []


async def test_a_test_our_sources_do_not_describe_is_said_to_be_so_with_the_helpline():
    tracker = make_tracker(
        "ask_results", [procedure_entity("liver_ultrasound")], text="when will my liver function tests be back?"
    )
    events, messages = await run(tracker)
    assert len(messages) == 1 and "our sources don't describe liver function tests" in messages[0]["text"]
    assert "0808 800 4040" in messages[0]["text"] and "Liver ultrasound" not in messages[0]["text"]
    assert events == [SlotSet("fallback_count", 0.0), SlotSet("last_facts", [])]


async def test_a_treatment_named_beside_a_test_gets_the_test_s_facts_then_a_word_about_the_treatment():
    tracker = make_tracker(
        "ask_preparation",
        [procedure_entity("octreotide_scan")],
        text="I have lanreotide injections, how do I get ready for the octreotide scan?",
    )
    _, messages = await run(tracker)
    assert "how to prepare for an octreotide scan" in messages[0]["text"]  # what the sources say of the test
    note = "Our sources don't describe octreotide or lanreotide injections"
    assert len(messages) == 2 and messages[-1]["text"].startswith(note)


async def test_not_understood_twice_offers_the_helpline():
    events, messages = await run(make_tracker("nlu_fallback", text="blorp zzz"))
    assert messages[0]["text"] == ASK_REPHRASE and events == [SlotSet("fallback_count", 1.0), SlotSet("last_facts", [])]
    events, messages = await run(make_tracker("nlu_fallback", text="blorp zzz", slots={"fallback_count": 1.0}))
    assert "0808 800 4040" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert events == [SlotSet("fallback_count", 2.0), SlotSet("last_facts", []), SlotSet("helpline_offered", True)]


async def test_words_that_put_off_help_are_answered_as_the_classifier_guessed():
    tracker = make_tracker(
        "defer_help",
        text="it's probably nothing but when do I get my MIBG results?",
        intent_ranking=[{"name": "defer_help", "confidence": 1.0}, {"name": "ask_results", "confidence": 0.8}],
    )
    events, messages = await run(tracker)
    assert "our sources don't say when the results of an MIBG scan come" in messages[0]["text"]
    assert SlotSet("topic", "results") in events


async def test_a_remembered_test_is_used_when_the_conversation_has_no_earlier_messages():
    tracker = make_tracker("ask_results", text="when do I get the results?", slots={"procedure": "liver_ultrasound"})
    events, messages = await run(tracker)
    assert "within 1 or 2 weeks" in messages[0]["text"]


async def test_answers_after_a_self_harm_disclosure_repeat_where_to_get_help():
    disclosure = {
        "event": "user",
        "text": "i want to end my life",
        "parse_data": {"intent": {"name": "emergency"}, "safety_override": {"category": "self_harm"}},
    }
    tracker = make_tracker("ask_what_is", text="what's a bone scan?", events=[disclosure])
    events, messages = await run(tracker)
    assert "radioactive" in messages[0]["text"]
    assert messages[-1]["text"] == default_rules().reminders["self_harm"] and "116 123" in messages[-1]["text"]

    beside_bleeding = {**disclosure, "parse_data": {"safety_override": {"category": "bleeding", "also": ["self_harm"]}}}
    events, messages = await run(make_tracker("ask_what_is", text="what's a bone scan?", events=[beside_bleeding]))
    assert messages[-1]["text"] == default_rules().reminders["self_harm"]

    later = [disclosure] + user_event("what is an echo?", "ask_what_is", "echocardiogram") * 3
    events, messages = await run(make_tracker("ask_what_is", text="what's a bone scan?", events=later))
    assert all("116 123" not in m["text"] for m in messages)  # three messages on, no longer


async def test_words_that_put_off_help_with_no_emergency_before_are_a_plain_reply():
    tracker = make_tracker(
        "defer_help",
        text="I'll be fine, thanks",
        intent_ranking=[{"name": "defer_help", "confidence": 1.0}, {"name": "thanks", "confidence": 0.9}],
    )
    events, messages = await run(tracker)
    assert messages == [
        {"response": "utter_youre_welcome", **{k: v for k, v in messages[0].items() if k != "response"}}
    ]
    assert events == []


async def test_after_an_emergency_only_the_classifier_recognised_answers_remind_where_to_get_help():
    classifier_only = {
        "event": "user",
        "text": "everything is too much and i cant see a way through",
        "parse_data": {"intent": {"name": "emergency"}, "safety_override": {"category": None}},
    }
    events, messages = await run(make_tracker("ask_duration", text="how long is an echo?", events=[classifier_only]))
    assert "half an hour" in messages[0]["text"] and messages[-1]["text"] == default_rules().reminders[""]

    chest_pain = {
        **classifier_only,
        "parse_data": {"intent": {"name": "emergency"}, "safety_override": {"category": "chest_pain"}},
    }
    events, messages = await run(make_tracker("ask_duration", text="how long is an echo?", events=[chest_pain]))
    assert len(messages) == 1  # no reminder after advice for a kind of emergency that has none


async def test_weighing_up_waiting_a_few_messages_after_999_advice_gets_the_advice_again():
    chest_pain = {
        "event": "user",
        "text": "my chest is really tight and heavy",
        "parse_data": {"intent": {"name": "emergency"}, "safety_override": {"category": "chest_pain", "also": []}},
    }
    between = user_event("how long does an echo take?", "ask_duration", "echocardiogram")
    tracker = make_tracker(
        "defer_help",
        text="can it wait until my appointment on Monday?",
        events=[chest_pain, *between],
        intent_ranking=[{"name": "defer_help", "confidence": 1.0}, {"name": "ask_duration", "confidence": 0.4}],
    )
    events, messages = await run(tracker)
    assert [m["text"] for m in messages] == [default_rules().advice_again("chest_pain")] and events == []


async def test_someone_the_classifier_may_hear_asking_for_support_gets_kindness_not_a_rephrase():
    # Rasa's fallback, with asking for support as the classifier's first real guess.
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "ask_coping", "confidence": 0.52},
        {"name": "redirect", "confidence": 0.42},
    ]
    tracker = make_tracker("nlu_fallback", text="everything is on top of me lately", intent_ranking=ranking)
    events, messages = await run(tracker)
    assert messages[0]["text"] != ASK_REPHRASE and ASK_WHICH_TEST not in messages[0]["text"]
    assert "0808 800 4040" in messages[0]["text"] + "".join(m.get("text") or "" for m in messages[1:])
    facts = next(e["value"] for e in events if e.get("name") == "last_facts")
    assert facts and all(key.startswith("general/coping/") for key in facts)
    # Without that guess, the same message is asked to be put another way.
    events, messages = await run(make_tracker("nlu_fallback", text="everything is on top of me lately"))
    assert messages[0]["text"] == ASK_REPHRASE


MONDAY_CLOCK = {"metadata": {"now": "2026-12-07T10:00"}}  # Monday 7 December 2026, as the REST channel passes it


def kept_day(procedure, day, at=None, past=False):
    """The appointment slot's value for a test's day (and time), as the answer action keeps it."""
    return {"procedure": procedure, "day": day, "at": at, "past": past, "year_given": False, "earlier": None}


def timeline_of(messages):
    return [m["custom"]["timeline"] for m in messages if (m.get("custom") or {}).get("timeline")]


async def test_a_day_and_time_with_a_fasting_question_gets_the_patients_own_start():
    tracker = make_tracker(
        "ask_preparation",
        [procedure_entity("abdominal_ultrasound")],
        text="my ultrasound is at 2pm on friday, when should I stop eating?",
        **MONDAY_CLOCK,
    )
    events, messages = await run(tracker)
    assert timeline_of(messages) == [
        {"procedure": "abdominal_ultrasound", "appointment": "2026-12-11T14:00", "fasting": "2026-12-11T08:00"}
    ]
    text = messages[-1]["text"]
    assert "from 8am on Friday 11 December" in text and "stop eating for 6 hours" in text
    assert "appointment letter says for sure" in text and "Source: Cancer Research UK" in text
    calendar = messages[-1]["custom"]["calendar"]
    assert calendar["filename"].endswith(".ics") and "DTSTART;TZID=Europe/London:20261211T080000" in calendar["text"]
    kept = kept_day("abdominal_ultrasound", "2026-12-11", "14:00")
    assert SlotSet("appointment", kept) in events


async def test_the_kept_day_answers_a_later_question():
    kept = kept_day("liver_ultrasound", "2026-11-20", None, past=True)
    tracker = make_tracker(
        "ask_results",
        text="when should I get the results?",
        slots={"procedure": "liver_ultrasound", "appointment": kept},
        events=user_event("I had my liver ultrasound on 20 November", "tell_appointment", "liver_ultrasound"),
        **MONDAY_CLOCK,
    )
    events, messages = await run(tracker)
    (found,) = timeline_of(messages)
    assert found["results_time"] == ["2026-11-27", "2026-12-04"] and found["chase_after"] == ["2026-12-04"]
    assert not any(getattr(e, "key", None) == "appointment" for e in events)  # nothing new to keep


async def test_a_test_without_the_figure_gets_no_dates():
    tracker = make_tracker(
        "ask_preparation",
        [procedure_entity("mri_scan")],
        text="my MRI is on friday at 2, when do I stop eating?",
        **MONDAY_CLOCK,
    )
    _, messages = await run(tracker)
    (found,) = timeline_of(messages)
    assert found == {"procedure": "mri_scan", "appointment": "2026-12-11T14:00", "no_figure": True}
    assert "can't work out dates" in messages[-1]["text"] and "calendar" not in messages[-1]["custom"]


async def test_an_appointment_told_with_no_test_known_asks_which_and_keeps_the_day(kb):
    tracker = make_tracker("tell_appointment", text="it's on the 14th at 10:30", **MONDAY_CLOCK)
    events, messages = await run(tracker)
    assert messages[0]["text"] == ASK_WHICH_TEST
    kept = kept_day(None, "2026-12-14", "10:30")
    assert events == [SlotSet("appointment", kept)]


async def test_an_appointment_told_about_the_test_in_focus_gets_its_timeline():
    tracker = make_tracker(
        "tell_appointment",
        text="sorry, it's the 15th at 10:30 not the 14th",
        slots={"procedure": "abdominal_ultrasound"},
        events=user_event("how do I prepare for an ultrasound?", "ask_preparation", "abdominal_ultrasound"),
        **MONDAY_CLOCK,
    )
    events, messages = await run(tracker)
    (found,) = timeline_of(messages)
    assert found["appointment"] == "2026-12-15T10:30" and found["fasting"] == "2026-12-15T04:30"
    assert SlotSet("procedure", "abdominal_ultrasound") in events


async def test_a_date_that_cannot_be_right_is_asked_again():
    tracker = make_tracker(
        "tell_appointment",
        [procedure_entity("abdominal_ultrasound")],
        text="my ultrasound is on 31 February",
        **MONDAY_CLOCK,
    )
    events, messages = await run(tracker)
    assert timeline_of(messages) == [{"procedure": "abdominal_ultrasound", "problem": "impossible_date"}]
    assert "doesn't exist" in messages[-1]["text"]
    assert not any(getattr(e, "key", None) == "appointment" for e in events)


async def test_a_day_corrected_gets_the_timeline_again_for_the_new_day():
    kept = kept_day("octreotide_scan", "2026-12-09")
    tracker = make_tracker(
        "correct_test",
        text="sorry it's actually the 10th",
        slots={"procedure": "octreotide_scan", "appointment": kept},
        events=user_event("my octreotide scan is on the 9th", "tell_appointment", "octreotide_scan"),
        **MONDAY_CLOCK,
    )
    _, messages = await run(tracker)
    (found,) = timeline_of(messages)
    assert found["appointment"] == "2026-12-10" and found["further_scans"] == ["2026-12-11", "2026-12-12"]


async def test_a_day_the_classifier_was_unsure_of_is_still_read_when_it_guessed_a_day_told():
    kept = kept_day("abdominal_ultrasound", "2026-12-09", "14:00")
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "tell_appointment", "confidence": 0.52}]
    tracker = make_tracker(
        "nlu_fallback",
        text="sorry it's actually the 10th",
        slots={"procedure": "abdominal_ultrasound", "appointment": kept},
        intent_ranking=ranking,
        **MONDAY_CLOCK,
    )
    _, messages = await run(tracker)
    (found,) = timeline_of(messages)
    assert found["appointment"] == "2026-12-10T14:00" and found["fasting"] == "2026-12-10T08:00"


async def test_a_question_asked_with_a_day_is_answered_and_the_day_kept():
    tracker = make_tracker(
        "ask_pain", [procedure_entity("mri_scan")], text="my MRI is on Friday at 2, does it hurt?", **MONDAY_CLOCK
    )
    events, messages = await run(tracker)
    assert timeline_of(messages) == [] and "MRI" in messages[0]["text"]
    kept = kept_day("mri_scan", "2026-12-11", "14:00")
    assert SlotSet("appointment", kept) in events


async def test_a_day_told_with_a_question_answers_the_question_and_keeps_the_day():
    ranking = [{"name": "tell_appointment", "confidence": 0.78}, {"name": "ask_pain", "confidence": 0.19}]
    tracker = make_tracker(
        "tell_appointment",
        [procedure_entity("mri_scan")],
        text="my MRI is on friday at 2, does it hurt?",
        intent_ranking=ranking,
        **MONDAY_CLOCK,
    )
    events, messages = await run(tracker)
    assert "MRI scan" in messages[0]["text"] and timeline_of(messages) == []  # answered, no "no dates"
    assert SlotSet("procedure", "mri_scan") in events
    assert (
        SlotSet(
            "appointment",
            kept_day("mri_scan", "2026-12-11", "14:00"),
        )
        in events
    )
