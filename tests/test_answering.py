"""Choosing the answer by matching the question to the facts themselves (no Rasa, no tracker)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from netfaq.core.answering import ANSWERED, CLARIFY, DECLINE, NOT_UNDERSTOOD, OUT_OF_SCOPE, Answerer
from netfaq.core.conversation import Turn
from netfaq.core.embedding import default_encoder
from netfaq.core.knowledge import load_knowledge
from netfaq.core.patient_words import default_patient_words


@pytest.fixture(scope="module")
def answerer(kb) -> Answerer:
    return Answerer.build(kb, default_encoder(), default_patient_words())


def keys(answer, procedure=None):
    section = next(s for s in answer.sections if s.procedure == procedure)
    return [unit.key for unit in section.units]


def past(text, intent, *procedures, confidence=0.99):
    return Turn(text, intent, confidence, answered=procedures)


def test_a_fact_filed_under_another_topic_still_answers(answerer):
    # Classed as a results question, and the sources say nothing of an echo's results, but they do
    # say that an echo shows how well the heart pumps.
    answer = answerer.answer(Turn("will the echo show how well my heart is pumping?", "ask_results", 0.95))
    section = answer.sections[0]
    assert answer.kind == ANSWERED and section.gap == "results"
    assert "echocardiogram/why/1" in keys(answer, "echocardiogram")

    department = answerer.answer(Turn("which department is the ultrasound in?", "ask_arrival", 0.9))
    assert "abdominal_ultrasound/what_is/3" in keys(department, "abdominal_ultrasound")


def test_typos_and_text_speak(answerer):
    answer = answerer.answer(Turn("wot do i wear 4 my ultrasond", "ask_arrival", 0.9))
    assert "abdominal_ultrasound/arrival/1" in keys(answer, "abdominal_ultrasound")


def test_a_message_that_only_names_a_test_asks_the_last_question_again(answerer):
    history = [past("how long does an ultrasound take?", "ask_duration", "abdominal_ultrasound")]
    answer = answerer.answer(Turn("and for the echo?", "inform", 0.9, named=("echocardiogram",)), history)
    assert answer.procedures == ("echocardiogram",)
    assert keys(answer, "echocardiogram")[0] == "echocardiogram/duration/1"


def test_a_test_described_rather_than_named_asks_the_last_question_again(answerer):
    history = [past("how long does an ultrasound take?", "ask_duration", "abdominal_ultrasound")]
    for follow_up in ("and the heart one with the sound waves?", "what about the heart one?"):
        answer = answerer.answer(Turn(follow_up, "inform", 0.6), history)
        assert keys(answer, "echocardiogram")[0] == "echocardiogram/duration/1", follow_up
    # Words that don't describe the test ask something of their own.
    asked = answerer.answer(Turn("and the heart one, does it hurt?", "ask_pain", 0.7), history)
    assert keys(asked, "echocardiogram")[0] == "echocardiogram/pain/1"


def test_a_specific_question_gets_its_fact_first_and_a_broad_one_the_topic_in_order(answerer):
    history = [past("how do I prepare for a liver ultrasound?", "ask_preparation", "liver_ultrasound")]
    specific = answerer.answer(Turn("can I still take my other tablets?", "ask_preparation", 0.9), history)
    assert keys(specific, "liver_ultrasound")[0] == "liver_ultrasound/preparation/3"  # keep taking your medicines
    assert "liver_ultrasound/preparation/1" in keys(specific, "liver_ultrasound")  # the rest of the topic follows
    broad = answerer.answer(Turn("how do I get ready for the liver ultrasound?", "ask_preparation", 0.95))
    assert keys(broad, "liver_ultrasound")[:3] == [f"liver_ultrasound/preparation/{n}" for n in (1, 2, 3)]


def test_a_question_about_one_of_the_tests_told_answers_that_one_and_the_other_comes_next(answerer):
    text = "I've got a bone scan and an echo coming up. What's the bone scan for?"
    both = ("bone_scan", "echocardiogram")
    first = answerer.answer(Turn(text, "ask_why", 0.9, named=both))
    assert first.procedures == ("bone_scan",) and keys(first, "bone_scan")[0] == "bone_scan/why/1"
    history = [Turn(text, "ask_why", 0.9, named=both, answered=first.procedures)]
    other = answerer.answer(Turn("and the other one?", "inform", 0.6), history)
    assert other.procedures == ("echocardiogram",)
    asked_of_both = answerer.answer(Turn("I have an echo and a bone scan. Do they hurt?", "ask_pain", 0.9, named=both))
    assert set(asked_of_both.procedures) == set(both)


def test_a_pronoun_follow_up_is_about_the_last_test(answerer):
    history = [past("what is an echo?", "ask_what_is", "echocardiogram")]
    answer = answerer.answer(Turn("does it hurt?", "ask_pain", 0.99), history)
    assert keys(answer, "echocardiogram") == ["echocardiogram/pain/1"]


def test_comparing_the_last_two_tests(answerer):
    history = [
        past("how long does an echo take?", "ask_duration", "echocardiogram"),
        past("and an ultrasound?", "inform", "abdominal_ultrasound"),
    ]
    answer = answerer.answer(Turn("which one takes longer?", "ask_duration", 0.8), history)
    assert answer.procedures == ("echocardiogram", "abdominal_ultrasound")
    assert "echocardiogram/duration/1" in keys(answer, "echocardiogram")
    assert "abdominal_ultrasound/duration/1" in keys(answer, "abdominal_ultrasound")

    first = answerer.answer(Turn("do I need to fast for the first one?", "ask_preparation", 0.9), history)
    assert first.procedures == ("echocardiogram",) and first.sections[0].gap == "preparation"
    other = answerer.answer(Turn("and the other one?", "inform", 0.9), history)
    assert other.procedures == ("echocardiogram",)  # not the ultrasound, answered last


def test_each_and_both_mean_the_last_two_tests(answerer):
    history = [
        past("is an echo the same as a normal ultrasound?", "ask_what_is", "echocardiogram"),
        past("and the normal one?", "inform", "abdominal_ultrasound"),
    ]
    each = answerer.answer(Turn("how long is each one", "ask_duration", 0.95), history)
    assert set(each.procedures) == {"echocardiogram", "abdominal_ultrasound"}
    assert "echocardiogram/duration/1" in keys(each, "echocardiogram")
    both = answerer.answer(Turn("do both hurt?", "ask_pain", 0.9), history)
    assert set(both.procedures) == {"echocardiogram", "abdominal_ultrasound"}


def test_no_test_known_asks_which(answerer):
    assert answerer.answer(Turn("does it hurt?", "ask_pain", 0.99)).kind == CLARIFY
    assert answerer.answer(Turn("I've got a scan coming up, what do I do?", "nlu_fallback", 0.4)).kind == CLARIFY


def test_off_topic_and_not_understood(answerer):
    assert answerer.answer(Turn("how long does a flight to spain take", "out_of_scope", 0.9)).kind == OUT_OF_SCOPE
    assert answerer.answer(Turn("blorp zzz", "nlu_fallback", 0.3)).kind == NOT_UNDERSTOOD


@pytest.mark.parametrize(
    "text",
    ["my CT report says a 2cm lesion on my liver, is it cancer?", "what are my chances?", "will my dad survive?"],
)
def test_diagnosis_and_prognosis_are_declined(answerer, text):
    assert answerer.answer(Turn(text, "request_diagnosis", 0.9)).kind == DECLINE


def test_a_general_question_worded_like_a_diagnosis_request_is_answered(answerer):
    answer = answerer.answer(
        Turn("is it always cancer", "request_diagnosis", 0.86), [past("what is a NET", "ask_about_nets")]
    )
    assert answer.kind == ANSWERED and "general/about_nets/2" in keys(answer)


@pytest.mark.parametrize(
    ("earlier", "intent", "procedure", "text"),
    [
        ("what is a bone scan?", "ask_what_is", "bone_scan", "so is it cancer then?"),
        ("why would I need an MIBG scan", "ask_why", "mibg_scan", "right so that means it's spread?"),
        ("what does a CT scan show", "ask_why", "ct_scan", "is it bad news then"),
    ],
)
def test_a_diagnosis_asked_along_a_test_s_conversation_is_declined(answerer, earlier, intent, procedure, text):
    """Issue 23 item 9: after a test's answer, "is it cancer?" asks about their own situation."""
    answer = answerer.answer(Turn(text, "request_diagnosis", 0.9), [past(earlier, intent, procedure)])
    assert answer.kind == "decline", answer


@pytest.mark.parametrize(
    ("text", "intent", "named", "history"),
    [
        ("does my monthly octreotide injection hurt?", "ask_pain", ("octreotide_scan",), []),
        ("what are the side effects of lu-177 dotatate treatment", "ask_risks", ("ga68_dotatate_pet",), []),
        (
            "can I still have my lanreotide the week before?",
            "ask_preparation",
            (),
            [("what is an octreotide scan?", "octreotide_scan")],
        ),
    ],
)
def test_a_treatment_is_never_answered_with_a_test_s_facts(answerer, text, intent, named, history):
    """Issue 21 item 5: the treatment's name is not read as the test, and no test's facts are given."""
    past_turns = [past(q, "ask_what_is", p) for q, p in history]
    answer = answerer.answer(Turn(text, intent, 0.95, named=named), past_turns)
    assert answer.procedures == ()
    assert (answer.kind, answer.redirect) == ("redirect", "medicines") or answer.sections[0].procedure is None


def test_a_test_our_sources_do_not_describe_is_said_to_be_so(answerer):
    answer = answerer.answer(
        Turn("when do I get my liver function test results", "ask_results", 0.9, named=("liver_ultrasound",))
    )
    assert answer.kind == "not_covered" and [t.id for t in answer.uncovered] == ["liver_function_tests"]


def test_a_treatment_named_beside_one_of_our_tests_gets_that_test_s_facts_and_a_word_about_it(answerer):
    text = "I'm on lanreotide, how do I prepare for my octreotide scan?"
    answer = answerer.answer(Turn(text, "ask_preparation", 0.95, named=("octreotide_scan",)))
    assert answer.kind == "answered" and answer.procedures == ("octreotide_scan",)
    assert [t.id for t in answer.uncovered] == ["somatostatin_analogue_injections"]


def test_a_question_about_what_the_test_in_focus_shows_is_answered_not_declined(answerer):
    """Classed as a diagnosis request, but a fact about the test answers it."""
    history = [past("what is an endoscopic ultrasound", "ask_what_is", "endoscopic_ultrasound")]
    answer = answerer.answer(Turn("does it show the lymph nodes as well?", "request_diagnosis", 0.9), history)
    assert answer.kind == "answered" and answer.procedures == ("endoscopic_ultrasound",)


def test_whether_someone_can_have_a_test_is_not_in_the_sources(answerer):
    answer = answerer.answer(
        Turn("My father had a seizure years ago. Can he still have the MIBG scan?", "ask_why", 0.5)
    )
    assert answer.sections[0].gap == "suitability"


def test_a_gap_gives_no_facts_from_other_topics_unless_they_match_closely(answerer):
    answer = answerer.answer(Turn("when will I get my MIBG results?", "ask_results", 0.99))
    assert answer.sections[0].gap == "results" and answer.sections[0].units == ()


def test_a_general_topic_gives_all_its_facts(answerer, kb):
    answer = answerer.answer(Turn("what are NETs?", "ask_about_nets", 0.99))
    topic = [f"general/about_nets/{n}" for n in range(1, len(kb.general["about_nets"].facts) + 1)]
    assert keys(answer)[: len(topic)] == topic


def test_a_question_the_facts_do_not_answer_is_said_to_be_so(answerer):
    section = answerer.answer(Turn("how much does a PET scan cost?", "ask_what_is", 0.5)).sections[0]
    assert section.partial or section.gap is not None


def test_a_new_fact_is_answerable_without_retraining(kb_copy, answerer):
    mri = kb_copy / "procedures" / "mri_scan.yml"
    data = yaml.safe_load(mri.read_text(encoding="utf-8"))
    data["procedure"]["topics"]["duration"] = [
        {"text": "A made-up test fact: an MRI scan takes a quarter of an hour.", "source": "pubmed_imaging_review"}
    ]
    mri.write_text(yaml.safe_dump(data), encoding="utf-8")
    changed = load_knowledge(kb_copy)
    rebuilt = Answerer.build(changed, default_encoder(), default_patient_words(), known=answerer.index.embedded)
    answer = rebuilt.answer(Turn("how long does an MRI take?", "ask_duration", 0.99))
    assert keys(answer, "mri_scan")[0] == "mri_scan/duration/1"  # the best match first
    assert len(set(rebuilt.index.embedded) - set(answerer.index.embedded)) == 1  # only the new passage


@pytest.mark.parametrize(
    "question",
    ["what if my results don't arrive?", "I had a CT scan three weeks ago and still haven't heard anything"],
)
def test_results_that_do_not_arrive_get_the_general_answer_with_its_sources(answerer, question):
    answer = answerer.answer(Turn(question, "ask_results", 0.9))
    assert answer.kind == ANSWERED
    assert "general/results_late/1" in [unit.key for section in answer.sections for unit in section.units]


def test_a_results_question_that_names_no_test_asks_which_unless_the_results_are_late(answerer):
    assert answerer.answer(Turn("when do I get the results back?", "ask_results", 0.99)).kind == CLARIFY
    late = answerer.answer(Turn("my results still haven't come", "ask_results", 0.99))
    assert late.kind == ANSWERED and keys(late)[0].startswith("general/results_late/")


def test_a_general_question_about_tests_is_answered_not_asked_which_test(answerer):
    answer = answerer.answer(Turn("why do I need so many different scans", "ask_diagnosis_process", 0.98))
    assert answer.kind == ANSWERED and "general/diagnosis_process/1" in keys(answer)
    # Asked along a test's conversation, with the general fact sharing its words and the test's not.
    history = [past("is the gallium scan radioactive?", "ask_risks", "ga68_dotatate_pet")]
    along = answerer.answer(Turn("does everyone have the same tests", "ask_what_is", 0.42), history)
    assert keys(along) == ["general/diagnosis_process/2"]


def test_naming_the_test_after_only_saying_there_is_one_asks_what_it_is_and_why(answerer):
    history = [Turn("I've got a scan next week", "nlu_fallback", 0.4)]
    answer = answerer.answer(Turn("the bone one", "inform", 0.7, named=("bone_scan",)), history)
    assert keys(answer, "bone_scan")[0] == "bone_scan/what_is/1" and "bone_scan/why/1" in keys(answer, "bone_scan")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("can I bring it forward a week?", "appointments"),
        ("where do I park when I come for it?", "travel"),
        ("can you sort out a repeat prescription of my painkillers?", "medicines"),
    ],
)
def test_a_request_the_assistant_can_t_handle_is_redirected_never_asked_which_test(answerer, text, kind):
    history = [past("how do I prepare for an MIBG scan?", "ask_preparation", "mibg_scan")]
    answer = answerer.answer(Turn(text, "redirect", 0.9), history)
    assert (answer.kind, answer.redirect, answer.sections) == ("redirect", kind, ())
    unsure = answerer.answer(Turn(text, "redirect", 0.3), history)
    assert unsure.kind != "redirect"  # a weak guess is not enough to skip the facts


@pytest.mark.parametrize(
    "text",
    [
        "I had the bone scan injection an hour ago, is the stuff they put in me radioactive?",
        "they injected something before my octreotide scan yesterday, what was that",
    ],
)
def test_a_question_the_facts_answer_is_answered_even_if_classed_as_a_redirect(answerer, text):
    """Injections sound like medicines; the facts about the test's tracer are closer than any redirect."""
    answer = answerer.answer(Turn(text, "redirect", 0.9))
    assert answer.kind == "answered", answer
    assert any("radioactive" in unit.text.lower() for section in answer.sections for unit in section.units)


def test_a_question_told_beside_a_request_is_answered_and_a_request_asked_is_redirected(answerer):
    # The classifier heard parking; what is asked is how long the test takes.
    told = answerer.answer(Turn("how long does the heart scan take? I need to sort out parking", "redirect", 0.9))
    assert told.kind == ANSWERED and keys(told, "echocardiogram")[0] == "echocardiogram/duration/1"
    # What is asked is the request: who to call to cancel.
    asked = answerer.answer(Turn("I need to cancel my MRI. Who do I call?", "redirect", 0.9))
    assert (asked.kind, asked.redirect) == ("redirect", "appointments")


def test_comparing_the_tests_talked_about_is_never_taken_for_a_redirect(answerer):
    # "which one is quicker?" after two tests, classed as a redirect (its closest example, about
    # costs, is further from it than any fact): it compares the two tests' durations.
    history = [
        past("how long does an echo take", "ask_duration", "echocardiogram"),
        past("and the ultrasound?", "inform", "abdominal_ultrasound"),
    ]
    answer = answerer.answer(Turn("which one is quicker", "redirect", 0.85), history)
    assert answer.kind == ANSWERED and set(answer.procedures) == {"echocardiogram", "abdominal_ultrasound"}
    assert "echocardiogram/duration/1" in keys(answer, "echocardiogram")
    # With no tests talked about, there is nothing to compare: the redirect stands.
    alone = answerer.answer(Turn("which one is cheaper, NHS or private?", "redirect", 0.9))
    assert (alone.kind, alone.redirect) == ("redirect", "costs")


def test_a_correction_asks_the_last_question_again_for_the_test_meant(answerer):
    history = [past("how long does a PET scan take?", "ask_duration", "pet_ct")]
    answer = answerer.answer(
        Turn("oops, I meant the bone scan, not the PET", "correct_test", 0.9, named=("bone_scan", "pet_ct")), history
    )
    assert answer.procedures == ("bone_scan",)
    assert answer.topic == "duration"


def test_say_that_again_simpler_and_more_use_the_last_answer(answerer):
    first = answerer.answer(Turn("how do I prepare for an ultrasound?", "ask_preparation", 0.95))
    given = [unit.key for section in first.sections for unit in section.units]
    again = answerer.answer(Turn("say that again please", "repeat_answer", 0.9), last_facts=given)
    assert [u.key for s in again.sections for u in s.units] == given and not again.short
    simpler = answerer.answer(Turn("in plain English please", "simplify", 0.9), last_facts=given)
    assert [u.key for s in simpler.sections for u in s.units] == given and simpler.short
    about = answerer.answer(Turn("what did you say about drinking?", "repeat_answer", 0.9), last_facts=given)
    assert 0 < len([u for s in about.sections for u in s.units]) < len(given)
    more = answerer.answer(Turn("tell me more", "more_detail", 0.9), last_facts=given[:1])
    topic = given[0].rsplit("/", 1)[0]
    assert {u.key for s in more.sections for u in s.units} == {
        k for k in answerer.index.by_key if k.startswith(topic + "/")
    }


def test_what_was_said_about_another_test_is_that_tests_answer_again(answerer):
    history = [
        past("how long does the PET scan take", "ask_duration", "pet_ct"),
        past("ok and the echo?", "inform", "echocardiogram"),
    ]
    echo = answerer.answer(Turn("ok and the echo?", "inform", 0.9), history[:1])
    given = [unit.key for section in echo.sections for unit in section.units]
    again = answerer.answer(Turn("what did you say about the PET?", "repeat_answer", 0.95), history, given)
    assert again.procedures == ("pet_ct",) and again.topic == "duration"
    # Asked about the test the last answer was about: that answer's facts, as before.
    same = answerer.answer(Turn("what did you say about the echo?", "repeat_answer", 0.95), history, given)
    assert [u.key for s in same.sections for u in s.units] == given


def repeated_pairs(answerer, answer):
    """Pairs of facts in one answer where one holds most of the other's words."""
    contained, bar = answerer.index.contained, answerer.settings.repeated_words
    pairs = []
    for section in answer.sections:
        numbers = [answerer.index.by_key[unit.key] for unit in section.units]
        pairs += [
            (answerer.index.units[a].key, answerer.index.units[b].key)
            for n, a in enumerate(numbers)
            for b in numbers[n + 1 :]
            if max(contained[a, b], contained[b, a]) >= bar
        ]
    return pairs


def test_no_two_facts_of_an_answer_say_the_same_thing(answerer, kb):
    # The octreotide scan's "more scans over the next 24 to 48 hours" is filed under duration and
    # during; a duration question gives it once.
    duration = answerer.answer(Turn("how long will the octreotide scan take?", "ask_duration", 0.95))
    assert "octreotide_scan/duration/2" in keys(duration, "octreotide_scan")
    assert "octreotide_scan/during/2" not in keys(duration, "octreotide_scan")
    # Every test asked about every topic, by its name: no answer repeats itself.
    questions = {
        "ask_duration": "how long does the {} take?",
        "ask_during": "what happens during the {}?",
        "ask_pain": "does the {} hurt?",
        "ask_risks": "is the {} safe?",
        "ask_what_is": "what is the {}?",
        "ask_afterwards": "what happens after the {}?",
    }
    repeats = []
    for procedure in kb.procedures.values():
        for intent, question in questions.items():
            answer = answerer.answer(Turn(question.format(procedure.name), intent, 0.95))
            repeats += repeated_pairs(answerer, answer)
    assert repeats == []


def test_someone_who_may_need_support_is_never_asked_which_test(answerer):
    # Taken for "simpler please" or a question about a test, without confidence, with the support
    # intent among the classifier's next guesses: the coping facts, never "which test?".
    for text, intent, confidence in [
        ("this is all too much", "simplify", 0.4),
        ("i have a scan next week and honestly i'm dreading it", "ask_preparation", 0.45),
    ]:
        alone = answerer.answer(Turn(text, intent, confidence))
        assert alone.kind in (CLARIFY, NOT_UNDERSTOOD)  # what the guess turns into kindness
        supported = answerer.answer(Turn(text, intent, confidence, guesses=(("ask_coping", 0.2),)))
        assert supported.kind == ANSWERED
        assert [u.topic for u in supported.sections[0].units] == ["coping"] * len(supported.sections[0].units)
    # A support guess does not take over a question the facts answer.
    answered = answerer.answer(Turn("how long does an echo take?", "ask_duration", 0.5, guesses=(("ask_coping", 0.3),)))
    assert keys(answered, "echocardiogram")[0] == "echocardiogram/duration/1"
    # Nor does an unlikely one.
    unlikely = answerer.answer(Turn("this is all too much", "simplify", 0.4, guesses=(("ask_coping", 0.05),)))
    assert unlikely.kind == NOT_UNDERSTOOD


def test_a_condition_told_after_an_answer_is_about_the_test_in_focus(answerer):
    history = [past("how do I get ready for the liver scan?", "ask_preparation", "liver_ultrasound")]
    # Insulin means diabetes (data/language/patient_words.yml): the fasting fact that names it.
    insulin = answerer.answer(Turn("I take insulin though", "tell_condition", 0.9), history)
    assert insulin.procedures == ("liver_ultrasound",) and insulin.sections[0].gap == "suitability"
    assert keys(insulin, "liver_ultrasound") == ["liver_ultrasound/preparation/2"]
    # No fact names a pacemaker: our sources don't say, and nothing that only shares "got" is given.
    history = [past("what happens during an MRI?", "ask_during", "mri_scan")]
    pacemaker = answerer.answer(Turn("I've got a pacemaker", "tell_condition", 0.9), history)
    assert pacemaker.sections[0].gap == "suitability" and keys(pacemaker, "mri_scan") == []
    # A treatment told: the test in focus, with a word that the treatment is not covered.
    chemo = answerer.answer(Turn("I'm on chemo at the moment", "tell_condition", 0.9), history)
    assert chemo.procedures == ("mri_scan",) and chemo.sections[0].gap == "suitability"
    assert [thing.id for thing in chemo.uncovered] == ["chemotherapy"]
    # With no test talked about, which test?
    assert answerer.answer(Turn("I'm diabetic", "tell_condition", 0.9)).kind == CLARIFY
    # Told in one sentence of several, the fact naming it shares that sentence's words.
    long = "OK. I'm having another ultrasound next month. I'm type 1 diabetic, will the fasting be a problem?"
    diabetic = answerer.answer(Turn(long, "tell_condition", 0.9))
    assert keys(diabetic, "abdominal_ultrasound") == ["abdominal_ultrasound/preparation/2"]


def test_two_questions_in_one_message_are_both_answered(answerer):
    text = "my dad is having an ultrasound scan on monday does he need to stop eating before and how long does it take"
    answer = answerer.answer(Turn(text, "ask_preparation", 0.9))
    found = keys(answer, "abdominal_ultrasound")
    # Each question leads with its own fact; the preparation topic the classifier heard follows.
    assert found[:2] == ["abdominal_ultrasound/preparation/2", "abdominal_ultrasound/duration/1"]
    assert "abdominal_ultrasound/preparation/1" in found


def test_a_second_question_our_sources_do_not_answer_is_said_to_be_a_gap(answerer):
    answer = answerer.answer(Turn("how long does the bone scan take and does it hurt?", "ask_duration", 0.9))
    section = answer.sections[0]
    assert (section.gap, section.also_not_said) == ("duration", ("pain",))


def test_a_request_beside_a_question_is_redirected_after_the_facts(answerer):
    answer = answerer.answer(
        Turn("do I need to fast for the liver ultrasound and where do I park?", "ask_preparation", 0.8)
    )
    assert (answer.kind, answer.redirect) == (ANSWERED, "travel")
    assert "liver_ultrasound/preparation/2" in keys(answer, "liver_ultrasound")
    alone = answerer.answer(Turn("do I need to fast for the liver ultrasound?", "ask_preparation", 0.8))
    assert alone.redirect is None


def test_a_request_the_classifier_was_unsure_of_is_redirected_when_redirect_was_its_next_guess(answerer):
    unsure = Turn("can I get my parking refunded", "out_of_scope", 0.66, guesses=(("redirect", 0.3),))
    assert (answerer.answer(unsure).kind, answerer.answer(unsure).redirect) == ("redirect", "travel")
    # Only guessed: a question the facts answer nearly as closely stays a question, and a request
    # like none of the examples is not sent anywhere.
    jab = Turn("the nurse gave me a jab before my bone scan this morning, what was it?", "nlu_fallback", 0.3)
    assert answerer.answer(replace(jab, guesses=(("redirect", 0.34),))).kind == ANSWERED
    homework = Turn("can you help with my son's maths homework", "out_of_scope", 0.8, guesses=(("redirect", 0.2),))
    assert answerer.answer(homework).kind != "redirect"
    # Support guessed first is not sent elsewhere, whatever came after it.
    struggling = Turn(
        "everything is on top of me", "out_of_scope", 0.4, guesses=(("ask_coping", 0.3), ("redirect", 0.2))
    )
    assert answerer.answer(struggling).kind != "redirect"


def test_someone_struggling_along_a_test_s_conversation_gets_support_not_that_test_s_facts(answerer):
    history = [past("will the ultrasound hurt?", "ask_pain", "abdominal_ultrasound")]
    turn = Turn(
        "this is all too much honestly", "nlu_fallback", 0.3, guesses=(("simplify", 0.17), ("ask_coping", 0.13))
    )
    answer = answerer.answer(turn, history)
    assert answer.procedures == () and answer.sections[0].units[0].topic == "coping"
    # A follow-up question the classifier was as unsure of is still about the test.
    question = Turn("and for children?", "nlu_fallback", 0.3, guesses=(("ask_duration", 0.2), ("ask_coping", 0.12)))
    assert answerer.answer(question, history).procedures == ("abdominal_ultrasound",)


def test_a_general_question_split_between_two_general_topics_is_not_taken_for_the_test(answerer):
    history = [past("how long does the MRI take?", "ask_duration", "mri_scan")]
    turn = Turn("who can I talk to about the waiting?", "ask_nurse", 0.58, guesses=(("ask_coping", 0.42),))
    assert answerer.answer(turn, history).procedures == ()


def test_misspelt_words_are_read_as_the_words_of_our_facts(answerer):
    answer = answerer.answer(Turn("how lng dose an ultrsound scna tkae", None, 0.0))
    assert keys(answer, "abdominal_ultrasound")[0] == "abdominal_ultrasound/duration/1"


def test_a_described_test_is_matched_by_what_is_asked_of_it(answerer):
    # The words describing the test would match the gel fact; the question asks how long.
    answer = answerer.answer(
        Turn("the scan where they put cold jelly on your belly, how long is that", "nlu_fallback", 0.3)
    )
    assert "abdominal_ultrasound/duration/1" in keys(answer, "abdominal_ultrasound")[:2]


def test_the_question_a_long_message_ends_with_leads(answerer):
    # Matched as a whole, the drive and the water before it come first.
    text = (
        "My husband is driving me because I can't after the operation, and we need to leave at 7 as the hospital "
        "is an hour away, and the letter says to drink plenty of water before my ultrasound. Will it hurt?"
    )
    answer = answerer.answer(Turn(text, None, 0.0))
    assert keys(answer, "abdominal_ultrasound")[0] == "abdominal_ultrasound/pain/1"


def test_naming_a_test_after_a_misspelt_question_asks_it_again_for_that_test(answerer):
    first = Turn("how lng dose an ultrsound scna tkae", "nlu_fallback", 0.3)
    history = [Turn(first.text, first.intent, first.confidence, answered=answerer.answer(first).procedures)]
    answer = answerer.answer(Turn("wat abut the eccho", "nlu_fallback", 0.3), history)
    assert keys(answer, "echocardiogram") == ["echocardiogram/duration/1"]


def test_which_of_the_two_is_the_one_that_is_answered_about_that_one(answerer):
    history = [
        Turn(
            "I've got an ultrasound and a PET-CT coming up. does the first one use radiation?",
            "ask_risks",
            0.9,
            named=("abdominal_ultrasound", "pet_ct"),
            answered=("abdominal_ultrasound",),
        ),
        past("and the second one?", "inform", "pet_ct", confidence=0.7),
    ]
    which = answerer.answer(Turn("which of them is the one where they put gel on me?", "ask_what_is", 0.5), history)
    assert which.procedures == ("abdominal_ultrasound",)
    history.append(past("which of them is the one where they put gel on me?", "ask_what_is", *which.procedures))
    assert answerer.answer(Turn("how long will that one take?", "ask_duration", 0.9), history).procedures == (
        "abdominal_ultrasound",
    )
    # A difference between them fits both alike: both are answered.
    both = [
        past("how long does an echo take?", "ask_duration", "echocardiogram"),
        past("and the ultrasound?", "inform", "abdominal_ultrasound"),
    ]
    assert len(answerer.answer(Turn("what's the difference between them?", "ask_what_is", 0.6), both).procedures) == 2


def test_naming_another_test_asks_the_last_question_again_as_it_was_asked(answerer):
    first = Turn("the scan where they put cold jelly on your belly, how long is that", "nlu_fallback", 0.3)
    history = [Turn(first.text, first.intent, first.confidence, answered=answerer.answer(first).procedures)]
    answer = answerer.answer(Turn("and the heart one with the sound waves?", "inform", 0.6), history)
    assert "echocardiogram/duration/1" in keys(answer, "echocardiogram")


def test_a_general_question_the_classifier_is_sure_of_is_answered_as_general_along_a_test_s_conversation(answerer):
    history = [past("will the ultrasound hurt?", "ask_pain", "abdominal_ultrasound")]
    turn = Turn("thanks, that helps. is there someone I can talk to while I wait?", "ask_coping", 0.65)
    answer = answerer.answer(turn, history)
    assert answer.procedures == () and answer.sections[0].units[0].topic == "coping"
    # A question about the test, with the classifier sure of its topic, is still about the test.
    assert answerer.answer(Turn("is it safe?", "ask_risks", 0.7), history).procedures == ("abdominal_ultrasound",)
