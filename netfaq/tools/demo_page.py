"""Serve the chat widget and the demo "Preparing for your scan" page, under a strict CSP."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from html import escape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from netfaq.core.paths import CODE_ROOT
from netfaq.core.patient_request import MAX_MESSAGE_CHARS
from netfaq.core.replies import emergency_notice
from netfaq.core.safety import default_rules

WEB_DIR = CODE_ROOT / "web"
FILES = {
    "/": ("demo.html", "text/html; charset=utf-8"),
    "/index.html": ("demo.html", "text/html; charset=utf-8"),
    "/demo.css": ("demo.css", "text/css; charset=utf-8"),
    "/netfaq-chat.js": ("netfaq-chat.js", "text/javascript; charset=utf-8"),
    "/netfaq-chat.css": ("netfaq-chat.css", "text/css; charset=utf-8"),
}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


KEEP_HOURS_SETTING = "NETFAQ_CHAT_KEEP_HOURS"
DEFAULT_KEEP_HOURS = 2.0


def chat_keep_hours(env: Mapping[str, str] | None = None) -> float:
    """How long the browser keeps an idle chat (NETFAQ_CHAT_KEEP_HOURS, else 2): a shared
    computer should not show the last patient's words the next morning."""
    raw = (os.environ if env is None else env).get(KEEP_HOURS_SETTING, "").strip()
    if not raw:
        return DEFAULT_KEEP_HOURS
    try:
        hours = float(raw)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 30:
        raise ValueError(f"{KEEP_HOURS_SETTING} must be a number of hours above 0 and at most 720, not {raw!r}")
    return hours


def page_fields(rasa_url: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """What the demo page fills in: the Rasa server, and the notices with the service numbers
    from data/safety/emergency.yml (the only place they are written)."""
    services = default_rules().services
    notice = emergency_notice(services)
    return {
        "RASA_URL": rasa_url,
        "NOTICE": f"{notice} This assistant can't diagnose or read your results.",
        "EMERGENCY_NOTICE": f"In an emergency, call {services['emergency_number']}.",
        "MAX_LENGTH": str(MAX_MESSAGE_CHARS),
        "KEEP_HOURS": f"{chat_keep_hours(env):g}",
    }


def content_security_policy(rasa_url: str) -> str:
    """Scripts and styles from this site only, and network requests only to the Rasa server."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src {origin(rasa_url)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class DemoHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args, rasa_url: str, web_dir: Path, fields: dict[str, str], **kwargs):
        self.rasa_url = rasa_url
        self.web_dir = web_dir
        self.fields = fields
        super().__init__(*args, directory=str(web_dir), **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (the http.server naming)
        path = urlsplit(self.path).path
        if path not in FILES:
            self.send_error(404, "Not found")
            return
        name, content_type = FILES[path]
        body = (self.web_dir / name).read_bytes()
        if name.endswith(".html"):
            for field, value in self.fields.items():
                body = body.replace(f"{{{{{field}}}}}".encode(), escape(value).encode("utf-8"))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", content_security_policy(self.rasa_url))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802
        self.send_error(405, "Method not allowed")

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


def make_server(port: int, rasa_url: str, host: str = "127.0.0.1", web_dir: Path = WEB_DIR) -> ThreadingHTTPServer:
    """Raises ValueError on a bad setting, so the server refuses to start rather than serve a broken page."""
    handler = functools.partial(DemoHandler, rasa_url=rasa_url, web_dir=web_dir, fields=page_fields(rasa_url))
    return ThreadingHTTPServer((host, port), handler)


def serve(port: int, rasa_url: str, host: str = "127.0.0.1") -> None:
    with make_server(port, rasa_url, host) as server:
        server.serve_forever()
