"""Rasa's calls to an endpoint reuse one connection, keep its auth and headers, and survive a closed one."""

from __future__ import annotations

import json

import aiohttp
import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

import rasa_extensions  # noqa: F401  (installs the shared session)
from rasa_extensions.patches.action_client import close_sessions, shared_session, to_json
from rasa_extensions.rest_channel import AlwaysAnsweringRestInput


@pytest.fixture(autouse=True)
async def sessions_closed_afterwards():
    yield
    await close_sessions()


@pytest.fixture
async def server():
    seen: list[dict] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(
            {
                "peer": request.transport.get_extra_info("peername"),
                "auth": request.headers.get("Authorization"),
                "custom": request.headers.get("X-Site"),
                "body": body,
            }
        )
        response = web.json_response({"events": [], "responses": [{"text": f"echo {body['n']}"}]})
        if body.get("close"):
            response.force_close()
        return response

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/webhook", seen
    await runner.cleanup()


def test_installed_in_rasa():
    assert EndpointConfig.session is shared_session


async def test_requests_share_one_connection(server):
    url, seen = server
    endpoint = EndpointConfig(url)
    replies = [await endpoint.request(json={"n": n}) for n in range(3)]
    assert [r["responses"][0]["text"] for r in replies] == ["echo 0", "echo 1", "echo 2"]
    assert len({s["peer"] for s in seen}) == 1


async def test_a_connection_closed_by_the_server_is_replaced(server):
    url, seen = server
    endpoint = EndpointConfig(url)
    await endpoint.request(json={"n": 1, "close": True})
    reply = await endpoint.request(json={"n": 2})
    assert reply["responses"][0]["text"] == "echo 2"
    assert len({s["peer"] for s in seen}) == 2


async def test_auth_and_headers_are_sent_and_keep_sessions_apart(server):
    url, seen = server
    plain = EndpointConfig(url)
    with_auth = EndpointConfig(url, headers={"X-Site": "ward 3"}, basic_auth={"username": "u", "password": "p"})
    await plain.request(json={"n": 1})
    await with_auth.request(json={"n": 2})
    assert seen[0]["auth"] is None and seen[0]["custom"] is None
    assert seen[1]["auth"] == aiohttp.BasicAuth("u", "p").encode() and seen[1]["custom"] == "ward 3"
    async with plain.session() as first, with_auth.session() as second:
        assert first is not second and not first.closed


async def test_bodies_arrive_as_the_same_json(server):
    url, seen = server
    body = {"n": 1, "text": "scan à 9 h / 3 ½ hours", "confidence": 0.123456789012, "events": [None, True, []]}
    await EndpointConfig(url).request(json=body)
    assert seen[0]["body"] == body


def test_serialises_what_json_dumps_does_and_refuses_what_it_refuses():
    for value in (float("nan"), float("inf"), 2**70, (1, 2), {1: "a"}):
        assert json.loads(to_json({"x": value}), parse_constant=str) == json.loads(
            json.dumps({"x": value}), parse_constant=str
        )
    for value in ({1, 2}, b"bytes", object()):
        with pytest.raises(TypeError):
            json.dumps(value)
        with pytest.raises(TypeError):
            to_json(value)


async def test_closing_at_server_stop_closes_the_connection_and_a_later_request_opens_a_new_one(server):
    url, seen = server
    endpoint = EndpointConfig(url)
    await endpoint.request(json={"n": 1})
    async with endpoint.session() as before:
        pass
    await close_sessions()
    assert before.closed
    await endpoint.request(json={"n": 2})
    async with endpoint.session() as after:
        assert after is not before and not after.closed
    assert len({s["peer"] for s in seen}) == 2


def test_the_rest_channel_closes_the_sessions_when_the_server_stops():
    async def on_new_message(message):
        return None

    blueprint = AlwaysAnsweringRestInput().blueprint(on_new_message)
    stop_listeners = [listener for listener in blueprint._future_listeners if listener.event == "after_server_stop"]
    assert [listener.listener.__name__ for listener in stop_listeners] == ["_close_action_sessions"]
