import pytest

from netfaq.safety import default_rules, detect_emergency, load_rules


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I have chest pain", "chest_pain"),
        ("really bad pain in my chest since this morning", "chest_pain"),
        ("I can't breathe", "breathing"),
        ("im struggling to breathe after the scan", "breathing"),
        ("there's heavy bleeding from where the needle went in", "bleeding"),
        ("the bleeding won\u2019t stop after my EUS", "bleeding"),
        ("my throat is swelling after the injection", "injection_reaction"),
        ("I've got a rash and feel faint since the tracer injection", "injection_reaction"),
        ("I want to kill myself", "self_harm"),
        ("been thinking about suicide", "self_harm"),
        ("ive taken all my tablets on purpose", "self_harm"),
        ("is it normal to feel dizzy after the injection? i feel dizzy now", "injection_reaction"),
        ("MY CHEST HURTS", "chest_pain"),
    ],
)
def test_emergencies_are_recognised(text, category):
    assert detect_emergency(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "how do I prepare for an ultrasound?",
        "can the injection cause an allergic reaction?",
        "what are the side effects of the tracer, could it cause a rash?",
        "can i take my tablets before the scan",
        "when do i get my CT results",
        "",
        None,
        "   ",
        "\U0001f600\U0001f600",
    ],
)
def test_ordinary_questions_are_not_emergencies(text):
    assert detect_emergency(text) is None


def test_each_category_has_its_own_reply_then_the_closing_line():
    rules = default_rules()
    for category in rules.categories:
        first, closing = rules.reply(category)
        assert "999" in first
        assert closing == rules.closing
    assert rules.reply(None)[0] == rules.general_reply


def test_a_bad_pattern_is_reported_with_file_and_category(tmp_path):
    bad = tmp_path / "emergency.yml"
    bad.write_text(
        "general_reply: call 999\nclosing: bye\nhypothetical: []\nhappening_now: []\n"
        "categories:\n  chest_pain:\n    reply: call 999\n    patterns: ['(unclosed']\n"
    )
    with pytest.raises(ValueError, match=r"emergency.yml: category 'chest_pain': bad pattern"):
        load_rules(bad)
