"""End to end: the real action server and Rasa server on loopback ports, talked to over REST."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from netfaq.core.database import database_url
from netfaq.core.replies import SUGGESTED_QUESTIONS
from netfaq.core.safety import default_rules
from netfaq.tools.chat import RestClient, chat
from netfaq.tools.processes import free_port, start_action_server, start_rasa_server, wait_until_up

pytestmark = [pytest.mark.model, pytest.mark.servers]


class Assistant:
    def __init__(self, url: str):
        self.url = url

    def say(self, text: str, sender: str | None = None, erase_key: str | None = None) -> list[dict]:
        """`erase_key`: the conversation's, as the chat page sends it with every message."""
        body = {"sender": sender or uuid.uuid4().hex, "message": text}
        if erase_key:
            body["metadata"] = {"erase_key": erase_key}
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.fixture(scope="module")
def assistant(assistant_url: str) -> Assistant:
    return Assistant(assistant_url)


def test_ultrasound_preparation_then_results_for_the_same_procedure(assistant):
    sender = uuid.uuid4().hex
    prep = texts(assistant.say("how do I prepare for an ultrasound?", sender))
    assert "stop eating for 6 hours" in prep
    assert "Source: Cancer Research UK" in prep and "last reviewed 15 January 2019" in prep
    results = texts(assistant.say("and when will I get the results?", sender))
    assert "within 1 or 2 weeks" in results


def test_every_procedure_is_answered_with_a_citation(assistant, kb):
    for procedure in kb.procedures.values():
        alias = procedure.aliases[0]
        reply = texts(assistant.say(f"what is {alias}?"))
        first_fact = procedure.topics["what_is"][0].text
        assert first_fact in reply, (alias, reply)
        assert "Source:" in reply or "Sources:" in reply


def test_nurse_handoff_gives_the_number_and_hours(assistant):
    reply = texts(assistant.say("can I speak to a nurse please"))
    assert "freephone 0808 800 4040" in reply
    assert "9am to 5pm, Monday to Friday" in reply
    assert "open now" in reply or "closed right now" in reply


def test_mibg_results_defer_without_a_figure(assistant):
    reply = texts(assistant.say("when do i get the results of my MIBG scan?"))
    assert "our sources don't say when the results of an MIBG scan come" in reply
    assert "appointment letter" in reply and "0808 800 4040" in reply


def test_emergency_advice_comes_first(assistant):
    replies = assistant.say("how do I prepare for my CT scan? also I have chest pain right now")
    assert "999" in replies[0]["text"]


def test_which_test_buttons_then_answer(assistant):
    sender = uuid.uuid4().hex
    replies = assistant.say("does it hurt?", sender)
    assert replies[0]["text"] == "Which test is your question about?"
    echo = next(b for b in replies[0]["buttons"] if "echo" in b["payload"])
    assert "An echo is painless." in texts(assistant.say(echo["payload"], sender))


def test_diagnosis_requests_are_declined(assistant):
    reply = texts(assistant.say("my CT report says a 2cm lesion on the liver, is that cancer?"))
    assert "can't give a diagnosis" in reply


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "I am worried about my scan. " * 180,  # about 5,000 characters
        "\U0001f630\U0001f630\U0001f630",
        "\u00bfC\u00f3mo me preparo para una ecograf\u00eda?",
        "<img src=x onerror=alert(1)> <script>alert('x')</script>",
        "\x00\x07 control characters",
    ],
    ids=["empty", "whitespace", "5000-chars", "emoji", "spanish", "markup", "control"],
)
def test_bad_input_gets_a_sensible_answer(assistant, message):
    replies = assistant.say(message)
    assert replies and all(r.get("text") or r.get("buttons") for r in replies)
    assert "<script>" not in texts(replies)


def test_malformed_json_is_rejected_cleanly_and_the_server_carries_on(assistant):
    response = requests.post(
        f"{assistant.url}/webhooks/rest/webhook",
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert 400 <= response.status_code < 500
    assert "6 hours" in texts(assistant.say("how do I prepare for an ultrasound?"))


def test_terminal_chat_against_the_server(assistant):
    inputs = iter(["how long does an echo take?", "quit"])
    out = io.StringIO()
    chat(RestClient(assistant.url), read=lambda _prompt: next(inputs), out=out)
    assert "about half an hour" in out.getvalue()


def test_dead_action_server_still_gets_a_clear_answer_and_999_advice(trained_model, tmp_path):
    dead_action_port, rasa_port = free_port(), free_port()
    rasa = start_rasa_server(rasa_port, dead_action_port, trained_model, tmp_path)
    try:
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        assistant = Assistant(f"http://127.0.0.1:{rasa_port}")
        reply = texts(assistant.say("how do I prepare for an ultrasound?"))
        assert "isn't responding" in reply and "0808 800 4040" in reply
        rules = default_rules()
        for message, category in [
            ("I have really bad chest pain right now", "chest_pain"),
            ("I can't breathe properly since they gave me the injection", "breathing"),
            ("I want to end my life", "self_harm"),
            ("my mum's face has dropped on one side and her speech is slurred", "stroke"),
        ]:
            replies = assistant.say(message)
            assert replies[0]["text"] == rules.advice(category), message
            assert "isn't responding" not in texts(replies)
        sender = uuid.uuid4().hex
        assert texts(assistant.say("my chest feels tight and heavy", sender)) == rules.advice("chest_pain")
        assert texts(assistant.say("I'd rather not make a fuss", sender)) == rules.advice_again("chest_pain")
        assert texts(assistant.say("I'll see how I feel tomorrow", sender)) == rules.advice_again("chest_pain")
    finally:
        rasa.stop()


def test_a_hung_action_server_holds_up_no_emergency_and_ordinary_questions_get_the_apology(trained_model, tmp_path):
    """The action server stopped with SIGSTOP (alive, never answering): Rasa's own timeout is 300 s
    and the conversation's lock is held meanwhile."""
    action_port, rasa_port = free_port(), free_port()
    actions = start_action_server(action_port, tmp_path)
    rasa = start_rasa_server(rasa_port, action_port, trained_model, tmp_path)
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        assistant = Assistant(f"http://127.0.0.1:{rasa_port}")
        sender = uuid.uuid4().hex
        assert "half an hour" in texts(assistant.say("how long does an echo take?", sender))
        os.kill(actions.popen.pid, signal.SIGSTOP)
        first: list[tuple[float, str]] = []

        def ordinary_question() -> None:
            started = time.monotonic()
            reply = texts(assistant.say("does the echo hurt?", sender))
            first.append((time.monotonic() - started, reply))

        waiting = threading.Thread(target=ordinary_question)
        waiting.start()
        time.sleep(0.3)  # the question now holds the conversation's lock, waiting for the action
        started = time.monotonic()
        emergency = texts(assistant.say("I have crushing chest pain right now", sender))
        emergency_seconds = time.monotonic() - started
        waiting.join(30)
        assert "999" in emergency and emergency_seconds < 1.5, (emergency_seconds, emergency)
        seconds, reply = first[0]
        assert "0808 800 4040" in reply and seconds < 10, (seconds, reply)
    finally:
        os.kill(actions.popen.pid, signal.SIGCONT)
        rasa.stop()
        actions.stop()


def test_rasa_http_api_is_not_exposed(assistant):
    response = requests.get(f"{assistant.url}/conversations/anyone/tracker", timeout=10)
    assert response.status_code == 404


def test_asking_for_the_nurse_line_after_999_advice_gets_the_advice_again(assistant):
    sender = uuid.uuid4().hex
    rules = default_rules()
    assert texts(assistant.say("I'm bleeding heavily from where they did the EUS", sender)) == rules.advice("bleeding")
    assert texts(assistant.say("can I just ring the nurse line?", sender)) == rules.advice_again("bleeding")
    assert texts(assistant.say("I'll see how I feel tomorrow", sender)) == rules.advice_again("bleeding")
    assert "45 minutes" in texts(assistant.say("how long does an ultrasound take?", sender))  # then answers again


@pytest.mark.parametrize("question", SUGGESTED_QUESTIONS)
def test_every_question_the_assistant_suggests_gets_a_real_answer(assistant, question):
    reply = texts(assistant.say(question))
    assert "Source:" in reply or "Sources:" in reply, reply
    assert "don't say" not in reply and "not sure our sources" not in reply and "Which test" not in reply, reply


def stored_senders() -> set[str]:
    engine = sa.create_engine(database_url())
    with engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT DISTINCT sender_id FROM events")).scalars())


def stored_events(sender: str) -> list[str]:
    engine = sa.create_engine(database_url())
    with engine.connect() as connection:
        query = sa.text("SELECT data FROM events WHERE sender_id = :s")
        return list(connection.execute(query, {"s": sender}).scalars())


def test_a_patient_erases_their_conversation_after_confirming_and_nothing_else_is_lost(assistant):
    keep, erase = uuid.uuid4().hex, uuid.uuid4().hex
    key = uuid.uuid4().hex
    assistant.say("how long does an echo take?", keep, erase_key=uuid.uuid4().hex)
    assistant.say("how long does an echo take?", erase, erase_key=key)
    asked = assistant.say("please delete my conversation", erase, erase_key=key)
    assert "erase this whole conversation" in texts(asked)
    assert [b["payload"] for b in asked[0]["buttons"]] == ["/affirm", "/deny"]
    assert {keep, erase} <= stored_senders()
    done = assistant.say("/affirm", erase, erase_key=key)
    assert "Your conversation has been erased." in texts(done)
    assert {"erase_conversation": True} in [r.get("custom") for r in done]
    senders = stored_senders()
    assert erase not in senders and keep in senders
    # Saying no keeps it.
    assistant.say("delete my conversation", keep)
    assert "nothing has been erased" in texts(assistant.say("/deny", keep))
    assert keep in stored_senders()


@pytest.mark.parametrize("other_key", [None, "a-key-this-conversation-never-had"])
def test_knowing_a_sender_id_is_not_enough_to_erase_the_conversation(assistant, other_key):
    """Issue 22 item 12: only the key the patient's page sent first can erase the conversation."""
    sender, key = uuid.uuid4().hex, uuid.uuid4().hex
    assistant.say("how long does an echo take?", sender, erase_key=key)
    assistant.say("delete my conversation", sender, erase_key=other_key)
    refused = assistant.say("/affirm", sender, erase_key=other_key)
    assert "can't delete this conversation from here" in texts(refused) and "Nothing has been deleted" in texts(refused)
    assert not any(r.get("custom") for r in refused)  # the page is not told to forget it
    assert sender in stored_senders()
    assert key not in json.dumps(stored_events(sender))  # the key itself is never stored, only its digest


def test_the_opening_message_says_what_is_kept_and_how_to_erase_it(assistant):
    welcome = texts(assistant.say("/greet"))
    assert "personal details such as phone numbers removed, kept for 90 days" in welcome
    assert 'say "delete my conversation"' in welcome
    assert "in an emergency call 999" in welcome and "NHS 111 on 111" in welcome


def test_a_treatment_or_a_test_our_sources_do_not_describe_is_never_answered_with_a_scan_s_facts(assistant):
    """Issue 21 item 5, through the real servers: the name is recognised before any test's facts."""
    treatment = texts(assistant.say("does my monthly octreotide injection hurt?"))
    assert "can't give advice about medicines or treatments" in treatment
    assert "radioactive" not in treatment.lower() and "Octreotide scan" not in treatment
    other_test = texts(assistant.say("when do my liver function tests come back?"))
    assert "our sources don't describe liver function tests" in other_test and "Liver ultrasound" not in other_test
