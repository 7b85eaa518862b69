from datetime import date, datetime
from zoneinfo import ZoneInfo

from netfaq.hours import helpline_status
from netfaq.replies import (
    decline_diagnosis_text,
    format_date,
    general_answer,
    helpline_answer,
    hours_text,
    procedure_answer,
    tel_link,
)

TODAY = date(2026, 11, 23)
LONDON = ZoneInfo("Europe/London")


def test_preparation_answer_has_the_facts_and_a_source_line(kb):
    reply = procedure_answer(kb, "abdominal_ultrasound", "preparation", TODAY)
    assert reply.answered
    assert "stop eating for 6 hours" in reply.text
    assert "comfortably full" in reply.text
    assert reply.text.splitlines()[-1] == (
        "Source: Cancer Research UK, \u201cUltrasound scan for neuroendocrine tumours (NETs)\u201d "
        "(last reviewed 15 January 2019)."
    )


def test_results_answer_gives_the_timeline(kb):
    reply = procedure_answer(kb, "abdominal_ultrasound", "results", TODAY)
    assert "within 1 or 2 weeks" in reply.text


def test_gap_says_the_sources_do_not_say_and_refers_on(kb):
    reply = procedure_answer(kb, "mibg_scan", "results", TODAY)
    assert not reply.answered
    assert "our sources don't say when the results of an MIBG scan come" in reply.text
    assert "appointment letter" in reply.text and "care team" in reply.text
    assert "0808 800 4040" in reply.text
    assert not any(ch.isdigit() for ch in reply.text.replace("0808 800 4040", "").replace("9am", "").replace("5pm", ""))


def test_overdue_review_is_flagged_only_after_its_date(kb):
    text = procedure_answer(kb, "liver_ultrasound", "results", TODAY).text
    assert "last reviewed 29 October 2020; its review was due 29 October 2023" in text
    early = procedure_answer(kb, "liver_ultrasound", "results", date(2023, 1, 1)).text
    assert "review was due" not in early


def test_sources_with_partial_or_missing_dates(kb):
    assert format_date("2018-09") == "September 2018"
    octreo = procedure_answer(kb, "octreotide_scan", "duration", TODAY).text
    assert "Ipsen Ltd" in octreo and "page dated September 2018" in octreo
    assert "2 days" in octreo and "24 to 48 hours" in octreo
    overview = general_answer(kb, "about_nets", TODAY).text
    assert "Ontario Health (Cancer Care Ontario)" in overview and "review date not stated" in overview


def test_coping_offers_the_helpline(kb):
    text = general_answer(kb, "coping", TODAY).text
    assert "specialist nurse" in text and "0808 800 4040" in text


def test_helpline_hours_and_link(kb):
    assert hours_text(kb.helpline) == "9am to 5pm, Monday to Friday"
    assert tel_link(kb.helpline) == "tel:+448088004040"


def test_helpline_answer_open_and_closed(kb):
    open_now = helpline_answer(kb, helpline_status(kb.helpline, datetime(2026, 11, 23, 10, tzinfo=LONDON)), TODAY)
    assert "freephone 0808 800 4040" in open_now.text and "open now, until 5pm today" in open_now.text
    friday_evening = helpline_status(kb.helpline, datetime(2026, 11, 27, 18, tzinfo=LONDON))
    closed = helpline_answer(kb, friday_evening, TODAY).text
    assert "closed right now. They open again on Monday at 9am" in closed
    assert "999" in closed
    monday_evening = helpline_status(kb.helpline, datetime(2026, 11, 23, 17, tzinfo=LONDON))
    assert "open again tomorrow at 9am" in helpline_answer(kb, monday_evening, TODAY).text


def test_decline_diagnosis_refers_without_interpreting(kb):
    text = decline_diagnosis_text(kb.helpline)
    assert "can't give a diagnosis" in text and "0808 800 4040" in text
