import logging
import os

import yaml

from actions.knowledge_store import KnowledgeStore


def bump_mtime(path):
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_valid_edit_is_picked_up_without_a_restart(kb_copy):
    store = KnowledgeStore(kb_copy)
    assert "painless" in store.get().facts("echocardiogram", "pain")[0].text
    path = kb_copy / "procedures" / "echocardiogram.yml"
    data = yaml.safe_load(path.read_text())
    data["procedure"]["topics"]["pain"][0]["text"] = "An echo does not hurt."
    path.write_text(yaml.safe_dump(data))
    bump_mtime(path)
    assert store.get().facts("echocardiogram", "pain")[0].text == "An echo does not hurt."


def test_a_broken_edit_keeps_the_last_good_version_and_logs_why(kb_copy, caplog):
    store = KnowledgeStore(kb_copy)
    before = store.get()
    path = kb_copy / "procedures" / "bone_scan.yml"
    path.write_text(path.read_text() + "\n  oops: [unclosed\n")
    bump_mtime(path)
    with caplog.at_level(logging.ERROR):
        after = store.get()
    assert after is before
    assert "bone_scan.yml" in caplog.text and "broken YAML" in caplog.text
