"""The staff review pages over HTTP: sign-in, sessions and CSRF, routing, and the CSV and NLU
exports (conversations, transcripts, notes, training inbox). The HTML comes from netfaq/review/render.py.

Every page needs the review token: typed once on the login page (which starts a session: a random
id in an HttpOnly, SameSite=Strict cookie, Secure when configured, with its own CSRF value; see
netfaq/review/sessions.py) or sent as `Authorization: Bearer <token>` by scripts. Pages are
server-rendered HTML with no script at all, under a strict Content-Security-Policy.
"""

from __future__ import annotations

import hmac
import io
import ipaddress
import logging
import math
import os
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from html import escape
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode, urlsplit

import sqlalchemy as sa
import yaml

from netfaq.core.paths import CODE_ROOT, KNOWLEDGE_DIR, PROJECT_ROOT
from netfaq.review import annotations, records, render
from netfaq.review.retention import erase_conversation
from netfaq.review.sessions import LIFETIME_S, Session, Sessions, SessionSettings

TOKEN_FILE = PROJECT_ROOT / "var" / "review-token"
COOKIE = "netfaq_review"
# A plain path on this site to go back to after signing in: no scheme, host, control characters,
# spaces or backslashes ("/%0d%0aSet-Cookie:..." or "/%09/evil.example" fall back to "/").
SAFE_NEXT = re.compile(r"/(?![/\\])[!-~]*")
SIGN_IN_FAILURES_PER_MINUTE = 10  # wrong tokens from one client; then it gets 429 until the minute has passed
logger = logging.getLogger(__name__)
PAGE_SIZE = 50
MAX_FORM_BYTES = 64 * 1024
CSS_FILE = CODE_ROOT / "web" / "review.css"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # patient conversations must not sit in a browser cache
}


def review_token(env: dict[str, str] | None = None, token_file: Path = TOKEN_FILE) -> str:
    """NETFAQ_REVIEW_TOKEN if set, else the token in var/review-token (created on first use)."""
    configured = (env if env is not None else os.environ).get("NETFAQ_REVIEW_TOKEN", "").strip()
    if configured:
        if len(configured) < 16:
            raise ValueError("NETFAQ_REVIEW_TOKEN must be at least 16 characters")
        return configured
    if token_file.exists():
        return token_file.read_text(encoding="utf-8").strip()
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token


def domain_intents(domain_file: Path = PROJECT_ROOT / "domain.yml") -> list[str]:
    """The intents a message can be labelled with (the domain's, so exported YAML validates)."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    return sorted(i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", []))


def knowledge_procedures(directory: Path = KNOWLEDGE_DIR) -> list[str]:
    """The tests in the knowledge base as it is now (the same store the assistant answers from)."""
    from netfaq.core.knowledge import KnowledgeBaseError
    from netfaq.core.knowledge_store import current_knowledge

    try:
        return sorted(current_knowledge(directory).procedures)
    except KnowledgeBaseError:
        return []  # the review tool still works; the procedure lists then come from conversations


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


TOO_MANY = "Too many wrong tokens: wait a minute, then try again."


class WrongTokens:
    """Wrong review tokens per client in the last minute: a client over the limit is refused (429)
    until the minute has passed, whatever it sends; other clients are not affected. Each wrong token
    is logged with its client and how it came, never with the token."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._times: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str) -> list[float]:
        cutoff = time.monotonic() - 60
        recent = [moment for moment in self._times.get(client, ()) if moment > cutoff]
        if recent:
            self._times[client] = recent
        else:
            self._times.pop(client, None)  # a client that stopped guessing is forgotten
        return recent

    def locked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) >= self.per_minute

    def add(self, client: str, how: str) -> None:
        with self._lock:
            count = len(self._recent(client)) + 1
            self._times.setdefault(client, []).append(time.monotonic())
        logger.warning(f"Review sign-in with a wrong token from {client} by {how} ({count} in the last minute)")


def _redirect(location: str, cookie: str | None = None) -> Response:
    headers = {"Location": location}
    if cookie is not None:
        headers["Set-Cookie"] = cookie
    return Response(303, b"", headers=headers)


class ReviewApp:
    """Request handling without HTTP plumbing: (method, path, query, form, headers) → Response."""

    def __init__(
        self,
        engine: sa.engine.Engine,
        token: str,
        intents: list[str],
        procedures: list[str] | None,
        settings: SessionSettings | None = None,
    ):
        self.engine = engine
        self.token = token
        self.intents = intents
        self._procedures = procedures  # None: the knowledge base's, as it is at each request
        self.index = records.ConversationIndex(engine)
        settings = settings or SessionSettings(idle_s=Sessions().idle_s, secure_cookie=False)
        self.sessions = Sessions(settings.idle_s)
        self.secure_cookie = settings.secure_cookie
        self._request = threading.local()  # the session of the request this thread is answering
        self.wrong_tokens = WrongTokens(SIGN_IN_FAILURES_PER_MINUTE)
        annotations.ensure_tables(engine)

    @property
    def procedures(self) -> list[str]:
        return self._procedures if self._procedures is not None else knowledge_procedures()

    # -- authentication ---------------------------------------------------------------------
    def authorised(self, headers: dict[str, str], client: str) -> bool:
        """A script's bearer token, or a live session's cookie (then remembered for this request)."""
        self._request.session_id, self._request.session = "", None
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            if hmac.compare_digest(bearer[7:].strip().encode(), self.token.encode()):
                return True
            self.wrong_tokens.add(client, "a bearer token")
            return False
        session_id = _cookie(headers)
        session = self.sessions.get(session_id)
        if session is None:
            return False
        self._request.session_id, self._request.session = session_id, session
        return True

    @property
    def _session(self) -> Session | None:
        return getattr(self._request, "session", None)

    def _cookie_header(self, value: str, max_age: int) -> str:
        return f"{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}" + (
            "; Secure" if self.secure_cookie else ""
        )

    def handle(
        self, method: str, target: str, form: dict[str, str], headers: dict[str, str], client: str = "local"
    ) -> Response:
        """`client`: who is asking (the peer's address), so one client's wrong tokens lock out only it."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if path == "/review.css":
            return Response(200, CSS_FILE.read_bytes(), "text/css; charset=utf-8")
        if path == "/login":
            return self.login(method, form, query.get("next", "/"), client)
        if self.wrong_tokens.locked(client):
            return self.login_page(429, TOO_MANY, next_path="/")
        if not self.authorised(headers, client):
            kept = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "token"])  # never echo a token
            return self.login_page(
                401, "Please sign in with the review token.", next_path=parts.path + (f"?{kept}" if kept else "")
            )
        if method == "POST":
            session = self._session  # a bearer token can't be sent by another site's form: no CSRF value needed
            if session is not None and not hmac.compare_digest(form.get("csrf", "").encode(), session.csrf.encode()):
                return self.error(403, "This form has expired. Go back, reload the page and try again.")
            return self.post(path, form)
        if method != "GET":
            return self.error(405, "Method not allowed.")
        if path == "/":
            return self.listing(query)
        if path == "/export.csv":
            return self.export_csv(query)
        if path == "/inbox":
            return self.inbox_page()
        if path == "/inbox.yml":
            body = annotations.nlu_yaml(annotations.all_labels(self.engine)).encode()
            disposition = {"Content-Disposition": 'attachment; filename="training-inbox.yml"'}
            return Response(200, body, "application/x-yaml; charset=utf-8", disposition)
        if path.startswith("/conversations/"):
            return self.transcript(path.removeprefix("/conversations/"), saved="saved" in query)
        return self.error(404, "There is no page at this address.")

    def login(self, method: str, form: dict[str, str], next_path: str, client: str) -> Response:
        next_path = form.get("next") or next_path
        if not SAFE_NEXT.fullmatch(next_path):
            next_path = "/"  # never redirect off this site, never a header of our own
        if method != "POST":
            return self.login_page(200, "", next_path)
        if self.wrong_tokens.locked(client):
            return self.login_page(429, TOO_MANY, next_path)
        if hmac.compare_digest(form.get("token", "").strip().encode(), self.token.encode()):
            session_id, _ = self.sessions.start()
            return _redirect(next_path, self._cookie_header(session_id, LIFETIME_S))
        self.wrong_tokens.add(client, "the sign-in form")
        return self.login_page(401, "That token is not right. Check it and try again.", next_path)

    def post(self, path: str, form: dict[str, str]) -> Response:
        try:
            if path == "/logout":
                self.sessions.end(getattr(self._request, "session_id", ""))
                return _redirect("/login", self._cookie_header("", 0))
            if path.startswith("/conversations/"):
                conversation_id = unquote(path.removeprefix("/conversations/"))
                if self.index.get(conversation_id) is None:
                    return self.error(404, f"There is no conversation with the id {conversation_id!r}.")
                annotations.save_note(
                    self.engine,
                    conversation_id,
                    reviewed=form.get("reviewed") == "yes",
                    note=form.get("note", ""),
                    tags=annotations.parse_tags(form.get("tags", "")),
                )
                return _redirect(f"/conversations/{quote(conversation_id)}?saved=1")
            if path == "/erase":
                return self.erase(form)
            if path == "/inbox/label":
                return self.label(form)
            if path == "/inbox/unlabel":
                annotations.remove_label(self.engine, form.get("conversation", ""), int(form.get("turn", "-1")))
                return _redirect("/inbox")
        except ValueError as problem:
            return self.error(400, str(problem))
        return self.error(404, "There is no form at this address.")

    def erase(self, form: dict[str, str]) -> Response:
        """A patient's erasure request, carried out by staff: the conversation, its notes and labels."""
        conversation_id = form.get("conversation", "")
        if self.index.get(conversation_id) is None:
            return self.error(404, f"There is no conversation with the id {conversation_id!r}.")
        if form.get("confirm") != "yes":
            return self.error(400, "Tick the box to confirm the conversation should be erased for good.")
        erase_conversation(self.engine, conversation_id)
        return _redirect(f"/?erased={quote(conversation_id)}")

    def label(self, form: dict[str, str]) -> Response:
        conversation_id, turn_index = form.get("conversation", ""), int(form.get("turn", "-1"))
        item = self.index.get(conversation_id)
        if item is None or not 0 <= turn_index < len(item.turns):
            return self.error(404, "That message is no longer stored (it may have been deleted by retention).")
        intent, procedure = form.get("intent", ""), form.get("procedure") or None
        if intent not in self.intents:
            return self.error(400, f"Choose an intent from the list (got {intent!r}).")
        if procedure and procedure not in self.procedures:
            return self.error(400, f"Choose a procedure from the list (got {procedure!r}).")
        annotations.save_label(self.engine, conversation_id, turn_index, item.turns[turn_index].text, intent, procedure)
        return _redirect("/inbox")

    # -- pages ------------------------------------------------------------------------------
    @property
    def _csrf(self) -> str | None:
        session = self._session
        return session.csrf if session else None

    def page(self, title: str, body: str, status: int = 200, signed_in: bool = True) -> Response:
        return Response(status, render.page(title, body, self._csrf, signed_in).encode("utf-8"))

    def error(self, status: int, message: str) -> Response:
        return self.page(render.ERROR_TITLES.get(status, "Problem"), render.error_body(message), status)

    def login_page(self, status: int, message: str, next_path: str = "/") -> Response:
        return self.page("Sign in", render.login_body(message, next_path), status, signed_in=False)

    def filters(self, query: dict[str, str]) -> records.Filters:
        names = ("flag", "since", "until", "procedure", "intent", "search", "status", "tag")
        return records.Filters(**{name: query.get(name, "").strip() or None for name in names})

    def listing(self, query: dict[str, str]) -> Response:
        try:
            filters = self.filters(query)
        except ValueError as problem:
            form = render.filter_form(query, [], self.intents, self.procedures)
            body = f'<p class="problem" role="alert">{escape(str(problem))}</p>{form}'
            return self.page("Conversations", body, 400)
        notes = annotations.all_notes(self.engine)
        items = records.select(self.index.all(), filters, notes)
        pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        try:
            number = min(max(1, int(query.get("page", "1"))), pages)
        except ValueError:
            number = 1
        shown = items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        body = render.listing_body(query, items, shown, notes, number, pages, self.intents, self.procedures)
        return self.page("Conversations", body)

    def export_csv(self, query: dict[str, str]) -> Response:
        try:
            filters = self.filters(query)
        except ValueError as problem:
            return self.error(400, str(problem))
        notes = annotations.all_notes(self.engine)
        out = io.StringIO()
        records.write_csv(records.select(self.index.all(), filters, notes), out, notes)
        disposition = {"Content-Disposition": 'attachment; filename="conversations.csv"'}
        return Response(200, out.getvalue().encode("utf-8"), "text/csv; charset=utf-8", disposition)

    def transcript(self, conversation_id: str, saved: bool = False) -> Response:
        conversation_id = unquote(conversation_id)
        item = self.index.get(conversation_id)
        if item is None:
            return self.error(404, f"There is no conversation with the id {conversation_id!r}.")
        note = annotations.get_note(self.engine, item.id)
        return self.page(f"Conversation {item.id}", render.transcript_body(item, note, saved, self._csrf))

    def inbox_page(self) -> Response:
        labels = annotations.all_labels(self.engine)
        waiting = annotations.unlabelled(records.inbox(self.index.all()), labels)
        body = render.inbox_body(waiting, waiting[:PAGE_SIZE], labels, self.intents, self.procedures, self._csrf)
        return self.page("Training inbox", body)


REQUEST_TIMEOUT_SECONDS = 10  # a request that sends nothing for this long is dropped ...
REQUEST_DEADLINE_S = 30.0  # ... and one not fully sent (headers and form) this long after connecting
MAX_CONNECTIONS = 32  # open at once; beyond that a connection is answered 503 and closed


def _cookie(headers: dict[str, str]) -> str:
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 (a malformed cookie header is simply no session)
        return ""
    return cookie[COOKIE].value if COOKIE in cookie else ""


class _Handler(BaseHTTPRequestHandler):
    app: ReviewApp
    timeout = REQUEST_TIMEOUT_SECONDS  # socket timeout: a half-sent request can't hold a thread

    def _respond(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in {**SECURITY_HEADERS, **response.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def setup(self) -> None:
        super().setup()
        # The socket timeout bounds each read; this bounds the whole request, so a client that sends
        # a header line every few seconds can't hold one of the MAX_CONNECTIONS slots for ever.
        self._deadline = threading.Timer(self.server.request_deadline_s, self._cut_off)
        self._deadline.daemon = True
        self._deadline.start()

    def _cut_off(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def finish(self) -> None:
        self._deadline.cancel()
        super().finish()

    def _handle(self, method: str, form: dict[str, str]) -> None:
        self._deadline.cancel()  # the request is in: answering it may take as long as it takes
        self._respond(self.app.handle(method, self.path, form, self._headers(), self._client()))

    def _client(self) -> str:
        """The peer; behind the hospital's proxy on this machine, the address the proxy added last to
        X-Forwarded-For (the one it saw: anything before it, the client may have written itself)."""
        peer = self.client_address[0]
        forwarded = self.headers.get("X-Forwarded-For", "")
        if ipaddress.ip_address(peer).is_loopback and forwarded.strip():
            return forwarded.split(",")[-1].strip()[:64]
        return peer

    def do_GET(self) -> None:  # noqa: N802 (the http.server naming)
        self._handle("GET", {})

    def do_POST(self) -> None:  # noqa: N802
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._respond(self.app.error(400, "The request's Content-Length is not a number of bytes."))
            self.close_connection = True
            return
        if length > MAX_FORM_BYTES:
            self._respond(self.app.error(413, "That form is too large."))
            self.close_connection = True
            return
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        self._handle("POST", form)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # access logs would repeat conversation ids; errors still reach stderr


class _LimitedServer(ThreadingHTTPServer):
    """At most MAX_CONNECTIONS requests handled at once: one thread each, so no flood of slow
    connections can exhaust the process."""

    daemon_threads = True
    request_queue_size = 2 * MAX_CONNECTIONS  # socketserver's 5 would leave a burst waiting to connect

    def __init__(self, *args, request_deadline_s: float = REQUEST_DEADLINE_S, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.request_deadline_s = request_deadline_s

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def make_server(
    app: ReviewApp, port: int, host: str = "127.0.0.1", request_deadline_s: float = REQUEST_DEADLINE_S
) -> ThreadingHTTPServer:
    handler = type("ReviewHandler", (_Handler,), {"app": app})
    return _LimitedServer((host, port), handler, request_deadline_s=request_deadline_s)


def make_app(engine: sa.engine.Engine, token: str, settings: SessionSettings | None = None) -> ReviewApp:
    return ReviewApp(engine, token, domain_intents(), None, settings)


def serve(engine: sa.engine.Engine, token: str, port: int, settings: SessionSettings, host: str = "127.0.0.1") -> None:
    app = make_app(engine, token, settings)
    # Read the stored conversations now, so the first person to open the page doesn't wait for it.
    threading.Thread(target=app.index.refresh, daemon=True).start()
    with make_server(app, port, host) as server:
        server.serve_forever()
