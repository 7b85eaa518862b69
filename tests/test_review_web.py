"""The review pages over real HTTP, on a SQLite file written by the real redacting tracker store."""

from __future__ import annotations

import csv
import io
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from rasa.shared.nlu.training_data.loading import load_data

from netfaq.review import annotations
from netfaq.review.pages import COOKIE, make_app, make_server, review_token
from netfaq.review.sessions import SessionSettings, session_settings
from netfaq.tools.processes import free_port, quiet_env
from tests.test_review import store_conversations

TOKEN = "test-review-token-0123456789"


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("review-web") / "conversations.db"
    store_conversations(path)
    return path


@pytest.fixture
def site(stored, tmp_path):
    """A review server on its own copy of the stored conversations (tests change notes and labels)."""
    with sqlite3.connect(stored) as source, sqlite3.connect(tmp_path / "conversations.db") as copy:
        source.backup(copy)  # a copy that includes what is still in the write-ahead log
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    app = make_app(engine, TOKEN)
    server = make_server(app, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "engine": engine, "app": app}
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def staff(site) -> requests.Session:
    """A browser-like session that has signed in."""
    session = requests.Session()
    response = session.post(f"{site['url']}/login", data={"token": TOKEN, "next": "/"}, allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    return session


def csrf(session: requests.Session, url: str) -> str:
    page = session.get(url).text
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("path", ["/", "/conversations/emergency", "/inbox", "/inbox.yml", "/export.csv"])
def test_every_page_needs_the_token(site, path):
    response = requests.get(site["url"] + path)
    assert response.status_code == 401
    assert "Sign in with the review token" in response.text
    assert "chest pain" not in response.text and "flag-" not in response.text and "conversation_id" not in response.text
    wrong_cookie = requests.get(site["url"] + path, cookies={COOKIE: "guess"})
    assert wrong_cookie.status_code == 401
    wrong_bearer = requests.get(site["url"] + path, headers={"Authorization": "Bearer nope"})
    assert wrong_bearer.status_code == 401


def test_login_rejects_a_wrong_or_missing_token(site):
    for data in ({"token": "wrong-token"}, {}):
        response = requests.post(f"{site['url']}/login", data=data, allow_redirects=False)
        assert response.status_code == 401
        assert "Set-Cookie" not in response.headers
    assert "That token is not right" in response.text


def test_login_never_redirects_off_the_site(site):
    response = requests.post(
        f"{site['url']}/login", data={"token": TOKEN, "next": "//evil.example/"}, allow_redirects=False
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"
    safe = requests.post(f"{site['url']}/login?next=//evil.example/", data={"token": TOKEN}, allow_redirects=False)
    assert safe.headers["Location"] == "/"


@pytest.mark.parametrize(
    "next_path",
    ["/%0d%0aSet-Cookie:%20stolen=1", "/%0d%0a%0d%0a<h1>split</h1>", "/%09/evil.example", "/\\evil.example"],
)
def test_sign_in_goes_back_only_to_a_plain_path_on_this_site(site, next_path):
    response = requests.post(f"{site['url']}/login?next={next_path}", data={"token": TOKEN}, allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "stolen" not in response.headers["Set-Cookie"] and "split" not in response.text
    kept = requests.post(f"{site['url']}/login?next=/inbox%3Fpage%3D2", data={"token": TOKEN}, allow_redirects=False)
    assert kept.headers["Location"] == "/inbox?page=2"


def test_a_token_in_the_address_is_never_echoed(site):
    response = requests.get(f"{site['url']}/inbox?token=secret-guess-123&page=2")
    assert response.status_code == 401 and "secret-guess-123" not in response.text
    assert "page%3D2" in response.text or "page=2" in response.text


def test_wrong_tokens_are_limited_per_client_and_logged_without_the_token(site, caplog):
    from netfaq.review.pages import SIGN_IN_FAILURES_PER_MINUTE

    caplog.set_level("WARNING", logger="netfaq.review.pages")
    statuses = [
        requests.post(f"{site['url']}/login", data={"token": f"guess-{n}"}, allow_redirects=False).status_code
        for n in range(SIGN_IN_FAILURES_PER_MINUTE + 3)
    ]
    assert statuses == [401] * SIGN_IN_FAILURES_PER_MINUTE + [429] * 3
    locked = requests.post(f"{site['url']}/login", data={"token": TOKEN}, allow_redirects=False)
    assert locked.status_code == 429 and "wait a minute" in locked.text
    assert requests.get(site["url"] + "/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 429
    failures = [r.getMessage() for r in caplog.records if "wrong token" in r.getMessage()]
    assert len(failures) == SIGN_IN_FAILURES_PER_MINUTE and not any("guess-" in m for m in failures)
    assert all("from 127.0.0.1 by the sign-in form" in m for m in failures)

    # Staff at another address are not locked out by that client.
    assert site["app"].handle("POST", "/login", {"token": TOKEN}, {}, client="192.0.2.7").status == 303
    # ... and behind the hospital's proxy, the client is the address the proxy added last.
    proxied = {"X-Forwarded-For": "127.0.0.1, 192.0.2.8"}  # whatever the client wrote, then what the proxy saw
    response = requests.post(f"{site['url']}/login", data={"token": TOKEN}, headers=proxied, allow_redirects=False)
    assert response.status_code == 303


def test_wrong_bearer_tokens_are_limited_and_logged_too(site, caplog):
    from netfaq.review.pages import SIGN_IN_FAILURES_PER_MINUTE

    caplog.set_level("WARNING", logger="netfaq.review.pages")
    statuses = [
        requests.get(site["url"] + "/export.csv", headers={"Authorization": f"Bearer guess-{n}"}).status_code
        for n in range(SIGN_IN_FAILURES_PER_MINUTE + 2)
    ]
    assert statuses == [401] * SIGN_IN_FAILURES_PER_MINUTE + [429] * 2
    failures = [r.getMessage() for r in caplog.records if "wrong token" in r.getMessage()]
    assert len(failures) == SIGN_IN_FAILURES_PER_MINUTE and all("by a bearer token" in m for m in failures)
    assert not any("guess-" in m for m in failures)


def test_clients_that_trickle_their_headers_are_cut_off_and_free_their_slots(stored, tmp_path):
    """The socket timeout is per read: a header line every half second would never time out. The
    whole request has a deadline, so a flood of them can't keep staff out."""
    from netfaq.review.pages import MAX_CONNECTIONS

    engine = sa.create_engine(f"sqlite:///{stored}")
    server = make_server(make_app(engine, TOKEN), 0, request_deadline_s=2.0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = server.server_address[1]
    slow = []
    try:
        for _ in range(MAX_CONNECTIONS):
            connection = socket.create_connection(("127.0.0.1", port))
            connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            slow.append(connection)
        time.sleep(0.5)
        assert requests.get(f"http://127.0.0.1:{port}/review.css", timeout=5).status_code == 503  # all taken
        started = time.monotonic()
        while time.monotonic() - started < 3.5:  # trickle a header line to each, as the attack does
            for connection in slow:
                try:
                    connection.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass
            time.sleep(0.5)
        assert requests.get(f"http://127.0.0.1:{port}/review.css", timeout=5).status_code == 200
    finally:
        for connection in slow:
            connection.close()
        server.shutdown()
        server.server_close()


def test_list_shows_summary_flags_and_redacted_search(staff, site):
    page = staff.get(site["url"] + "/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src" not in page.headers["Content-Security-Policy"]  # no script at all: default-src 'none'
    html = page.text
    assert '<p class="count" id="count">4 conversations</p>' in html
    assert (
        "handed off to nurses" in html and "Top procedures asked about: mibg_scan (2), abdominal_ultrasound (1)" in html
    )
    assert html.count('<rect class="bar"') == 4
    assert 'flag flag-negative_feedback">negative feedback' in html
    only = staff.get(site["url"] + "/", params={"flag": "handoff"}).text
    assert "4 conversations" not in only and ">1 conversation<" in only and "handed-off" in only
    assert "0 conversations" in staff.get(site["url"] + "/", params={"search": "07700"}).text
    assert ">1 conversation<" in staff.get(site["url"] + "/", params={"search": "[phone]"}).text


def test_malformed_date_gives_a_clear_message(staff, site):
    response = staff.get(site["url"] + "/", params={"since": "23/11/2026"})
    assert response.status_code == 400
    assert (
        "since must be a date written YYYY-MM-DD, for example 2026-11-23 (got &#x27;23/11/2026&#x27;)" in response.text
    )
    assert staff.get(site["url"] + "/export.csv", params={"until": "soon"}).status_code == 400


def test_unknown_conversation_is_a_404_page(staff, site):
    response = staff.get(site["url"] + "/conversations/no-such-id")
    assert response.status_code == 404
    assert "There is no conversation with the id &#x27;no-such-id&#x27;" in response.text
    assert staff.get(site["url"] + "/nowhere").status_code == 404


def test_transcript_shows_intent_confidence_procedure_action_and_redaction(staff, site):
    html = staff.get(site["url"] + "/conversations/handed-off").text
    assert "how do i prepare for an ultrasound, ring me on [phone]" in html
    assert "intent <b>ask_preparation</b> 0.97" in html
    assert "procedure <b>abdominal_ultrasound</b>" in html
    assert "answered by <b>action_answer_question</b>" in html


def test_mark_reviewed_note_and_tags_then_filter(staff, site):
    url = site["url"] + "/conversations/emergency"
    form = {"csrf": csrf(staff, url), "reviewed": "yes", "note": "999 advice was right", "tags": "urgent, chest"}
    response = staff.post(url, data=form, allow_redirects=False)
    assert response.status_code == 303
    html = staff.get(url).text
    assert 'value="yes" checked' in html and "999 advice was right" in html and 'value="urgent chest"' in html
    assert ">1 conversation<" in staff.get(site["url"] + "/", params={"status": "reviewed"}).text
    assert "3 conversations" in staff.get(site["url"] + "/", params={"status": "unreviewed"}).text
    tagged = staff.get(site["url"] + "/", params={"tag": "chest"}).text
    assert ">1 conversation<" in tagged and "/conversations/emergency" in tagged
    bad = staff.post(url, data={**form, "tags": "<b>"})
    assert bad.status_code == 400 and "must be up to 40 letters" in bad.text
    assert annotations.get_note(site["engine"], "emergency").tags == ("urgent", "chest")  # nothing lost


def test_forms_without_the_csrf_field_are_refused(staff, site):
    response = staff.post(site["url"] + "/conversations/emergency", data={"reviewed": "yes"})
    assert response.status_code == 403
    assert annotations.get_note(site["engine"], "emergency").reviewed is False


def test_csv_export_of_the_selection_and_an_empty_one(staff, site):
    response = staff.get(site["url"] + "/export.csv", params={"flag": "emergency"})
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["conversation_id", "started", "ended", "patient_messages"] and len(rows) == 2
    assert rows[1][0] == "emergency"
    empty = staff.get(site["url"] + "/export.csv", params={"search": "nothing like this"})
    assert empty.status_code == 200
    assert (
        empty.text.strip()
        == "conversation_id,started,ended,patient_messages,flags,procedures,intents,reviewed,tags,note"
    )


def test_training_inbox_label_and_export_as_nlu_yaml(staff, site, tmp_path):
    inbox = staff.get(site["url"] + "/inbox").text
    assert "2 patient messages to label" in inbox
    assert "blorp zzz" in inbox and "when do mibg results come" in inbox
    token = csrf(staff, site["url"] + "/inbox")
    label = {"csrf": token, "conversation": "fallback", "turn": "1", "intent": "ask_results", "procedure": "mibg_scan"}
    assert staff.post(site["url"] + "/inbox/label", data=label, allow_redirects=False).status_code == 303
    after = staff.get(site["url"] + "/inbox").text
    assert "1 patient message to label" in after and "Labelled (1)" in after
    bad = staff.post(site["url"] + "/inbox/label", data={**label, "intent": "made_up"})
    assert bad.status_code == 400 and "Choose an intent from the list" in bad.text
    gone = staff.post(site["url"] + "/inbox/label", data={**label, "turn": "9"})
    assert gone.status_code == 404
    exported = staff.get(site["url"] + "/inbox.yml")
    assert 'filename="training-inbox.yml"' in exported.headers["Content-Disposition"]
    path = tmp_path / "inbox.yml"
    path.write_text(exported.text, encoding="utf-8")
    [example] = load_data(str(path)).intent_examples
    assert (example.get("text"), example.get("intent")) == ("when do mibg results come", "ask_results")
    assert staff.post(site["url"] + "/inbox/unlabel", data={"csrf": token, "conversation": "fallback", "turn": "1"})
    assert annotations.all_labels(site["engine"]) == []


def test_scripts_can_use_a_bearer_token(site):
    response = requests.get(site["url"] + "/export.csv", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and len(response.text.splitlines()) == 5


def test_sign_out_ends_the_session(staff, site):
    token = csrf(staff, site["url"] + "/")
    response = staff.post(site["url"] + "/logout", data={"csrf": token}, allow_redirects=False)
    assert response.status_code == 303 and "Max-Age=0" in response.headers["Set-Cookie"]
    assert staff.get(site["url"] + "/").status_code == 401


def test_an_oversized_form_is_refused(staff, site):
    response = staff.post(site["url"] + "/conversations/emergency", data={"note": "x" * 70_000})
    assert response.status_code == 413


def test_token_comes_from_the_environment_or_a_private_file(tmp_path):
    assert review_token({"NETFAQ_REVIEW_TOKEN": "a-long-enough-token"}, tmp_path / "t") == "a-long-enough-token"
    with pytest.raises(ValueError, match="at least 16 characters"):
        review_token({"NETFAQ_REVIEW_TOKEN": "short"}, tmp_path / "t")
    created = review_token({}, tmp_path / "var" / "review-token")
    assert len(created) >= 32 and (tmp_path / "var" / "review-token").stat().st_mode & 0o777 == 0o600
    assert review_token({}, tmp_path / "var" / "review-token") == created


def test_a_database_without_conversations_shows_an_empty_list(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    app = make_app(engine, TOKEN)
    response = app.handle("GET", "/", {}, {"authorization": f"Bearer {TOKEN}"})
    assert response.status == 200 and b"No conversations match these filters." in response.body


def test_review_token_file_is_not_committed():
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text()
    assert "var/" in ignored.split()


def test_staff_erase_a_conversation_on_request_and_nothing_else_is_lost(site, staff):
    engine = site["engine"]
    annotations.save_note(engine, "emergency", reviewed=True, note="called back", tags=("urgent",))
    before = set(conversation_ids(engine))
    token = csrf(staff, site["url"] + "/conversations/emergency")
    unconfirmed = staff.post(site["url"] + "/erase", data={"csrf": token, "conversation": "emergency"})
    assert unconfirmed.status_code == 400 and "emergency" in conversation_ids(engine)
    done = staff.post(site["url"] + "/erase", data={"csrf": token, "conversation": "emergency", "confirm": "yes"})
    assert done.status_code == 200 and "Conversation emergency was erased." in done.text
    assert set(conversation_ids(engine)) == before - {"emergency"}
    assert annotations.get_note(engine, "emergency").note == ""
    assert staff.get(site["url"] + "/conversations/emergency").status_code == 404
    assert 'href="/conversations/emergency"' not in staff.get(site["url"] + "/").text
    forged = staff.post(site["url"] + "/erase", data={"csrf": "x", "conversation": "fallback", "confirm": "yes"})
    assert forged.status_code == 403 and "fallback" in conversation_ids(engine)


def conversation_ids(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT DISTINCT sender_id FROM events")).scalars())


def test_half_sent_requests_time_out_and_connections_are_limited(site):
    import socket
    import time

    from netfaq.review import pages as review_web

    host, port = site["url"].removeprefix("http://").split(":")
    bad = socket.create_connection((host, int(port)))
    bad.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
    assert bad.recv(100).startswith(b"HTTP/1.0 400")
    held = []
    for _ in range(review_web.MAX_CONNECTIONS):
        connection = socket.create_connection((host, int(port)))
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
        held.append(connection)
    time.sleep(0.3)
    extra = socket.create_connection((host, int(port)))
    extra.sendall(b"GET /review.css HTTP/1.1\r\nHost: x\r\n\r\n")
    assert extra.recv(100).startswith(b"HTTP/1.1 503")
    started = time.monotonic()
    held[0].settimeout(30)
    assert held[0].recv(100) == b""  # dropped by the server's timeout
    assert time.monotonic() - started <= review_web.REQUEST_TIMEOUT_SECONDS + 2
    for connection in held:
        connection.close()
    time.sleep(0.5)
    assert requests.get(site["url"] + "/review.css", timeout=10).status_code == 200


def sign_in(site) -> tuple[requests.Session, str]:
    session = requests.Session()
    response = session.post(f"{site['url']}/login", data={"token": TOKEN, "next": "/"}, allow_redirects=False)
    assert response.status_code == 303
    return session, session.cookies[COOKIE]


def test_each_sign_in_gets_its_own_random_session_and_csrf_value(site):
    first, first_id = sign_in(site)
    second, second_id = sign_in(site)
    assert first_id != second_id and len(first_id) >= 40 and TOKEN not in first_id
    first_csrf, second_csrf = csrf(first, site["url"] + "/"), csrf(second, site["url"] + "/")
    assert first_csrf != second_csrf
    note = {"reviewed": "yes", "note": "checked", "tags": ""}
    crossed = second.post(site["url"] + "/conversations/emergency", data={**note, "csrf": first_csrf})
    assert crossed.status_code == 403  # one session's form value is no good in another
    own = second.post(site["url"] + "/conversations/emergency", data={**note, "csrf": second_csrf})
    assert own.status_code == 200 and "Saved" in own.text


def test_a_session_ended_by_sign_out_can_not_be_replayed(site):
    staff, session_id = sign_in(site)
    staff.post(site["url"] + "/logout", data={"csrf": csrf(staff, site["url"] + "/")})
    replayed = requests.get(site["url"] + "/", cookies={COOKIE: session_id})
    assert replayed.status_code == 401
    other, _ = sign_in(site)  # other sessions are untouched
    assert other.get(site["url"] + "/").status_code == 200


@pytest.fixture
def short_site(stored):
    engine = sa.create_engine(f"sqlite:///{stored}")
    app = make_app(engine, TOKEN, SessionSettings(idle_s=1.0, secure_cookie=True))
    server = make_server(app, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}"}
    finally:
        server.shutdown()
        server.server_close()


def test_an_idle_session_expires_and_the_cookie_can_be_marked_secure(short_site):
    session = requests.Session()
    response = session.post(f"{short_site['url']}/login", data={"token": TOKEN}, allow_redirects=False)
    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie and "Max-Age=43200" in cookie
    session_id = cookie.split(";", 1)[0].split("=", 1)[1]
    signed_in = requests.get(short_site["url"] + "/", cookies={COOKIE: session_id})
    assert signed_in.status_code == 200
    time.sleep(1.3)
    assert requests.get(short_site["url"] + "/", cookies={COOKIE: session_id}).status_code == 401


def test_the_cookie_is_not_marked_secure_unless_configured(site):
    response = requests.post(f"{site['url']}/login", data={"token": TOKEN}, allow_redirects=False)
    assert "Secure" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("env", "idle_s", "secure"),
    [({}, 1800.0, False), ({"NETFAQ_REVIEW_SESSION_MINUTES": "5", "NETFAQ_REVIEW_SECURE_COOKIE": "1"}, 300.0, True)],
)
def test_session_settings_come_from_the_environment(env, idle_s, secure):
    assert session_settings(env) == SessionSettings(idle_s=idle_s, secure_cookie=secure)


@pytest.mark.parametrize(
    "env",
    [
        {"NETFAQ_REVIEW_SESSION_MINUTES": "0"},
        {"NETFAQ_REVIEW_SESSION_MINUTES": "forever"},
        {"NETFAQ_REVIEW_SECURE_COOKIE": "maybe"},
    ],
)
def test_a_nonsense_session_setting_stops_the_review_server(env, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "netfaq", "review", "web", "--port", str(free_port())],
        env=quiet_env({**env, "NETFAQ_REVIEW_TOKEN": TOKEN, "NETFAQ_DB_NAME": str(tmp_path / "c.db")}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "must be" in done.stderr and list(env)[0] in done.stderr
