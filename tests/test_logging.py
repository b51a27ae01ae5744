"""Logs: one JSON object per line, no client address, no member handle, no bodies; sign-in
and authorisation events recorded by id."""

from __future__ import annotations

import json
import logging

import pytest

from tests.support import make_staff
from warmline.logs import JsonFormatter

ADDRESS = "198.51.100.23"


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO)
    formatter = JsonFormatter()
    return lambda: [formatter.format(record) for record in caplog.records]


def test_request_log_has_no_address_or_handle(api, lines):
    api.client.environ_base["REMOTE_ADDR"] = ADDRESS
    api.join("Quiet_Harbor")
    api.get("/api/v1/me")
    output = lines()
    assert any('"route": "/api/v1/members"' in line for line in output)
    for line in output:
        assert ADDRESS not in line and "Quiet_Harbor" not in line and "recovery" not in line.lower()


def test_a_newline_typed_by_a_user_cannot_forge_a_line(api, lines):
    forged = 'x"\n{"level": "error", "msg": "forged"}'
    api.post("/api/v1/login", {"username": forged[:60], "password": "whatever-password"})
    api.post("/api/v1/members", {"handle": forged[:60]})
    for line in lines():
        assert "\n" not in line
        assert json.loads(line)["msg"] != "forged"


def test_auth_events_are_logged_by_id_without_secrets(app, api, new_api, lines):
    user_id = make_staff(app, "pat", "peer")
    api.post("/api/v1/login", {"username": "pat", "password": "not the password"})
    api.login("pat")
    api.post("/api/v1/me/recovery-code")  # a member-only action: refused
    api.logout()
    events = [json.loads(line) for line in lines() if '"logger": "warmline.audit"' in line]
    kinds = [e["event"] for e in events]
    assert kinds[:2] == ["login_failed", "login_succeeded"]
    assert "authz_denied" in kinds and "logout" in kinds
    assert next(e for e in events if e["event"] == "login_succeeded")["user_id"] == user_id
    denied = next(e for e in events if e["event"] == "authz_denied")
    assert denied["actor"]["user_id"] == user_id and denied["reason"] == "role"
    assert all("not the password" not in json.dumps(e) for e in events)
