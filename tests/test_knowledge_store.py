"""One reloading knowledge store per process: an edit reaches the answers, the channel's apologies,
the redaction allow-list and the review pages without a restart; a broken edit changes nothing."""

import logging
import os

import pytest
import yaml

from netfaq.core import knowledge_store
from netfaq.core.knowledge_store import KnowledgeStore


def bump_mtime(path):
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def pain_facts(store):
    return store.get().procedures["echocardiogram"].topics["pain"]


def test_a_valid_edit_is_picked_up_without_a_restart(kb_copy):
    store = KnowledgeStore(kb_copy, check_every_s=0)
    assert "painless" in pain_facts(store)[0].text
    path = kb_copy / "procedures" / "echocardiogram.yml"
    data = yaml.safe_load(path.read_text())
    data["procedure"]["topics"]["pain"][0]["text"] = "An echo does not hurt."
    path.write_text(yaml.safe_dump(data))
    bump_mtime(path)
    assert pain_facts(store)[0].text == "An echo does not hurt."


def test_a_broken_edit_keeps_the_last_good_version_and_logs_why(kb_copy, caplog):
    store = KnowledgeStore(kb_copy, check_every_s=0)
    before = store.get()
    path = kb_copy / "procedures" / "bone_scan.yml"
    path.write_text(path.read_text() + "\n  oops: [unclosed\n")
    bump_mtime(path)
    with caplog.at_level(logging.ERROR):
        after = store.get()
    assert after is before
    assert "bone_scan.yml" in caplog.text and "broken YAML" in caplog.text


def test_files_are_looked_at_at_most_once_a_second(kb_copy):
    store = KnowledgeStore(kb_copy)
    first = store.get()
    path = kb_copy / "helpline.yml"
    path.write_text(path.read_text().replace("0808 800 4040", "0808 800 4041"))
    bump_mtime(path)
    assert store.get() is first  # within the second: no directory walk


@pytest.fixture
def shared_copy(kb_copy, monkeypatch):
    """The process's shared store, on a copy of the knowledge base that the test edits."""
    from netfaq.core.paths import KNOWLEDGE_DIR

    monkeypatch.setitem(knowledge_store._shared, KNOWLEDGE_DIR, KnowledgeStore(kb_copy, check_every_s=0))
    return kb_copy


def test_an_edit_reaches_every_part_that_uses_the_knowledge_base(shared_copy):
    from actions.knowledge_store import answerer
    from netfaq.review.pages import knowledge_procedures
    from rasa_extensions.rest_channel import _no_answer, _store_down
    from rasa_extensions.tracker_store import _numbers_to_keep

    assert "0808 800 4040" in _no_answer() and _numbers_to_keep() == ("0808 800 4040",)
    assert "mibg_scan" in knowledge_procedures()
    helpline = shared_copy / "helpline.yml"
    helpline.write_text(helpline.read_text().replace("0808 800 4040", "0808 800 4041"))
    bump_mtime(helpline)
    (shared_copy / "procedures" / "mibg_scan.yml").unlink()
    assert "0808 800 4041" in _no_answer() and "0808 800 4041" in _store_down()
    assert _numbers_to_keep() == ("0808 800 4041",)
    assert "mibg_scan" not in knowledge_procedures()
    assert answerer().kb.helpline.phone == "0808 800 4041"
