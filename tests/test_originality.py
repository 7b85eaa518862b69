"""Facts, and their plain versions, are in our own words: none repeats 12 or more consecutive words
of a source document."""

import pytest

from netfaq.core.paths import SOURCE_SHINGLES_FILE, SOURCES_DIR
from netfaq.core.retrieval import fact_units
from netfaq.tools.originality import RUN, copied, read_shingles, shingles, source_documents, source_shingles


def test_no_fact_repeats_twelve_words_of_a_source(kb):
    known = read_shingles(SOURCE_SHINGLES_FILE)
    assert len(known) > 1000
    texts = {unit.key: unit.text for unit in fact_units(kb)}
    texts.update({f"{unit.key} (plain)": unit.fact.plain for unit in fact_units(kb) if unit.fact.plain})
    assert len(texts) > len(fact_units(kb))  # the plain versions are checked too
    assert copied(texts, known) == []


def test_a_copied_run_is_caught_and_a_shorter_one_is_not():
    source = "one two three four five six seven eight nine ten eleven twelve thirteen"
    known = shingles(source)
    assert copied({"copy": "so: One two three, four five six seven eight nine ten eleven twelve!"}, known) == ["copy"]
    assert copied({"short": "one two three four five six seven eight nine ten eleven"}, known) == []
    assert RUN == 12


@pytest.mark.skipif(not SOURCES_DIR.exists(), reason="the source documents are not beside the project here")
def test_the_hashes_are_those_of_the_source_documents():
    assert read_shingles(SOURCE_SHINGLES_FILE) == source_shingles(source_documents(SOURCES_DIR))
