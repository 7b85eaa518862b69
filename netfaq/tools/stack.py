"""Several Rasa servers and action servers behind HAProxy, on PostgreSQL and Redis: the layout for
more patients than one Rasa process can answer (docs/scaling.md), started on one machine.

Rasa servers keep nothing between messages: conversations are in PostgreSQL (our tracker store),
and a conversation's lock is in Redis (Rasa's RedisLockStore). HAProxy sends every message of a
conversation to the same Rasa server (consistent hashing on the `sender` the widget puts in the
address), so one conversation's messages are handled in order by one process, whose own lock
serialises them; Rasa's RedisLockStore, which takes its lock in separate read and write steps,
only ever sees one server per conversation, except while a server fails over. A server that stops
answering its health check gets no more messages; its conversations go on elsewhere, from PostgreSQL.

deploy/haproxy.cfg and deploy/endpoints.yml are the files documented for production; this module
renders HAProxy's for the number of servers asked and starts everything from Debian's packages.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from netfaq.core.paths import BUILD_DIR, PROJECT_ROOT
from netfaq.core.patient_request import ADDRESS_SENDER_REQUIRED
from netfaq.tools.processes import (
    Process,
    free_port,
    start_action_server,
    start_rasa_server,
    wait_until_up,
)
from netfaq.tools.services import PostgresCluster, start_haproxy, start_redis

DEPLOY_DIR = PROJECT_ROOT / "deploy"
STACK_ENDPOINTS = DEPLOY_DIR / "endpoints.yml"
HAPROXY_TEMPLATE = DEPLOY_DIR / "haproxy.cfg.template"


@dataclass(frozen=True)
class Ports:
    patients: int  # the balancer's front door: the widget's data-server
    actions: int  # the balancer's door to the action servers
    rasa: tuple[int, ...]
    action_servers: tuple[int, ...]
    redis: int
    postgres: int

    @classmethod
    def free(cls, rasa_servers: int, action_servers: int) -> Ports:
        return cls(
            patients=free_port(),
            actions=free_port(),
            rasa=tuple(free_port() for _ in range(rasa_servers)),
            action_servers=tuple(free_port() for _ in range(action_servers)),
            redis=free_port(),
            postgres=free_port(),
        )


def haproxy_config(ports: Ports, by_sender: bool = True, template: Path = HAPROXY_TEMPLATE) -> str:
    """deploy/haproxy.cfg.template with the ports and one `server` line per Rasa and action server.

    by_sender=False balances Rasa round robin instead: only for showing what Rasa's own lock store
    does when one conversation's messages reach several servers at once (bench/scale.py)."""
    rasa_servers = "\n".join(f"    server rasa{i} 127.0.0.1:{port} check" for i, port in enumerate(ports.rasa, 1))
    action_servers = "\n".join(
        f"    server actions{i} 127.0.0.1:{port} check" for i, port in enumerate(ports.action_servers, 1)
    )
    balance = "balance url_param sender\n    hash-type consistent" if by_sender else "balance roundrobin"
    return template.read_text(encoding="utf-8").format(
        patients_port=ports.patients,
        actions_port=ports.actions,
        rasa_balance=balance,
        rasa_servers=rasa_servers,
        action_servers=action_servers,
    )


def stack_env(ports: Ports, cluster: PostgresCluster) -> dict[str, str]:
    """What every Rasa server, the review pages and retention read: deploy/endpoints.yml's variables."""
    return {
        **cluster.env,
        "NETFAQ_ACTIONS_URL": f"http://127.0.0.1:{ports.actions}/webhook",
        "NETFAQ_REDIS_HOST": "127.0.0.1",
        "NETFAQ_REDIS_PORT": str(ports.redis),
        ADDRESS_SENDER_REQUIRED: "1",
    }


@dataclass
class Stack:
    ports: Ports
    folder: Path
    model: Path
    postgres: PostgresCluster
    env: dict[str, str]
    redis: Process
    balancer: Process
    actions: list[Process] = field(default_factory=list)
    rasa: list[Process] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.patients}"

    @property
    def processes(self) -> list[Process]:
        return [*self.rasa, *self.actions, self.balancer, self.redis]

    def start_rasa(self, index: int) -> None:
        port = self.ports.rasa[index]
        self.rasa[index] = start_rasa_server(
            port, self.ports.actions, self.model, self.folder / "logs", env=self.env, endpoints=STACK_ENDPOINTS
        )
        wait_until_up(f"http://127.0.0.1:{port}/", self.rasa[index])

    def stop_rasa(self, index: int) -> None:
        self.rasa[index].stop()

    def stop_redis(self) -> None:
        self.redis.stop()

    def start_redis(self) -> None:
        self.redis = start_redis(self.ports.redis, self.folder / "logs")
        _wait_for_port(self.ports.redis)


@contextmanager
def running_stack(
    model: Path,
    rasa_servers: int = 2,
    action_servers: int = 2,
    folder: Path | None = None,
    by_sender: bool = True,
    ports: Ports | None = None,
) -> Iterator[Stack]:
    """Everything started and answering; stopped on the way out, PostgreSQL's throwaway data removed
    (in production the database is the hospital's own PostgreSQL: docs/scaling.md)."""
    folder = folder or BUILD_DIR / "stack"
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    ports = ports or Ports.free(rasa_servers, action_servers)
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(ports, by_sender), encoding="utf-8")
    postgres = PostgresCluster(ports.postgres)
    started: list[Process] = []  # until the stack exists; then its processes, restarted ones included
    stack: Stack | None = None
    try:
        redis = start_redis(ports.redis, logs)
        started.append(redis)
        balancer = start_haproxy(config, logs)
        started.append(balancer)
        stack = Stack(ports, folder, model, postgres, stack_env(ports, postgres), redis, balancer)
        for port in ports.action_servers:
            stack.actions.append(start_action_server(port, logs))
            started.append(stack.actions[-1])
        for port in ports.rasa:
            stack.rasa.append(
                start_rasa_server(port, ports.actions, model, logs, env=stack.env, endpoints=STACK_ENDPOINTS)
            )
            started.append(stack.rasa[-1])
        _wait_for_port(ports.redis)
        for port, process in zip(ports.action_servers, stack.actions, strict=True):
            wait_until_up(f"http://127.0.0.1:{port}/health", process)
        for port, process in zip(ports.rasa, stack.rasa, strict=True):
            wait_until_up(f"http://127.0.0.1:{port}/", process)
        wait_until_up(f"{stack.url}/", balancer)
        yield stack
    finally:
        for process in reversed([*started, *(stack.processes if stack else [])]):
            process.stop()
        postgres.remove()


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")
