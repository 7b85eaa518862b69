"""How answers are worded: facts with their sources, gaps, close-but-not-sure answers, the helpline."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from netfaq.core.answering import Section
from netfaq.core.hours import helpline_status
from netfaq.core.replies import (
    decline_diagnosis_text,
    emergency_notice,
    format_date,
    helpline_answer,
    hours_text,
    section_text,
    welcome_text,
)
from netfaq.core.retrieval import fact_units
from netfaq.core.safety import default_rules

TODAY = date(2026, 11, 23)
LONDON = ZoneInfo("Europe/London")
SERVICES = default_rules().services


def units(kb, *keys):
    by_key = {unit.key: unit for unit in fact_units(kb)}
    return tuple(by_key[key] for key in keys)


def test_facts_with_a_heading_and_a_source_line(kb):
    text = section_text(kb, Section("abdominal_ultrasound", units(kb, "abdominal_ultrasound/preparation/2")), TODAY)
    assert text.splitlines()[0] == "Ultrasound scan: preparing for it"
    assert "stop eating for 6 hours" in text
    assert text.splitlines()[-1] == (
        "Source: Cancer Research UK, \u201cUltrasound scan for neuroendocrine tumours (NETs)\u201d "
        "(last reviewed 15 January 2019; no review date given, so it may be out of date)."
    )


def test_simpler_gives_each_fact_in_plain_words_with_the_same_heading_and_source(kb):
    section = Section("liver_ultrasound", units(kb, "liver_ultrasound/preparation/2", "liver_ultrasound/during/1"))
    usual, simpler = section_text(kb, section, TODAY), section_text(kb, section, TODAY, short=True)
    for unit in section.units:
        assert unit.fact.text in usual and unit.fact.plain in simpler and unit.fact.text not in simpler
    assert usual.splitlines()[0] == simpler.splitlines()[0] and usual.splitlines()[-1] == simpler.splitlines()[-1]
    # Someone who found it hard is told a person can explain it.
    assert "care team can explain" in simpler and "0808 800 4040" in simpler and "explain" not in usual


def test_facts_from_several_topics_have_the_test_as_heading(kb):
    chosen = units(kb, "abdominal_ultrasound/what_is/3", "abdominal_ultrasound/arrival/1")
    text = section_text(kb, Section("abdominal_ultrasound", chosen), TODAY)
    assert text.splitlines()[0] == "Ultrasound scan"
    assert text.index("x-ray department") < text.index("hospital gown")  # in the order given: best first


def test_a_gap_says_the_sources_do_not_say_and_refers_on(kb):
    text = section_text(kb, Section("mibg_scan", (), gap="results"), TODAY)
    assert "our sources don't say when the results of an MIBG scan come" in text
    assert "appointment letter" in text and "care team" in text and "0808 800 4040" in text
    assert not re.search(r"\b(hours?|minutes?|days?|weeks?)\b", text)  # no figure of any kind


def test_a_gap_with_what_the_sources_do_say(kb):
    section = Section("octreotide_scan", units(kb, "octreotide_scan/during/1"), gap="risks")
    text = section_text(kb, section, TODAY)
    assert "our sources don't say what the risks of an octreotide scan (SRS) are" in text
    assert "What our sources do say about an octreotide scan (SRS):\n\u2022 On the first day" in text
    assert "\nSource: Ipsen Ltd" in text  # the fact's source ...
    assert text.endswith("\nHelpline details from Cancer Research UK.")  # ... and, briefly, the helpline's


def test_a_question_asked_in_a_way_no_topic_covers(kb):
    text = section_text(kb, Section("mri_scan", (), gap=""), TODAY)
    assert "our sources don't say that about an MRI scan" in text
    suitability = section_text(kb, Section("mibg_scan", (), gap="suitability"), TODAY)
    assert "whether an MIBG scan is suitable for you, or for the person you are asking about" in suitability


def test_close_but_not_sure_says_so_and_refers_on(kb):
    text = section_text(kb, Section("pet_ct", units(kb, "pet_ct/what_is/1"), partial=True), TODAY)
    assert text.startswith("I'm not sure our sources answer exactly that.")
    assert "how the organs and tissues" in text and "appointment letter" in text and "0808 800 4040" in text


def test_borrowed_facts_say_what_they_were_said_of(kb):
    text = section_text(kb, Section("echocardiogram", units(kb, "echocardiogram/risks/1")), TODAY)
    assert "does not use radiation" in text
    assert (
        "(Our source says this of ultrasound scans in general, and an echo is an ultrasound scan of the heart.)" in text
    )


def test_facts_from_a_leaflet_for_another_condition_say_so(kb):
    note = (
        "Note: this comes from a leaflet written for people whose breast cancer may have spread to the liver, "
        "not for people with NETs."
    )
    liver = section_text(kb, Section("liver_ultrasound", units(kb, "liver_ultrasound/why/1")), TODAY)
    assert note in liver.splitlines()[-1]  # one source: said once, on the sources' line
    ct = section_text(kb, Section("ct_scan", units(kb, "ct_scan/why/1", "ct_scan/why/3")), TODAY)
    borrowed = next(line for line in ct.splitlines() if "breast cancer has spread" in line)
    assert note in borrowed and note not in ct.splitlines()[-1]  # several: beside the fact it concerns
    nets_only = section_text(kb, Section("ct_scan", units(kb, "ct_scan/why/1")), TODAY)
    assert "breast" not in nets_only


def test_overdue_review_is_flagged_only_after_its_date(kb):
    section = Section("liver_ultrasound", units(kb, "liver_ultrasound/results/1"))
    assert "last reviewed 29 October 2020; its review was due 29 October 2023" in section_text(kb, section, TODAY)
    assert "review was due" not in section_text(kb, section, date(2023, 1, 1))


def test_general_facts_and_sources_with_partial_or_missing_dates(kb):
    assert format_date("2018-09") == "September 2018"
    octreo = section_text(kb, Section("octreotide_scan", units(kb, "octreotide_scan/duration/1")), TODAY)
    assert "Ipsen Ltd" in octreo and "page dated September 2018" in octreo and "2 days" in octreo
    overview = section_text(kb, Section(None, units(kb, "general/about_nets/1")), TODAY)
    assert overview.startswith("About neuroendocrine tumours (NETs)\n")
    assert "Ontario Health (Cancer Care Ontario)" in overview and "review date not stated" in overview


def test_coping_offers_the_helpline(kb):
    text = section_text(kb, Section(None, units(kb, "general/coping/1")), TODAY)
    assert "specialist nurse" in text and "0808 800 4040" in text


def test_helpline_answer_open_and_closed(kb):
    assert hours_text(kb.helpline) == "9am to 5pm, Monday to Friday"
    open_now = helpline_answer(
        kb, helpline_status(kb.helpline, datetime(2026, 11, 23, 10, tzinfo=LONDON)), TODAY, SERVICES
    )
    assert "freephone 0808 800 4040" in open_now and "open now, until 5pm today" in open_now
    friday_evening = helpline_status(kb.helpline, datetime(2026, 11, 27, 18, tzinfo=LONDON))
    closed = helpline_answer(kb, friday_evening, TODAY, SERVICES)
    assert "closed right now. They open again on Monday at 9am" in closed
    assert "or NHS 111 on 111 if it can't wait" in closed and "999" not in closed
    monday_evening = helpline_status(kb.helpline, datetime(2026, 11, 23, 17, tzinfo=LONDON))
    assert "open again tomorrow at 9am" in helpline_answer(kb, monday_evening, TODAY, SERVICES)


def test_the_emergency_notice_names_the_services_from_their_one_file(kb):
    notice = emergency_notice({"emergency_number": "112", "urgent_service": "the urgent line", "urgent_number": "1234"})
    assert notice == (
        "This chat is not for emergencies: in an emergency call 112; if it is urgent but not an emergency, "
        "call the urgent line on 1234."
    )
    assert emergency_notice(SERVICES) in welcome_text(kb, SERVICES, "What is kept.")
    assert "999" in emergency_notice(SERVICES) and "NHS 111 on 111" in emergency_notice(SERVICES)


def test_decline_diagnosis_refers_without_interpreting(kb):
    text = decline_diagnosis_text(kb.helpline)
    assert "can't give a diagnosis" in text and "0808 800 4040" in text


def test_on_a_bank_holiday_the_lines_may_be_closed(kb):
    christmas = helpline_status(kb.helpline, datetime(2026, 12, 25, 11, tzinfo=LONDON))
    text = helpline_answer(kb, christmas, TODAY, SERVICES)
    assert (
        "Today is a bank holiday (Christmas Day), so the lines may be closed. They open again on Tuesday at 9am."
        in text
    )
