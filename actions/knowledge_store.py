"""The answerer the actions use: the facts as matchable units, rebuilt when the knowledge base
changes (netfaq/core/knowledge_store.py reloads it), embedding only passages it has not seen, so
a new fact is answerable as soon as its file is saved, without retraining.
"""

from __future__ import annotations

import os
import threading

from threadpoolctl import threadpool_limits

from netfaq.core.answering import Answerer, settings_from
from netfaq.core.embedding import default_encoder
from netfaq.core.knowledge import KnowledgeBase
from netfaq.core.knowledge_store import current_knowledge
from netfaq.core.patient_words import default_patient_words

# Changes to the answerer's MatchSettings, e.g. "word_weight=0.2": for comparing options only.
MATCH_SETTINGS_VARIABLE = "NETFAQ_MATCH_SETTINGS"

_lock = threading.Lock()
_answerer: Answerer | None = None
_blas_limited = False


def knowledge() -> KnowledgeBase:
    return current_knowledge()


def answerer() -> Answerer:
    """The answerer for the current knowledge base."""
    global _answerer, _blas_limited
    kb = current_knowledge()
    built = _answerer
    if built is not None and built.kb is kb:
        return built
    with _lock:
        if not _blas_limited:
            # One BLAS thread, as in the Rasa server: the small matrix products of one question run
            # no faster on two, and the spare thread busy-waits on the core Rasa needs.
            threadpool_limits(limits=1, user_api="blas")
            _blas_limited = True
        if _answerer is None or _answerer.kb is not kb:
            known = _answerer.index.embedded if _answerer else None
            settings = settings_from(os.environ.get(MATCH_SETTINGS_VARIABLE, ""))
            _answerer = Answerer.build(kb, default_encoder(), default_patient_words(), settings, known)
        return _answerer


def warm_up() -> None:
    """Build the answerer and answer one question, so the action server is warm when it first
    reports healthy: the first patient after a (re)start does not wait for the encoder and index."""
    from datetime import datetime

    from netfaq.core.conversation import Turn
    from netfaq.core.patient_dates import hear

    answerer().answer(Turn("how long does an ultrasound take?", "ask_duration", 1.0))
    hear("my scan is at 2pm on Friday", datetime.now().astimezone())  # loads the date reader's model
