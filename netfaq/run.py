"""`make run`: start the action server and the Rasa server, wait until both answer, then chat.

Ctrl-C (or leaving the chat) stops every process this started.
"""

from __future__ import annotations

import signal
import sys
import time

from netfaq.chat import RestClient, chat
from netfaq.review_web import review_token
from netfaq.servers import (
    served_model,
    start_action_server,
    start_rasa_server,
    start_review_server,
    start_web_server,
    wait_until_up,
)


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    """SIGTERM (e.g. from a supervisor) cleans up the way Ctrl-C does."""
    raise KeyboardInterrupt


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
    started = time.monotonic()
    processes = []
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    try:
        actions = start_action_server(action_port)
        processes.append(actions)
        rasa_url, web_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}"
        rasa = start_rasa_server(rasa_port, action_port, model, cors_origin=web_url)
        processes.append(rasa)
        web = start_web_server(web_port, rasa_url)
        processes.append(web)
        token = review_token()  # before the review server starts, so both read the same token file
        review = start_review_server(review_port)
        processes.append(review)
        print(f"Starting the action server (:{action_port}) and the Rasa server (:{rasa_port}) ...", flush=True)
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
        wait_until_up(f"{rasa_url}/", rasa)
        wait_until_up(f"{web_url}/", web)
        wait_until_up(f"http://127.0.0.1:{review_port}/review.css", review)
        print(
            f"Ready in {time.monotonic() - started:.1f}s.\n"
            f"  Web chat demo page: {web_url}/   (open it in a browser)\n"
            f"  Rasa REST channel:  {rasa_url}/webhooks/rest/webhook\n"
            f"  Staff review pages: http://127.0.0.1:{review_port}/   (review token: {token})\n"
            f"  Logs: {rasa.log.parent}",
            flush=True,
        )
        if open_chat and sys.stdin.isatty():
            chat(RestClient(f"http://127.0.0.1:{rasa_port}"))
        else:
            print("Servers running; press Ctrl-C to stop.", flush=True)
            while all(p.popen.poll() is None for p in processes):
                time.sleep(1)
            print("A server stopped; see its log in build/logs.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopping ...")
    except (RuntimeError, TimeoutError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        for process in reversed(processes):
            process.stop()
    return 0
