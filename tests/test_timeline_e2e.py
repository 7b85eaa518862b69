"""Personal timelines through the real Rasa server and action server: a day and time told, then
questions about it; the dates worked out, the problems asked back, nothing for a test without figures."""

from __future__ import annotations

import uuid

import pytest
import requests

pytestmark = [pytest.mark.model, pytest.mark.servers]

MONDAY = "2026-12-07T10:00"  # Monday 7 December 2026, Europe/London


class Patient:
    def __init__(self, url: str, now: str = MONDAY):
        self.url, self.sender, self.now = url, uuid.uuid4().hex, now

    def say(self, text: str) -> tuple[str, dict | None]:
        """The replies' text, and the timeline data sent beside it (None if none)."""
        body = {"sender": self.sender, "message": text, "metadata": {"now": self.now}}
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)
        assert response.status_code == 200, response.text
        replies = response.json()
        timelines = [(m.get("custom") or {}).get("timeline") for m in replies]
        return "\n".join(m.get("text") or "" for m in replies), next((t for t in timelines if t), None)


@pytest.fixture
def patient(assistant_url):
    return Patient(assistant_url)


def test_a_fasting_question_with_the_appointment_gets_the_start_time(patient):
    text, found = patient.say("my ultrasound is at 2pm on friday, when should I stop eating?")
    assert found["fasting"] == "2026-12-11T08:00"
    assert "from 8am on Friday 11 December" in text and "appointment letter says for sure" in text


def test_the_day_told_first_answers_the_questions_after_it(patient):
    _, told = patient.say("I've got a liver ultrasound on Thursday at 9.30")
    assert told["appointment"] == "2026-12-10T09:30"
    _, fasting = patient.say("when do I have to stop eating?")
    assert fasting["fasting"] == "2026-12-10T03:30"
    _, results = patient.say("and when will the results come?")
    assert results["results_time"] == ["2026-12-17", "2026-12-24"] and results["chase_after"] == ["2026-12-24"]


def test_a_two_day_scan_gets_the_days_to_keep_free(patient):
    text, found = patient.say("my octreotide scan injection is on Monday, which days do I need to keep free?")
    assert found["further_scans"] == ["2026-12-15", "2026-12-16"]
    assert "Tuesday 15 December and Wednesday 16 December" in text


def test_results_dates_count_from_a_test_already_had(patient):
    _, found = patient.say("I had my liver ultrasound on 20 November, when should I have my results by?")
    assert found["results_time"] == ["2026-11-27", "2026-12-04"]


def test_a_weekday_beside_a_date_never_moves_the_date(patient):
    # "Tue 24 Nov" said in December: 24 November 2026, a Tuesday, not next Tuesday or next year's.
    _, found = patient.say("when can I start chasing the results of my liver ultrasound? it was Tue 24 Nov")
    assert found["results_time"] == ["2026-12-01", "2026-12-08"] and found["chase_after"] == ["2026-12-08"]


def test_two_timings_asked_at_once_get_both(patient):
    _, found = patient.say(
        "liver ultrasound on Friday at 10am. When do I stop eating, and when will I get the results?"
    )
    assert found["fasting"] == "2026-12-11T04:00"
    assert found["results_time"] == ["2026-12-18", "2026-12-25"]


def test_an_impossible_date_is_asked_again_and_nothing_is_worked_out(patient):
    text, found = patient.say("my ultrasound is on 31 February, when do I stop eating?")
    assert found == {"procedure": "abdominal_ultrasound", "problem": "impossible_date"}
    assert "doesn't exist" in text


def test_a_test_the_sources_give_no_times_for_gets_no_dates(patient):
    text, found = patient.say("my MRI is on Friday at 2, when should I stop eating?")
    assert found.get("no_figure") and not {"fasting", "results_time"} & set(found)
    assert "can't work out dates" in text


def test_a_clock_change_counts_real_hours(assistant_url):
    patient = Patient(assistant_url, now="2027-03-24T09:00")
    _, found = patient.say("my ultrasound is at 5am on Sunday, when do I stop eating?")
    assert found["fasting"] == "2027-03-27T22:00"  # clocks go forward at 1am on 28 March
