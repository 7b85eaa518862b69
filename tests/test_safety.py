"""Emergency and urgent wording, graded (999 / NHS 111), and what is not an emergency."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netfaq.core.safety import (
    CRISIS,
    EMERGENCY,
    URGENT,
    about_own_case,
    asks_for_diagnosis,
    default_rules,
    detect_emergencies,
    detect_emergency,
    is_deferral,
    load_rules,
    not_happening_now,
)

# Written for these tests by someone who saw none of the patterns: 112 emergencies (NHS red
# flags), 20 urgent problems and 63 look-alikes, in patients' own words.
MESSAGES = yaml.safe_load((Path(__file__).parent / "safety" / "messages.yml").read_text(encoding="utf-8"))
EMERGENCIES = [(category, text) for category, texts in MESSAGES["emergency"].items() for text in texts]


def level(text: str) -> str | None:
    category = detect_emergency(text)
    return default_rules().level(category) if category else None


@pytest.mark.parametrize(("kind", "text"), EMERGENCIES)
def test_every_red_flag_gets_999(kind, text):
    # Thoughts of suicide get the crisis advice, which gives 999 for danger now beside Samaritans.
    assert level(text) in ((EMERGENCY, CRISIS) if kind == "self_harm" else (EMERGENCY,)), text


@pytest.mark.parametrize("text", MESSAGES["urgent"])
def test_urgent_problems_get_111_not_999(text):
    assert level(text) == URGENT, text


@pytest.mark.parametrize("text", MESSAGES["not_emergency"])
def test_look_alikes_are_not_emergencies(text):
    assert detect_emergency(text) is None, text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I have chest pain", "chest_pain"),
        ("im struggling to breathe after the scan", "breathing"),
        ("the bleeding won\u2019t stop after my EUS", "bleeding"),
        ("my throat is swelling after the injection", "allergic_reaction"),
        ("I want to kill myself", "self_harm"),
        ("my dad's face is drooping and his speech is slurred", "stroke"),
        ("having really bad chest pain rn. had my echo last week, is it related??", "chest_pain"),
        ("I had chest pain last year. It's back now.", "chest_pain"),
        ("is it normal to feel dizzy after the injection? i feel dizzy now", "injection_reaction"),
        ("the injection site is red and sore", "injection_site"),
        ("Mum's been feeling sick and a bit dizzy since her octreotide injection this afternoon", "injection_reaction"),
    ],
)
def test_categories(text, category):
    assert detect_emergency(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "how do I prepare for an ultrasound?",
        "can the injection cause an allergic reaction?",
        "I had chest pain last year, is that why I need an echo?",
        "Just wondering, what would I do if I had an allergic reaction to the tracer? Just planning ahead",
        "felt faint yesterday but fine now",
        "mild rash, breathing fine, lips fine, no swelling, no chest pain",
        "",
        None,
        "\U0001f600\U0001f600",
    ],
)
def test_not_emergencies(text):
    assert level(text) != EMERGENCY


def test_the_sentence_with_the_sign_is_judged_on_its_own():
    # Past in one sentence, happening now in another.
    assert detect_emergency("I had a bad reaction to contrast in 2019. My lips are swelling up now") == (
        "allergic_reaction"
    )
    assert not_happening_now("what if I have a fit in the MRI?")


def test_replies_name_the_services_from_the_data_file():
    rules = default_rules()
    for category in rules.categories:
        advice, closing = rules.reply(category)
        assert closing == rules.closing
        if rules.level(category) == EMERGENCY:
            assert rules.services["emergency_number"] in advice
        elif rules.level(category) == CRISIS:
            for service in ("crisis_line", "crisis_number", "emergency_number", "urgent_number"):
                assert rules.services[service] in advice, (category, service)
        else:
            # Urgent advice is NHS 111; the way to emergency help if it gets worse is A&E, with no
            # 999 that would read as "call an ambulance now".
            assert rules.services["urgent_number"] in advice, category
            assert rules.services["emergency_department"] in advice, category
            assert rules.services["emergency_number"] not in advice, category
    assert "Samaritans" in rules.reply("self_harm")[0] and "116 123" in rules.reply("self_harm")[0]
    assert rules.advice_again("chest_pain").startswith(rules.deferral_reply)
    assert "{" not in rules.advice(None) and "116 123" in rules.advice(None)


def _rules_file(tmp_path: Path, category: str) -> Path:
    path = tmp_path / "emergency.yml"
    source = Path(__file__).parent.parent / "data" / "safety" / "emergency.yml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["categories"] = yaml.safe_load(category)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_hospital_changes_a_number_in_one_place(tmp_path):
    path = tmp_path / "emergency.yml"
    source = Path(__file__).parent.parent / "data" / "safety" / "emergency.yml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["services"]["emergency_number"] = "112"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    rules = load_rules(path)
    assert "call 112 now" in rules.reply("chest_pain")[0] and "999" not in rules.advice("chest_pain")


def test_problems_in_the_file_are_named(tmp_path):
    bad_pattern = _rules_file(tmp_path, "chest_pain: {reply: 'call {emergency_number}', patterns: ['(unclosed']}")
    with pytest.raises(ValueError, match=r"emergency.yml: category 'chest_pain': bad pattern"):
        load_rules(bad_pattern)
    unknown_service = _rules_file(tmp_path, "chest_pain: {reply: 'call {ambulance}', patterns: [x]}")
    with pytest.raises(ValueError, match=r"category 'chest_pain': unknown service 'ambulance'"):
        load_rules(unknown_service)
    bad_level = _rules_file(tmp_path, "chest_pain: {reply: call, level: soon, patterns: [x]}")
    with pytest.raises(ValueError, match=r"category 'chest_pain': level must be one of emergency, crisis, urgent"):
        load_rules(bad_level)


@pytest.mark.parametrize(
    ("text", "defers"),
    [
        ("I'd rather not make a fuss", True),
        ("she says she's fine and doesn't want an ambulance", True),
        ("I'll see how I feel tomorrow", True),
        ("how long does the MRI take", False),
    ],
)
def test_putting_off_help(text, defers):
    assert is_deferral(text) is defers


@pytest.mark.parametrize(
    ("text", "declined"),
    [
        ("what are my chances?", True),
        ("so is it cancer?", True),
        ("whats my chance of survival with a NET that has spread", True),
        ("is my NET benign or malignant?", True),
        ("should I have PRRT or surgery? what would you choose?", True),
        ("how long do I have to fast?", False),
        ("can an ultrasound tell if it's cancer?", False),
        ("is it always cancer", False),
        ("could these symptoms be a sign of cancer?", True),
        ("could my flushing mean i have carcinoid", True),
        ("my dad had bowel cancer, does that mean I need a colonoscopy?", False),
    ],
)
def test_diagnosis_and_prognosis_requests(text, declined):
    assert asks_for_diagnosis(text) is declined


def test_own_findings():
    assert about_own_case("my CT report says a lesion, what is it")
    assert not about_own_case("what is an octreotide scan? my mother has one next week")


def test_every_red_flag_in_a_message_is_found_and_self_harm_keeps_its_crisis_line():
    text = "I've been self harming since my diagnosis and I've cut deep this time, there's a lot of blood"
    assert detect_emergencies(text) == ("bleeding", "self_harm")
    rules = default_rules()
    advice = rules.advice("bleeding", ("self_harm",))
    assert advice.splitlines() == [rules.replies["bleeding"], rules.reminders["self_harm"], rules.closing]
    # 999 outranks 111: the chest pain's advice is given; the temperature has no reminder to add.
    assert detect_emergencies("I have chest pain and a temperature") == ("chest_pain", "fever")
    assert default_rules().advice("chest_pain", ("fever",)).splitlines()[:-1] == [rules.replies["chest_pain"]]
    assert detect_emergencies("how long does an MRI take?") == ()


def test_emergency_advice_from_the_words_alone_for_when_nothing_else_answers():
    from netfaq.core.safety import default_rules, emergency_advice

    rules = default_rules()
    advice = emergency_advice("I have crushing chest pain right now", rules)
    assert advice is not None and "999" in advice
    assert emergency_advice("what does a bone scan show?", rules) is None
    assert emergency_advice("what should I do if I get chest pain after the scan?", rules) is None  # a question
