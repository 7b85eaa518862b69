"""The knowledge base as the action server sees it: loaded once, reloaded when its files change.

A reload that fails validation keeps the last good knowledge base and logs every problem, so a
content editor's typo never takes the assistant down.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from netfaq.knowledge import KnowledgeBase, KnowledgeBaseError, load_knowledge
from netfaq.paths import KNOWLEDGE_DIR

logger = logging.getLogger(__name__)


class KnowledgeStore:
    def __init__(self, directory: Path = KNOWLEDGE_DIR):
        self.directory = directory
        self._lock = threading.Lock()
        self._stamp = self._files_stamp()
        self._kb = load_knowledge(directory)

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


_store: KnowledgeStore | None = None


def knowledge() -> KnowledgeBase:
    global _store
    if _store is None:
        _store = KnowledgeStore()
    return _store.get()
