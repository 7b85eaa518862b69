"""Patches of private Rasa internals install only on the pinned Rasa, and NETFAQ_STOCK_RASA=1 leaves Rasa as it is."""

from __future__ import annotations

import subprocess
import sys

import pytest

from netfaq.core.paths import CODE_ROOT
from rasa_extensions.patches import PINNED_RASA, install_all

CHECK = (
    "import rasa_extensions\n"
    "from rasa.core.actions.action import RemoteAction\n"
    "from rasa.shared.core.events import Event\n"
    "print(RemoteAction._validate_action_result.__module__, Event.resolve_by_type.__module__)\n"
)


def internals_after_loading(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        cwd=CODE_ROOT,
        env={**env, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_the_patches_pin_is_the_projects_and_the_installed_rasa():
    import re

    import rasa

    requirements = (CODE_ROOT / "requirements" / "main.in").read_text(encoding="utf-8")
    assert re.search(r"^rasa\[spacy\]==(\S+)$", requirements, re.M)[1] == PINNED_RASA == rasa.__version__


def test_on_another_rasa_version_the_patches_refuse_with_what_to_do():
    with pytest.raises(RuntimeError) as refused:
        install_all(running="3.7.0", env={})
    message = str(refused.value)
    assert "Rasa 3.6.21" in message and "Rasa 3.7.0" in message and "NETFAQ_STOCK_RASA=1" in message


def test_the_patches_install_when_rasa_loads_our_extensions(monkeypatch):
    import os

    env = {k: v for k, v in os.environ.items() if k != "NETFAQ_STOCK_RASA"}
    assert internals_after_loading(env) == (
        "rasa_extensions.patches.action_response_check rasa_extensions.patches.event_types"
    )


def test_stock_rasa_switch_leaves_rasas_internals_in_place():
    import os

    assert internals_after_loading({**os.environ, "NETFAQ_STOCK_RASA": "1"}) == (
        "rasa.core.actions.action rasa.shared.core.events"
    )
