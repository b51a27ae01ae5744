"""A real Warmline server in a subprocess (`python wsgi.py`, under gevent as in production)
on a free 127.0.0.1 port, and python-socketio clients signed in over HTTP."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
import socketio

from tests.support import free_port
from warmline import ROOT

START_TIMEOUT = 90  # a bound, not a wait: on a loaded machine migrating and booting takes a while


class LiveServer:
    """`command` replaces `python wsgi.py` (the benchmark runs gunicorn with it)."""

    def __init__(self, database_url: str, command: list[str] | None = None, **env: str) -> None:
        self.command = command or [sys.executable, "wsgi.py"]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "WARMLINE_HOST": "127.0.0.1",
            "WARMLINE_PORT": str(self.port),
            "RATELIMIT_ENABLED": "false",
            "SECRET_KEY": "live-server-secret",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        # A file, not a pipe: an unread pipe fills up and blocks the server's logging.
        self.log = tempfile.NamedTemporaryFile(prefix="warmline-server-", suffix=".log")  # noqa: SIM115

    def __enter__(self) -> LiveServer:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.output()
                self.log.close()
                raise RuntimeError(f"server exited: {output[-2000:]}")
            try:
                requests.get(f"{self.url}/api/v1/csrf", timeout=1)
                return self
            except (requests.ConnectionError, requests.Timeout):  # not listening, or still booting
                time.sleep(0.05)  # polling for the port to open, bounded by the deadline
        self.__exit__()
        raise RuntimeError("server did not start in time")

    def __exit__(self, *exc: Any) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    @contextlib.contextmanager
    def dumped_on_failure(self) -> Iterator[None]:
        """On an exception, the end of the server's log goes to stderr before it propagates:
        the server's side of a failure is otherwise lost with its temporary log file."""
        try:
            yield
        except BaseException:
            print(f"--- the server's log, last lines ---\n{self.output()[-6000:]}", file=sys.stderr, flush=True)
            raise

    def output(self) -> str:
        """What the server printed (its JSON log lines)."""
        with open(self.log.name, encoding="utf-8", errors="replace") as log:
            return log.read()


class Browser:
    """An HTTP session (cookies, CSRF header) and its Socket.IO connection to /chat."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.csrf_token = self.http.get(f"{base_url}/api/v1/csrf", timeout=5).json()["csrf_token"]
        self.http.headers["X-CSRFToken"] = self.csrf_token
        self.sio: socketio.Client | None = None
        self.events: dict[str, list[Any]] = {}
        self._arrived = threading.Condition()
        self.disconnected = threading.Event()

    def post(self, path: str, json: Any = None) -> requests.Response:
        response = self.http.post(f"{self.base_url}{path}", json={} if json is None else json, timeout=10)
        # Signing in rotates the CSRF token; the answer carries the new one (CONTRACT.md).
        if response.headers.get("Content-Type", "").startswith("application/json"):
            token = response.json().get("csrf_token")
            if token:
                self.csrf_token = self.http.headers["X-CSRFToken"] = token
        return response

    def join(self) -> dict[str, Any]:
        return self.post("/api/v1/members").json()

    def login(self, username: str, password: str) -> dict[str, Any]:
        return self.post("/api/v1/login", {"username": username, "password": password}).json()

    def connect(
        self, *, origin: str | None = None, csrf_token: str | None = None, transports: list[str] | None = None
    ) -> socketio.Client:
        sio = socketio.Client(reconnection=False)
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        headers = {"Cookie": cookie}
        if origin:
            headers["Origin"] = origin

        @sio.on("*", namespace="/chat")
        def _any(event: str, data: Any) -> None:
            with self._arrived:
                self.events.setdefault(event, []).append(data)
                self._arrived.notify_all()

        @sio.on("disconnect", namespace="/chat")
        def _gone(*_: Any) -> None:
            self.disconnected.set()

        # websocket-client sends the page's own Origin itself; a foreign one is tried over
        # polling, where ours is the only Origin header.
        transports = transports or (["polling"] if origin else ["websocket"])
        sio.connect(
            self.base_url,
            namespaces=["/chat"],
            transports=transports,
            headers=headers,
            auth={"csrf_token": csrf_token if csrf_token is not None else self.csrf_token},
            wait_timeout=10,
        )
        self.sio = sio
        return sio

    def wait_for(self, event: str, count: int = 1, timeout: float = 10) -> list[Any]:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.events.get(event, [])) >= count, timeout):
                raise TimeoutError(f"{event} x{count} did not arrive in {timeout}s")
            return self.events[event]

    def call(self, event: str, data: Any, timeout: float = 10) -> Any:
        assert self.sio is not None
        return self.sio.call(event, data, namespace="/chat", timeout=timeout)

    def close(self) -> None:
        # websocket-client waits 3 s for the server's close frame; nothing here needs it.
        if self.sio is not None:
            threading.Thread(target=self.sio.disconnect, daemon=True).start()
        self.http.close()


def accept_races(member: Browser, peers: list[Browser], rounds: int) -> None:
    """`rounds` times: the member asks, every peer accepts at the same instant; exactly one
    wins, the others get `already_taken`; the winner ends the conversation."""
    for _ in range(rounds):
        conversation_id = member.call("chat:request", {"topic": "race"})["conversation_id"]
        answers: dict[int, dict[str, Any]] = {}
        barrier = threading.Barrier(len(peers))

        def accept(
            index: int,
            conversation_id: int = conversation_id,
            barrier: threading.Barrier = barrier,
            answers: dict[int, dict[str, Any]] = answers,
        ) -> None:
            barrier.wait()
            answers[index] = peers[index].call("chat:accept", {"conversation_id": conversation_id})

        threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(peers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        outcomes = sorted("won" if a["ok"] else a["error"]["code"] for a in answers.values())
        assert outcomes == ["already_taken"] * (len(peers) - 1) + ["won"], answers
        winner = next(i for i, a in answers.items() if a["ok"])
        assert peers[winner].call("chat:end", {"conversation_id": conversation_id})["ok"]
