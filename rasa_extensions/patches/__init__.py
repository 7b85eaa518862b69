"""Replacements for private parts of Rasa, for speed: kept-open action-server connections, a
faster check of action responses, a cached event-class look-up and a leaner graph runner.

Each replaces an internal of the pinned Rasa version (PINNED_RASA, requirements/main.in's pin) and is checked by
tests that the answers stay Rasa's own. They install only on that version: on another, the Rasa
server stops with a message saying what to check. NETFAQ_STOCK_RASA=1 runs Rasa's own internals
instead, to tell whether a problem is ours (the answer benchmark gives the same answers both ways).
The public extension points (our NLU components, channel and tracker store) are outside this package.
"""

from __future__ import annotations

import logging
import os

import rasa

from rasa_extensions.patches import action_client, action_response_check, event_types, graph_runner

logger = logging.getLogger(__name__)
STOCK_SETTING = "NETFAQ_STOCK_RASA"
# The Rasa these were written for: requirements/main.in's pin (tests/test_patches.py checks they agree).
PINNED_RASA = "3.6.21"
PATCHES = (action_client, action_response_check, event_types, graph_runner)


def stock_rasa_wanted(env: dict[str, str] | None = None) -> bool:
    return (os.environ if env is None else env).get(STOCK_SETTING, "").strip().lower() in ("1", "true", "yes")


def install_all(running: str = rasa.__version__, env: dict[str, str] | None = None) -> bool:
    """Installs every patch; False (nothing installed) when stock Rasa is asked for."""
    if stock_rasa_wanted(env):
        logger.warning(f"{STOCK_SETTING} is set: running Rasa's own internals, without our speed patches")
        return False
    pinned = PINNED_RASA
    if running != pinned:
        raise RuntimeError(
            f"rasa_extensions/patches replace private parts of Rasa {pinned}, and this is Rasa {running}. "
            f"Check each patch against Rasa {running} (their tests compare answers with Rasa's own), then "
            f"change the pin in requirements/main.in; or set {STOCK_SETTING}=1 to run without them."
        )
    for patch in PATCHES:
        patch.install()
    return True
