"""How patients write: short forms, follow-ups that only name a test, comparisons, pointers."""

import pytest

from netfaq.core.patient_words import default_patient_words, load_patient_words, word_stem


@pytest.fixture(scope="module")
def words():
    return default_patient_words()


def test_short_forms_are_written_out_but_names_with_slashes_are_kept(words):
    assert words.expand("hw long b4 my scn 2moro?") == "how long before my scan tomorrow?"
    assert words.expand("its an u/s, r u sure") == "its an u/s, are you sure"
    assert words.expand("my ga-68 scan") == "my ga-68 scan"


@pytest.mark.parametrize(
    ("text", "only_filler"),
    [
        ("and for the ?", True),
        ("what about the", True),
        ("and a normal one then?", True),
        ("how long does take", False),
    ],
)
def test_only_follow_up_words(words, text, only_filler):
    assert words.only_follow_up_words(text) is only_filler


@pytest.mark.parametrize(
    ("text", "compares"),
    [
        ("which one takes longer?", True),
        ("which is quicker", True),
        ("what's the difference", True),
        ("how long", False),
    ],
)
def test_comparing(words, text, compares):
    assert words.compares(text) is compares


def test_pointing_at_one_of_the_last_two_tests(words):
    assert words.points_at("do I need to fast for the first one?") == "first"
    assert words.points_at("what about the second one") == "second"
    assert words.points_at("and the other one?") == "other"
    assert words.points_at("what about the MRI") is None


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("My father had a seizure years ago. Can he still have the MIBG scan?", True),
        ("can I have an MRI if I'm claustrophobic", True),
        ("my scan is at 9, can I still have my breakfast first?", False),
        ("how long does the scan take", False),
    ],
)
def test_suitability_questions(words, text, asks):
    assert words.asks_suitability(text) is asks


def test_a_test_meant_without_a_name(words):
    assert words.means_a_test("I've got a scan coming up")
    assert not words.means_a_test("is it painful")


def test_content_words_drop_filler_and_endings(words):
    assert words.content_words("How long are the scans taking?") == ["long", "scan", "tak"]
    assert word_stem("injected") == "inject" and word_stem("bodies") == "body" and word_stem("glass") == "glass"


def test_a_bad_pattern_names_the_file_and_list(tmp_path):
    bad = tmp_path / "words.yml"
    bad.write_text(
        "short_forms: {}\nfollow_up_words: []\ncomparing: ['(']\nunnamed_test: []\nstop_words: []\n"
        "suitability: []\nearlier_test: []\nlater_test: []\n"
    )
    with pytest.raises(ValueError, match=r"words.yml: comparing: bad pattern"):
        load_patient_words(bad)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("does she need to stop eating and how long will it take",
         ["does she need to stop eating", "how long will it take"]),
        ("my dad's scan is on monday does he fast and how long is it",
         ["my dad's scan is on monday does he fast", "how long is it"]),
        ("my dad's scan is on monday, does he fast and how long is it", ["does he fast", "how long is it"]),
        ("I've got an ultrasound too, is that one in a tunnel as well?", []),  # tells, then asks once
        ("Is it safe? Can I drive home after?", ["Is it safe?", "Can I drive home after?"]),
        ("I'm so nervous. How long does the PET take?", []),  # one question, told with its context
        ("can I eat and drink before it", []),  # "and" joins what is asked, not two questions
        ("how long does it take?", []),
    ],
)  # fmt: skip
def test_a_message_asking_two_things_is_cut_into_its_questions(words, text, parts):
    assert words.asks(text) == parts


@pytest.mark.parametrize(
    ("text", "questions"),
    [
        ("I'm so nervous. How long does the PET take?", ["How long does the PET take?"]),
        ("I need to cancel my MRI. Who do I call? Thanks", ["Who do I call?"]),
        ("Is it safe? Can I drive home after?", []),  # all of it asks
        ("I've had my scan.", []),  # nothing asked
    ],
)
def test_the_questions_of_a_message_that_also_tells_something(words, text, questions):
    assert words.questions_beside_telling(text) == questions


@pytest.mark.parametrize(
    ("text", "question"),
    [("and for children?", True), ("how long", True), ("this is all too much honestly", False), ("", False)],
)
def test_a_question_is_told_from_a_statement(words, text, question):
    assert words.is_question(text) is question


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("the scan where they put cold jelly on your belly, how long is that", "how long is that"),
        ("They found something on my pancreas. I have a scan on Friday. Will it hurt?", "Will it hurt?"),
        ("what happens during a PET - is it noisy?", "is it noisy?"),
        ("how long does it take?", None),  # all question
        ("my mum is 80 and very frail", None),  # no question
    ],
)
def test_the_question_a_message_ends_with(words, text, part):
    assert words.question_part(text) == part
