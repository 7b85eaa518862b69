"""The staff review web page: conversations, transcripts, notes, training inbox, CSV and NLU export.

Every page needs the review token: typed once on the login page (which starts a session: a random
id in an HttpOnly, SameSite=Strict cookie, Secure when configured, with its own CSRF value; see
netfaq/review_sessions.py) or sent as `Authorization: Bearer <token>` by scripts. Pages are
server-rendered HTML with no script at all, under a strict Content-Security-Policy.
"""

from __future__ import annotations

import hmac
import io
import logging
import math
import os
import re
import secrets
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

from netfaq import annotations, review
from netfaq.conversations import erase_conversation
from netfaq.paths import CODE_ROOT, KNOWLEDGE_DIR, PROJECT_ROOT
from netfaq.review_sessions import LIFETIME_S, Session, Sessions, SessionSettings

TOKEN_FILE = PROJECT_ROOT / "var" / "review-token"
COOKIE = "netfaq_review"
# A plain path on this site to go back to after signing in: no scheme, host, control characters,
# spaces or backslashes ("/%0d%0aSet-Cookie:..." or "/%09/evil.example" fall back to "/").
SAFE_NEXT = re.compile(r"/(?![/\\])[!-~]*")
SIGN_IN_FAILURES_PER_MINUTE = 10  # then sign-in answers 429 until the minute has passed
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
    from netfaq.knowledge import KnowledgeBaseError, load_knowledge

    try:
        return sorted(load_knowledge(directory).procedures)
    except KnowledgeBaseError:
        return []  # the review tool still works; the procedure lists then come from conversations


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def _redirect(location: str, cookie: str | None = None) -> Response:
    headers = {"Location": location}
    if cookie is not None:
        headers["Set-Cookie"] = cookie
    return Response(303, b"", headers=headers)


def _options(values: list[str], selected: str | None, blank: str = "any") -> str:
    items = [f'<option value="">{escape(blank)}</option>'] if blank is not None else []
    for value in values:
        mark = " selected" if value == selected else ""
        items.append(f'<option value="{escape(value)}"{mark}>{escape(value)}</option>')
    return "".join(items)


def _badges(flags: list[str]) -> str:
    return " ".join(f'<span class="flag flag-{f}">{escape(f.replace("_", " "))}</span>' for f in flags) or "–"


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


class ReviewApp:
    """Request handling without HTTP plumbing: (method, path, query, form, headers) → Response."""

    def __init__(
        self,
        engine: sa.engine.Engine,
        token: str,
        intents: list[str],
        procedures: list[str],
        settings: SessionSettings | None = None,
    ):
        self.engine = engine
        self.token = token
        self.intents = intents
        self.procedures = procedures
        self.index = review.ConversationIndex(engine)
        settings = settings or SessionSettings(idle_s=Sessions().idle_s, secure_cookie=False)
        self.sessions = Sessions(settings.idle_s)
        self.secure_cookie = settings.secure_cookie
        self._request = threading.local()  # the session of the request this thread is answering
        self._failures: list[float] = []  # times of failed sign-ins in the last minute
        self._failures_lock = threading.Lock()
        annotations.ensure_tables(engine)

    # -- authentication ---------------------------------------------------------------------
    def authorised(self, headers: dict[str, str]) -> bool:
        """A script's bearer token, or a live session's cookie (then remembered for this request)."""
        self._request.session_id, self._request.session = "", None
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            return hmac.compare_digest(bearer[7:].strip().encode(), self.token.encode())
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

    def handle(self, method: str, target: str, form: dict[str, str], headers: dict[str, str]) -> Response:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if path == "/review.css":
            return Response(200, CSS_FILE.read_bytes(), "text/css; charset=utf-8")
        if path == "/login":
            return self.login(method, form, query.get("next", "/"))
        if not self.authorised(headers):
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

    def login(self, method: str, form: dict[str, str], next_path: str) -> Response:
        next_path = form.get("next") or next_path
        if not SAFE_NEXT.fullmatch(next_path):
            next_path = "/"  # never redirect off this site, never a header of our own
        if method != "POST":
            return self.login_page(200, "", next_path)
        if self._recent_failures() >= SIGN_IN_FAILURES_PER_MINUTE:
            return self.login_page(429, "Too many wrong tokens: wait a minute, then try again.", next_path)
        if hmac.compare_digest(form.get("token", "").strip().encode(), self.token.encode()):
            session_id, _ = self.sessions.start()
            return _redirect(next_path, self._cookie_header(session_id, LIFETIME_S))
        with self._failures_lock:
            self._failures.append(time.monotonic())
        logger.warning(f"Review sign-in with a wrong token ({self._recent_failures()} in the last minute)")
        return self.login_page(401, "That token is not right. Check it and try again.", next_path)

    def _recent_failures(self) -> int:
        with self._failures_lock:
            cutoff = time.monotonic() - 60
            self._failures = [moment for moment in self._failures if moment > cutoff]
            return len(self._failures)

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
    def page(self, title: str, body: str, status: int = 200, signed_in: bool = True) -> Response:
        nav = ""
        if signed_in:
            nav = (
                '<nav aria-label="Review"><a href="/">Conversations</a> <a href="/inbox">Training inbox</a>'
                f'<form method="post" action="/logout" class="inline">{self.csrf_field()}'
                '<button type="submit" class="link">Sign out</button></form></nav>'
            )
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)} · NET FAQ review</title><link rel="stylesheet" href="/review.css"></head>'
            f'<body><header class="top"><p class="brand">NET FAQ assistant · staff review</p>{nav}</header>'
            f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
        )
        return Response(status, html.encode("utf-8"))

    def csrf_field(self) -> str:
        """The signed-in session's CSRF value (none for a bearer token, which needs none)."""
        session = self._session
        return f'<input type="hidden" name="csrf" value="{session.csrf}">' if session else ""

    def error(self, status: int, message: str) -> Response:
        titles = {400: "Check the request", 403: "Form expired", 404: "Not found", 405: "Not allowed", 413: "Too large"}
        body = f'<p class="problem" role="alert">{escape(message)}</p><p><a href="/">Back to conversations</a></p>'
        return self.page(titles.get(status, "Problem"), body, status)

    def login_page(self, status: int, message: str, next_path: str = "/") -> Response:
        alert = f'<p class="problem" role="alert">{escape(message)}</p>' if message else ""
        body = (
            f"{alert}<p>Conversations here are patients' own words (redacted). Sign in with the review token "
            "(<code>NETFAQ_REVIEW_TOKEN</code>, or the file <code>var/review-token</code> on the server).</p>"
            f'<form method="post" action="/login?next={quote(next_path, safe="")}" class="login">'
            f'<input type="hidden" name="next" value="{escape(next_path)}">'
            '<label for="token">Review token</label>'
            '<input id="token" name="token" type="password" autocomplete="current-password" required>'
            '<button type="submit">Sign in</button></form>'
        )
        return self.page("Sign in", body, status, signed_in=False)

    def filters(self, query: dict[str, str]) -> review.Filters:
        names = ("flag", "since", "until", "procedure", "intent", "search", "status", "tag")
        return review.Filters(**{name: query.get(name, "").strip() or None for name in names})

    def listing(self, query: dict[str, str]) -> Response:
        try:
            filters = self.filters(query)
        except ValueError as problem:
            form = self.filter_form(query, [])
            body = f'<p class="problem" role="alert">{escape(str(problem))}</p>{form}'
            return self.page("Conversations", body, 400)
        notes = annotations.all_notes(self.engine)
        items = review.select(self.index.all(), filters, notes)
        pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        try:
            number = min(max(1, int(query.get("page", "1"))), pages)
        except ValueError:
            number = 1
        shown = items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        rows = "".join(self.row(item, notes.get(item.id, review.Note())) for item in shown)
        kept = {k: v for k, v in query.items() if k not in ("page", "erased") and v}
        table = (
            '<table class="conversations"><caption>Newest first. Times are UTC.</caption><thead><tr>'
            '<th scope="col">Last message</th><th scope="col">Conversation</th><th scope="col">Messages</th>'
            '<th scope="col">Flags</th><th scope="col">Procedures</th><th scope="col">Reviewed</th>'
            f'<th scope="col">Tags</th></tr></thead><tbody>{rows}</tbody></table>'
            if shown
            else '<p class="empty">No conversations match these filters.</p>'
        )
        pager = ""
        if pages > 1:
            links = []
            if number > 1:
                links.append(f'<a href="/?{urlencode({**kept, "page": number - 1})}" rel="prev">Newer</a>')
            links.append(f"<span>Page {number} of {pages}</span>")
            if number < pages:
                links.append(f'<a href="/?{urlencode({**kept, "page": number + 1})}" rel="next">Older</a>')
            pager = f'<nav class="pager" aria-label="Pages">{" ".join(links)}</nav>'
        export = f'<p><a class="button" href="/export.csv?{urlencode(kept)}">Export these {len(items)} as CSV</a></p>'
        erased = query.get("erased")
        body = (
            (f'<p class="saved" role="status">Conversation {escape(erased)} was erased.</p>' if erased else "")
            + self.summary(review.summarise(items))
            + self.filter_form(query, items)
            + f'<p class="count" id="count">{review.counted(len(items), "conversation")}</p>'
            + export
            + table
            + pager
        )
        return self.page("Conversations", body)

    def row(self, item: review.Conversation, note: review.Note) -> str:
        link = f'<a href="/conversations/{quote(item.id)}">{escape(item.id)}</a>'
        return (
            f"<tr><td>{_when(item.ended)}</td><td>{link}</td><td>{len(item.turns)}</td>"
            f"<td>{_badges(item.flags)}</td><td>{escape(', '.join(item.procedures)) or '–'}</td>"
            f"<td>{'yes' if note.reviewed else 'no'}</td><td>{escape(' '.join(note.tags)) or '–'}</td></tr>"
        )

    def filter_form(self, query: dict[str, str], items: list[review.Conversation]) -> str:
        procedures = sorted(set(self.procedures) | {p for c in items for p in c.procedures})

        def text(name: str, label: str, kind: str = "text", hint: str = "") -> str:
            value = escape(query.get(name, ""))
            extra = f' placeholder="{hint}"' if hint else ""
            return f'<label>{label}<input name="{name}" type="{kind}" value="{value}"{extra}></label>'

        def choice(name: str, label: str, values: list[str] | tuple[str, ...]) -> str:
            return f'<label>{label}<select name="{name}">{_options(list(values), query.get(name))}</select></label>'

        return (
            '<form method="get" action="/" class="filters" aria-label="Filter conversations">'
            + choice("flag", "Flag", review.FLAGS)
            + choice("status", "Status", review.STATUSES)
            + text("since", "From (YYYY-MM-DD)", hint="2026-11-01")
            + text("until", "To (YYYY-MM-DD)", hint="2026-11-30")
            + choice("procedure", "Procedure", procedures)
            + choice("intent", "Intent", self.intents)
            + text("tag", "Tag")
            + text("search", "Search patient text", "search")
            + '<button type="submit">Filter</button> <a href="/">Clear</a></form>'
        )

    def summary(self, counts: review.Summary) -> str:
        def card(label: str, value: str) -> str:
            return f'<div class="card"><span class="value">{escape(value)}</span> {escape(label)}</div>'

        rate = f"{counts.fallback_rate:.0%}"
        top = ", ".join(f"{escape(p)} ({n})" for p, n in counts.top_procedures) or "none yet"
        cards = (
            card("conversations", str(counts.conversations))
            + card("patient messages", str(counts.patient_messages))
            + card("handed off to nurses", str(counts.handoffs))
            + card("given emergency advice", str(counts.emergencies))
            + card(f"fallback rate ({review.counted(counts.fallback_messages, 'message')})", rate)
            + card("with negative feedback", str(counts.negative_feedback))
        )
        return (
            f'<section class="summary" aria-label="Summary"><div class="cards">{cards}</div>'
            f"<p>Top procedures asked about: {top}</p>{self.chart(counts.per_day)}</section>"
        )

    def chart(self, per_day: list) -> str:
        """Conversations per day as an SVG bar chart (no script; SVG attributes are not inline style)."""
        if not per_day:
            return ""
        width, height, gap = 600, 120, 2
        bar = min(40, max(4, (width - gap * len(per_day)) // len(per_day)))
        peak = max(n for _, n in per_day)
        bars = []
        for i, (day, n) in enumerate(per_day):
            h = max(1, round((height - 20) * n / peak))
            x = i * (bar + gap)
            bars.append(
                f'<rect class="bar" x="{x}" y="{height - h}" width="{bar}" height="{h}">'
                f"<title>{day}: {review.counted(n, 'conversation')}</title></rect>"
            )
        first, last = per_day[0][0], per_day[-1][0]
        label = f"Conversations per day from {first} to {last}; most on one day: {peak}."
        return (
            f'<figure class="chart"><svg role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}">{"".join(bars)}</svg>'
            f"<figcaption>Conversations per day, {first} to {last} (highest: {peak})</figcaption></figure>"
        )

    def export_csv(self, query: dict[str, str]) -> Response:
        try:
            filters = self.filters(query)
        except ValueError as problem:
            return self.error(400, str(problem))
        notes = annotations.all_notes(self.engine)
        out = io.StringIO()
        review.write_csv(review.select(self.index.all(), filters, notes), out, notes)
        disposition = {"Content-Disposition": 'attachment; filename="conversations.csv"'}
        return Response(200, out.getvalue().encode("utf-8"), "text/csv; charset=utf-8", disposition)

    def transcript(self, conversation_id: str, saved: bool = False) -> Response:
        conversation_id = unquote(conversation_id)
        item = self.index.get(conversation_id)
        if item is None:
            return self.error(404, f"There is no conversation with the id {conversation_id!r}.")
        note = annotations.get_note(self.engine, item.id)
        turns = "".join(self.turn_html(i, turn) for i, turn in enumerate(item.turns))
        checked = " checked" if note.reviewed else ""
        form = (
            f'<form method="post" action="/conversations/{quote(item.id)}" class="note">{self.csrf_field()}'
            f'<label class="check"><input type="checkbox" name="reviewed" value="yes"{checked}> Reviewed</label>'
            f'<label>Tags (separate with commas)<input name="tags" value="{escape(" ".join(note.tags))}"></label>'
            f'<label>Note<textarea name="note" rows="3">{escape(note.note)}</textarea></label>'
            '<button type="submit">Save</button></form>'
        )
        status = '<p class="saved" role="status">Saved.</p>' if saved else ""
        erase = (
            f'<form method="post" action="/erase" class="erase">{self.csrf_field()}'
            f'<input type="hidden" name="conversation" value="{escape(item.id)}">'
            '<label class="check"><input type="checkbox" name="confirm" value="yes" required> '
            "Erase this conversation for good (a patient's erasure request), with staff comments, tags "
            'and training labels</label><button type="submit">Erase</button></form>'
        )
        body = (
            f'{status}<p class="meta">Started {_when(item.started)} UTC · last message {_when(item.ended)} UTC · '
            f"{review.counted(len(item.turns), 'patient message')} · flags: {_badges(item.flags)}</p>"
            f'{form}<ol class="transcript">{turns}</ol>{erase}'
        )
        return self.page(f"Conversation {item.id}", body)

    def turn_html(self, index: int, turn: review.Turn) -> str:
        confidence = f"{turn.confidence:.2f}" if turn.confidence is not None else "–"
        guess = (
            f" (classifier's guess: {escape(turn.classifier_intent)})"
            if turn.intent == review.FALLBACK_INTENT and turn.classifier_intent
            else ""
        )
        facts = (
            f"intent <b>{escape(turn.intent or '–')}</b> {confidence}{guess} · procedure "
            f"<b>{escape(', '.join(turn.procedures) or '–')}</b> · answered by "
            f"<b>{escape(', '.join(turn.actions) or '–')}</b>"
        )
        marker = ' <span class="flag flag-fallback">to the training inbox</span>' if turn.needs_training else ""
        replies = "".join(f'<p class="bot">{escape(r)}</p>' for r in turn.replies)
        return (
            f'<li id="turn-{index}"><p class="patient">{escape(turn.text)}</p>'
            f'<p class="nlu">{facts}{marker}</p>{replies}</li>'
        )

    def inbox_page(self) -> Response:
        labels = annotations.all_labels(self.engine)
        waiting = annotations.unlabelled(review.inbox(self.index.all()), labels)
        shown = waiting[:PAGE_SIZE]
        items = "".join(self.inbox_item(i) for i in shown)
        more = f"<p>Showing the newest {len(shown)} of {len(waiting)}.</p>" if len(waiting) > len(shown) else ""
        rows = "".join(
            f"<tr><td>{escape(label.text)}</td><td>{escape(label.intent)}</td><td>{escape(label.procedure or '–')}</td>"
            f'<td><form method="post" action="/inbox/unlabel" class="inline">{self.csrf_field()}'
            f'<input type="hidden" name="conversation" value="{escape(label.conversation_id)}">'
            f'<input type="hidden" name="turn" value="{label.turn_index}">'
            '<button type="submit" class="link">Remove</button></form></td></tr>'
            for label in labels
        )
        labelled = (
            f'<h2>Labelled ({len(labels)})</h2><p><a class="button" href="/inbox.yml">Download as Rasa NLU YAML</a> '
            "then move the examples into <code>data/nlu/</code> and run <code>make train</code>.</p>"
            '<table class="labels"><thead><tr><th scope="col">Message</th><th scope="col">Intent</th>'
            f'<th scope="col">Procedure</th><th scope="col"></th></tr></thead><tbody>{rows}</tbody></table>'
            if labels
            else "<h2>Labelled (0)</h2><p>Nothing labelled yet.</p>"
        )
        intro = (
            f"<p>{review.counted(len(waiting), 'patient message')} to label: each fell to fallback or was understood "
            f"with low confidence (below {review.LOW_CONFIDENCE:.0%}). Give each the intent (and procedure) it should "
            "have had.</p>"
        )
        body = intro + more + (f'<ol class="inbox">{items}</ol>' if items else '<p class="empty">Inbox empty.</p>')
        return self.page("Training inbox", body + labelled)

    def inbox_item(self, entry: review.InboxItem) -> str:
        turn = entry.turn
        suggested = turn.classifier_intent if turn.intent == review.FALLBACK_INTENT else turn.intent
        procedure = turn.procedures[0] if turn.procedures else None
        confidence = f"{turn.confidence:.2f}" if turn.confidence is not None else "–"
        key = f"{entry.conversation_id}-{entry.turn_index}"
        link = f"/conversations/{quote(entry.conversation_id)}#turn-{entry.turn_index}"
        return (
            f'<li><p class="patient">{escape(turn.text)}</p><p class="nlu">understood as '
            f'{escape(turn.intent or "–")} ({confidence}) · <a href="{link}">in its conversation</a></p>'
            f'<form method="post" action="/inbox/label" class="label-form">{self.csrf_field()}'
            f'<input type="hidden" name="conversation" value="{escape(entry.conversation_id)}">'
            f'<input type="hidden" name="turn" value="{entry.turn_index}">'
            f'<label for="intent-{escape(key)}">Intent</label>'
            f'<select id="intent-{escape(key)}" name="intent" required>'
            f"{_options(self.intents, suggested, blank='choose…')}</select>"
            f'<label for="procedure-{escape(key)}">Procedure</label>'
            f'<select id="procedure-{escape(key)}" name="procedure">'
            f"{_options(self.procedures, procedure, blank='none')}</select>"
            '<button type="submit">Add to training data</button></form></li>'
        )


REQUEST_TIMEOUT_SECONDS = 10  # a request not fully sent by then is dropped
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

    def do_GET(self) -> None:  # noqa: N802 (the http.server naming)
        self._respond(self.app.handle("GET", self.path, {}, self._headers()))

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
        self._respond(self.app.handle("POST", self.path, form, self._headers()))

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # access logs would repeat conversation ids; errors still reach stderr


class _LimitedServer(ThreadingHTTPServer):
    """At most MAX_CONNECTIONS requests handled at once: one thread each, so no flood of slow
    connections can exhaust the process."""

    daemon_threads = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

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


def make_server(app: ReviewApp, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    handler = type("ReviewHandler", (_Handler,), {"app": app})
    return _LimitedServer((host, port), handler)


def make_app(engine: sa.engine.Engine, token: str, settings: SessionSettings | None = None) -> ReviewApp:
    return ReviewApp(engine, token, domain_intents(), knowledge_procedures(), settings)


def serve(engine: sa.engine.Engine, token: str, port: int, settings: SessionSettings, host: str = "127.0.0.1") -> None:
    app = make_app(engine, token, settings)
    # Read the stored conversations now, so the first person to open the page doesn't wait for it.
    threading.Thread(target=app.index.refresh, daemon=True).start()
    with make_server(app, port, host) as server:
        server.serve_forever()
