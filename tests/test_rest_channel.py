"""What the REST channel passes on from a request's metadata (rasa_extensions/rest_channel.py)."""

from __future__ import annotations

from types import SimpleNamespace

from rasa_extensions.rest_channel import (
    ERASE_KEY_DIGEST,
    TEST_CLOCK_METADATA,
    TEST_CLOCK_SETTING,
    AlwaysAnsweringRestInput,
)


def metadata(body, monkeypatch, clock_setting=None):
    if clock_setting is None:
        monkeypatch.delenv(TEST_CLOCK_SETTING, raising=False)
    else:
        monkeypatch.setenv(TEST_CLOCK_SETTING, clock_setting)
    return AlwaysAnsweringRestInput().get_metadata(SimpleNamespace(json=body))


def test_the_clock_a_message_sets_is_passed_on_only_by_a_server_started_for_tests(monkeypatch):
    body = {"sender": "a", "message": "hi", "metadata": {"now": "2026-12-07T10:00"}}
    assert metadata(body, monkeypatch) is None
    assert metadata(body, monkeypatch, "0") is None
    assert metadata(body, monkeypatch, "1") == {TEST_CLOCK_METADATA: "2026-12-07T10:00"}


def test_only_the_erase_keys_digest_is_passed_on(monkeypatch):
    passed = metadata({"metadata": {"erase_key": "k" * 32, "anything": "else"}}, monkeypatch)
    assert set(passed) == {ERASE_KEY_DIGEST} and "k" * 32 not in str(passed)
