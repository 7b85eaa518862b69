"""The knowledge base as every running part sees it: one store per process, reloaded when its
files change, used by the action server's answers, the channel's apologies, the tracker store's
redaction allow-list and the review pages alike, so an edit reaches all of them without a restart.

A reload that fails validation keeps the last good knowledge base and logs every problem, so a
content editor's typo never takes the assistant down. The files are looked at no more than once
a second: a message costs no directory walk.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from netfaq.core.knowledge import KnowledgeBase, KnowledgeBaseError, load_knowledge
from netfaq.core.paths import KNOWLEDGE_DIR

logger = logging.getLogger(__name__)
CHECK_EVERY_S = 1.0


class KnowledgeStore:
    def __init__(self, directory: Path = KNOWLEDGE_DIR, check_every_s: float = CHECK_EVERY_S):
        self.directory = directory
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._stamp = self._files_stamp()
        self._checked = time.monotonic()
        self._kb = load_knowledge(directory)

    def _files_stamp(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in self.directory.rglob("*.yml")))

    def get(self) -> KnowledgeBase:
        """The current knowledge base (the last good one if the files on disk don't validate)."""
        now = time.monotonic()
        if now - self._checked < self.check_every_s:
            return self._kb
        self._checked = now
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


_shared: dict[Path, KnowledgeStore] = {}
_shared_lock = threading.Lock()


def shared_store(directory: Path = KNOWLEDGE_DIR) -> KnowledgeStore:
    """This process's store for `directory`, loaded on first use."""
    with _shared_lock:
        if directory not in _shared:
            _shared[directory] = KnowledgeStore(directory)
        return _shared[directory]


def current_knowledge(directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    return shared_store(directory).get()
