"""Staff sign-in sessions for the review pages: a random id per sign-in, its own CSRF value,
ended by sign-out, by NETFAQ_REVIEW_SESSION_MINUTES without a request, or after LIFETIME_S.

Kept in the review server's memory: restarting it signs everyone out, which is the safe way round.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

IDLE_SETTING = "NETFAQ_REVIEW_SESSION_MINUTES"
SECURE_SETTING = "NETFAQ_REVIEW_SECURE_COOKIE"
DEFAULT_IDLE_MINUTES = 30.0
LIFETIME_S = 12 * 3600  # a working day and then some: sign in again the next day
MAX_SESSIONS = 500  # the oldest go first; only someone with the token can add one


@dataclass
class Session:
    csrf: str
    started: float
    last_seen: float


@dataclass(frozen=True)
class SessionSettings:
    idle_s: float
    secure_cookie: bool


def session_settings(env: Mapping[str, str] | None = None) -> SessionSettings:
    """From the environment; a value that makes no sense stops the review server from starting."""
    env = os.environ if env is None else env
    raw_idle = env.get(IDLE_SETTING, "").strip()
    try:
        minutes = float(raw_idle) if raw_idle else DEFAULT_IDLE_MINUTES
    except ValueError:
        minutes = -1.0
    if not 0 < minutes <= LIFETIME_S / 60:
        raise ValueError(f"{IDLE_SETTING} must be a number of minutes above 0 and at most 720, not {raw_idle!r}")
    raw_secure = env.get(SECURE_SETTING, "").strip().lower()
    if raw_secure not in ("", "0", "1", "false", "true", "no", "yes"):
        raise ValueError(f"{SECURE_SETTING} must be 1 (the pages are served over HTTPS) or 0, not {raw_secure!r}")
    return SessionSettings(idle_s=minutes * 60, secure_cookie=raw_secure in ("1", "true", "yes"))


def _key(session_id: str) -> str:
    """Sessions are looked up by a hash of their id: no timing of the look-up reveals a live id."""
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


class Sessions:
    def __init__(self, idle_s: float = DEFAULT_IDLE_MINUTES * 60, clock: Callable[[], float] = time.monotonic):
        self.idle_s = idle_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        session = Session(csrf=secrets.token_urlsafe(32), started=now, last_seen=now)
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda key: self._sessions[key].last_seen)
                del self._sessions[oldest]
            self._sessions[_key(session_id)] = session
        return session_id, session

    def get(self, session_id: str) -> Session | None:
        """The live session with this id, its idle time restarted; None if unknown, ended or expired."""
        if not session_id:
            return None
        key, now = _key(session_id), self._clock()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if now - session.last_seen > self.idle_s or now - session.started > LIFETIME_S:
                del self._sessions[key]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(_key(session_id), None)
