"""Facts as units a question can match: every fact is in, long facts match by their sentences."""

import numpy as np
import pytest

from netfaq.core.embedding import default_encoder
from netfaq.core.patient_words import default_patient_words
from netfaq.core.retrieval import FactIndex, fact_units, passages, sentences


@pytest.fixture(scope="module")
def index(kb):
    return FactIndex(kb, default_encoder(), default_patient_words().content_words)


def test_every_fact_is_a_unit_with_its_procedure_topic_and_source(kb):
    units = fact_units(kb)
    procedure_facts = sum(len(facts or ()) for p in kb.procedures.values() for facts in p.topics.values())
    general_facts = sum(len(t.facts) for t in kb.general.values())
    assert len(units) == procedure_facts + general_facts
    assert len({u.key for u in units}) == len(units)
    unit = next(u for u in units if u.key == "octreotide_scan/during/1")
    assert unit.procedure == "octreotide_scan" and unit.topic == "during"
    assert unit.fact.sources == ("ipsen_nuclear_medicine",)


def test_a_long_fact_is_matched_by_each_of_its_sentences(kb):
    unit = next(u for u in fact_units(kb) if u.key == "general/about_nets/1")
    assert sentences(unit.text) == [
        "Neuroendocrine tumours (NETs) are fairly rare.",
        "They start in neuroendocrine cells, which are found throughout the body.",
    ]
    assert passages(kb, unit) == [
        f"About neuroendocrine tumours (NETs): {unit.text}",
        "About neuroendocrine tumours (NETs): Neuroendocrine tumours (NETs) are fairly rare.",
        "About neuroendocrine tumours (NETs): They start in neuroendocrine cells, which are found throughout the body.",
    ]


def test_the_closest_fact_to_a_question(index):
    similarities = index.similarities(default_encoder().encode(["how long does an echo take?"])[0])
    assert similarities.shape == (len(index.units),)
    assert index.units[int(np.argmax(similarities))].key == "echocardiogram/duration/1"


def test_shared_words_count_rare_words_more_and_same_meaning_words_alike(index):
    overlap = index.word_overlap("is the tracer radiation dangerous for my kids")
    radioactive = index.by_key["octreotide_scan/during/1"]  # "a very small amount of a radioactive substance"
    assert overlap[radioactive] > 0
    assert overlap[index.by_key["echocardiogram/pain/1"]] == 0
    assert index.word_overlap("the").max() == 0


def test_indexes_of_a_procedure_and_of_general_facts(index):
    assert all(index.units[i].procedure == "mri_scan" for i in index.indexes("mri_scan"))
    assert all(index.units[i].procedure is None for i in index.indexes(None))
