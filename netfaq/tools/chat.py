"""A terminal chat over Rasa's REST channel: what `make run` opens once both servers answer."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO


@dataclass
class RestClient:
    base_url: str
    sender: str = field(default_factory=lambda: f"terminal-{uuid.uuid4().hex[:12]}")
    timeout: float = 30.0

    def send(self, message: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": self.sender, "message": message}).encode("utf-8")
        request = urllib.request.Request(
            f"{self.base_url.rstrip('/')}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read().decode("utf-8"))


def render(messages: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The text to show and the button payloads, numbered from 1."""
    lines, payloads = [], []
    for message in messages:
        if message.get("text"):
            lines.append(message["text"])
        for button in message.get("buttons") or []:
            payloads.append(button["payload"])
            lines.append(f"  [{len(payloads)}] {button['title']}")
    if not lines:
        lines.append("(no answer: the assistant may be restarting; please try again)")
    return "\n".join(lines), payloads


def chat(
    client: RestClient,
    read: Callable[[str], str] = input,
    out: TextIO = sys.stdout,
) -> None:
    out.write("Type your question (Ctrl-C or 'quit' to stop). Numbers pick a button.\n")
    payloads: list[str] = []
    pending: str | None = None
    while True:
        try:
            typed = pending if pending is not None else read("You: ")
        except EOFError:
            return
        pending = None
        if typed.strip().lower() in {"quit", "exit", "/stop"}:
            return
        message = typed
        if typed.strip().isdigit() and 0 < int(typed.strip()) <= len(payloads):
            message = payloads[int(typed.strip()) - 1]
        try:
            replies = client.send(message)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            out.write(f"Bot: I can't reach the assistant right now ({error}). Your message is kept.\n")
            if read("Press Enter to try again, or type 'skip': ").strip().lower() != "skip":
                pending = typed
            continue
        text, payloads = render(replies)
        out.write("Bot: " + text.replace("\n", "\n     ") + "\n")
