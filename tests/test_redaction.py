import pytest

from netfaq.core.redaction import redact

HELPLINE = ("0808 800 4040",)


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("call me on 07700 900123 please", "call me on [phone] please", ("phone",)),
        ("my number is 07700900123", "my number is [phone]", ("phone",)),
        ("ring +44 7700 900123", "ring [phone]", ("phone",)),
        ("landline (020) 7946 0018", "landline [phone]", ("phone",)),
        ("email jo.bloggs+nhs@example.co.uk", "email [email]", ("email",)),
        ("my NHS number is 943 476 5919", "my NHS number is [NHS number]", ("nhs_number",)),
        ("nhs no 9434765919", "nhs no [NHS number]", ("nhs_number",)),
        ("nhs 943-476-5919", "nhs [NHS number]", ("nhs_number",)),
        ("born 12/03/1961", "born [date]", ("date_of_birth",)),
        ("dob 3rd March 1961", "dob [date]", ("date_of_birth",)),
        ("DOB: 5 Nov 1950", "DOB: [date]", ("date_of_birth",)),
        ("date of birth march 3, 1961", "date of birth [date]", ("date_of_birth",)),
        ("I live at SW1A 1AA", "I live at [postcode]", ("postcode",)),
        ("postcode m1 1ae", "postcode [postcode]", ("postcode",)),
        ("postcode EC1A1BB", "postcode [postcode]", ("postcode",)),
        (
            "I'm Jo, 07700 900123, jo@example.com, NHS 943 476 5919, born 1/2/1960, LS1 4AP",
            "I'm Jo, [phone], [email], NHS [NHS number], born [date], [postcode]",
            ("email", "nhs_number", "phone", "date_of_birth", "postcode"),
        ),
    ],
)
def test_personal_data_is_redacted(text, expected, kinds):
    result = redact(text, HELPLINE)
    assert result.text == expected
    assert result.kinds == kinds


@pytest.mark.parametrize(
    "text",
    [
        "how do I prepare for an ultrasound?",
        "is 0808 800 4040 the nurse helpline?",  # the helpline's own number stays
        "I have to fast for 6 hours",
        "my scan is at 10:30 on the 14th",
        "results in 1 or 2 weeks",
        "the octreotide scan takes 2 days, then 24 to 48 hours",
        "ga-68 dotatate pet",
        "5-HIAA test",
        "my CT showed a 2cm lesion",
        "I am 65 years old",
        "i-131 mibg",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text):
    result = redact(text, HELPLINE)
    assert result.text == text
    assert result.kinds == ()


def test_none_is_treated_as_empty():
    assert redact(None).text == ""


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("born 1961-03-14", "date_of_birth"),
        ("ring 943.476.5919", "nhs_number"),
        ("mobile 07700.900.123", "phone"),
        ("I live at SW1A-1AA", "postcode"),
        ("jo dot bloggs at example dot com", "email"),
        ("jo [at] example [dot] co [dot] uk", "email"),
        ("my nhs number is nine four three four seven six five nine one nine", "nhs_number"),
        ("call me on oh seven seven zero zero nine zero zero one two three", "phone"),
    ],
)
def test_personal_details_in_other_spellings_are_redacted(text, kind):
    assert kind in redact(text).kinds, text


@pytest.mark.parametrize(
    "text",
    ["I had it at one o'clock and at nine", "the scan is at 2, results in 1 or 2 weeks", "we met at the hospital"],
)
def test_ordinary_numbers_and_words_are_kept(text):
    assert redact(text).text == text
