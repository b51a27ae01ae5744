"""Helpers shared by the tests: an API client that carries the CSRF token, account makers."""

from __future__ import annotations

import os
import socket
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
PASSWORD = "correct horse battery"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    """A browser-like JSON client: one cookie jar, the CSRF header on every write."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._token: str | None = None

    @property
    def csrf_token(self) -> str:
        if self._token is None:
            self._token = self.client.get("/api/v1/csrf").get_json()["csrf_token"]
        return self._token

    def get(self, path: str, **kwargs: Any):
        return self.client.get(path, **kwargs)

    def _write(self, method: str, path: str, json: Any = None, **kwargs: Any):
        headers = {"X-CSRFToken": self.csrf_token, **kwargs.pop("headers", {})}
        response = self.client.open(path, method=method, json={} if json is None else json, headers=headers, **kwargs)
        # Signing in rotates the CSRF token; the answer carries the new one (CONTRACT.md).
        answer = response.get_json(silent=True)
        if isinstance(answer, dict) and "csrf_token" in answer:
            self._token = answer["csrf_token"]
        return response

    def post(self, path: str, json: Any = None, **kwargs: Any):
        return self._write("POST", path, json, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self._write("DELETE", path, None, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any):
        return self._write("PATCH", path, json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any):
        return self._write("PUT", path, json, **kwargs)

    def join(self, handle: str | None = None) -> dict[str, Any]:
        response = self.post("/api/v1/members", {} if handle is None else {"handle": handle})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def login(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        response = self.post("/api/v1/login", {"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["user"]

    def logout(self) -> None:
        assert self.post("/api/v1/logout").status_code == 200
        self._token = None


def make_staff(app: Flask, username: str, *roles: str, handle: str | None = None) -> int:
    from warmline.extensions import db
    from warmline.services import accounts

    with app.app_context():
        user = accounts.create_staff(username, PASSWORD, roles, handle=handle)
        db.session.commit()
        return user.id


def error_of(response) -> dict[str, Any]:
    body = response.get_json()
    assert body["ok"] is False, body
    assert set(body["error"]) >= {"code", "message"}, body
    return body["error"]


def scoring_threads(app: Flask, monkeypatch) -> list[int]:
    """Puts the app in gevent mode and records the thread each `risk.assess` runs on, to show
    a score is taken off the event loop."""
    import threading

    from warmline.services import risk

    app.config["ASYNC_MODE"] = "gevent"
    threads: list[int] = []
    real = risk.assess
    monkeypatch.setattr(risk, "assess", lambda *a, **k: threads.append(threading.get_ident()) or real(*a, **k))
    return threads
