"""The knowledge base as the action server sees it: loaded once, reloaded when its files change.

A reload that fails validation keeps the last good knowledge base and logs every problem, so a
content editor's typo never takes the assistant down. The answerer (facts as matchable units) is
rebuilt with each reload, embedding only passages it has not seen, so a new fact is answerable
as soon as its file is saved, without retraining.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from threadpoolctl import threadpool_limits

from netfaq.answering import Answerer, settings_from
from netfaq.embedding import default_encoder
from netfaq.knowledge import KnowledgeBase, KnowledgeBaseError, load_knowledge
from netfaq.paths import KNOWLEDGE_DIR
from netfaq.patient_words import default_patient_words

logger = logging.getLogger(__name__)
# Changes to the answerer's MatchSettings, e.g. "word_weight=0.2": for comparing options only.
MATCH_SETTINGS_VARIABLE = "NETFAQ_MATCH_SETTINGS"


class KnowledgeStore:
    def __init__(self, directory: Path = KNOWLEDGE_DIR):
        self.directory = directory
        self._lock = threading.Lock()
        self._stamp = self._files_stamp()
        self._kb = load_knowledge(directory)
        self._answerer: Answerer | None = None

    def _files_stamp(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in self.directory.rglob("*.yml")))

    def get(self) -> KnowledgeBase:
        stamp = self._files_stamp()
        if stamp == self._stamp:
            return self._kb
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._kb = load_knowledge(self.directory)
                    logger.info("knowledge base reloaded from %s", self.directory)
                except KnowledgeBaseError as error:
                    logger.error("knowledge base change rejected, keeping the previous version:\n%s", error)
                self._stamp = stamp
        return self._kb

    def answerer(self) -> Answerer:
        """The answerer for the current knowledge base."""
        kb = self.get()
        answerer = self._answerer
        if answerer is None or answerer.kb is not kb:
            with self._lock:
                if self._answerer is None or self._answerer.kb is not kb:
                    known = self._answerer.index.embedded if self._answerer else None
                    settings = settings_from(os.environ.get(MATCH_SETTINGS_VARIABLE, ""))
                    self._answerer = Answerer.build(kb, default_encoder(), default_patient_words(), settings, known)
                answerer = self._answerer
        return answerer


_store: KnowledgeStore | None = None


def store() -> KnowledgeStore:
    global _store
    if _store is None:
        # One BLAS thread, as in the Rasa server: the small matrix products of one question run
        # no faster on two, and the spare thread busy-waits on the core Rasa needs.
        threadpool_limits(limits=1, user_api="blas")
        _store = KnowledgeStore()
    return _store


def knowledge() -> KnowledgeBase:
    return store().get()


def answerer() -> Answerer:
    return store().answerer()
