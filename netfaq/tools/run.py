"""`make run`: start the action server, the Rasa server and the two web servers, wait until they
answer, then chat.

Ctrl-C (or leaving the chat) stops every process this started. A server that dies is restarted,
and the terminal says so; one that dies MAX_RESTARTS times within RESTART_WINDOW_S stops
everything, with the reason from its log.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from netfaq.core.database import database_url
from netfaq.core.store_health import START_WITH_STORE_DOWN, database_problem, refusal
from netfaq.review.pages import review_token
from netfaq.tools.chat import RestClient, chat
from netfaq.tools.processes import (
    Process,
    start_action_server,
    start_rasa_server,
    start_review_server,
    start_web_server,
    wait_until_up,
)
from netfaq.tools.training import served_model

MAX_RESTARTS = 3
RESTART_WINDOW_S = 300.0


@dataclass
class Service:
    label: str
    process: Process
    health_url: str
    restarts: list[float] = field(default_factory=list)


class GaveUp(Exception):
    """A server kept dying: everything stops, with this message."""


class Supervisor:
    """Restarts the servers that die, saying so; gives up on one that keeps dying."""

    def __init__(
        self,
        services: list[Service],
        say: Callable[[str], None],
        max_restarts: int = MAX_RESTARTS,
        window_s: float = RESTART_WINDOW_S,
    ) -> None:
        self.services = services
        self.say = say
        self.max_restarts = max_restarts
        self.window_s = window_s

    def check(self) -> None:
        for service in self.services:
            code = service.process.popen.poll()
            if code is not None:
                self._revive(service, f"exit code {code}")

    def _revive(self, service: Service, how: str) -> None:
        while True:
            now = time.monotonic()
            service.restarts = [moment for moment in service.restarts if now - moment < self.window_s]
            reason = service.process.last_words()
            stopped = f"The {service.label} stopped ({how}){f': {reason}' if reason else ''}"
            if len(service.restarts) >= self.max_restarts:
                raise GaveUp(
                    f"{stopped}\nIt was restarted {len(service.restarts)} times in the last "
                    f"{self.window_s / 60:g} minutes, so everything is stopping. Its log: {service.process.log}"
                )
            self.say(f"{stopped}\nRestarting the {service.label} ...")
            service.restarts.append(now)
            service.process = service.process.restart()
            try:
                took = wait_until_up(service.health_url, service.process)
            except (RuntimeError, TimeoutError):
                code = service.process.popen.poll()
                how = f"exit code {code}" if code is not None else "it did not answer in time"
                service.process.stop()
                continue
            self.say(f"The {service.label} is running again (it took {took:.1f}s to start).")
            return

    def stop_all(self) -> None:
        for service in reversed(self.services):
            service.process.stop()


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    """SIGTERM (e.g. from a supervisor) cleans up the way Ctrl-C does."""
    raise KeyboardInterrupt


def _say(text: str) -> None:
    print(f"\n{text}", file=sys.stderr, flush=True)


def run(
    rasa_port: int = 5005,
    action_port: int = 5055,
    web_port: int = 8080,
    review_port: int = 8081,
    open_chat: bool = True,
) -> int:
    model = served_model()
    if model is None:
        print("No trained model in models/: training failed or was skipped.", file=sys.stderr)
        return 1
    problem = database_problem(database_url())
    if problem:
        print(refusal(database_url(), problem), file=sys.stderr)
        return 1
    started = time.monotonic()
    services: list[Service] = []
    supervisor = Supervisor(services, _say)
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    try:
        rasa_url, web_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}"
        actions = start_action_server(action_port)
        services.append(Service("action server", actions, f"http://127.0.0.1:{action_port}/health"))
        # The store was checked above: if it fails later, a restarted Rasa server serves on (999
        # advice first, then the apology) instead of refusing to start and leaving no server.
        rasa = start_rasa_server(rasa_port, action_port, model, cors_origin=web_url, env={START_WITH_STORE_DOWN: "1"})
        services.append(Service("Rasa server", rasa, f"{rasa_url}/"))
        web = start_web_server(web_port, rasa_url)
        services.append(Service("demo page server", web, f"{web_url}/"))
        token = review_token()  # before the review server starts, so both read the same token file
        review = start_review_server(review_port)
        services.append(Service("review server", review, f"http://127.0.0.1:{review_port}/review.css"))
        print(f"Starting the action server (:{action_port}) and the Rasa server (:{rasa_port}) ...", flush=True)
        for service in services:
            wait_until_up(service.health_url, service.process)
        print(
            f"Ready in {time.monotonic() - started:.1f}s.\n"
            f"  Web chat demo page: {web_url}/   (open it in a browser)\n"
            f"  Rasa REST channel:  {rasa_url}/webhooks/rest/webhook\n"
            f"  Staff review pages: http://127.0.0.1:{review_port}/   (review token: {token})\n"
            f"  Logs: {rasa.log.parent}",
            flush=True,
        )
        if open_chat and sys.stdin.isatty():
            return _chat_while_supervising(supervisor, rasa_url)
        print("Servers running; press Ctrl-C to stop.", flush=True)
        while True:
            supervisor.check()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping ...")
    except GaveUp as gave_up:
        _say(str(gave_up))
        return 1
    except (RuntimeError, TimeoutError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        supervisor.stop_all()
    return 0


def _chat_while_supervising(supervisor: Supervisor, rasa_url: str) -> int:
    """The chat runs in this thread; a watcher restarts servers and, if it gives up, ends the chat."""
    gave_up: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(1):
            try:
                supervisor.check()
            except GaveUp as error:
                gave_up.append(str(error))
                os.kill(os.getpid(), signal.SIGINT)  # interrupts the chat's input()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        chat(RestClient(rasa_url))
    except KeyboardInterrupt:
        pass
    finally:
        done.set()
        watcher.join()
    if gave_up:
        _say(gave_up[0])
        return 1
    print("\nStopping ...")
    return 0
