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


def test_library_messages_lose_addresses(caplog):
    """Whatever a library logs goes through the one handler, which masks addresses."""
    import sys

    from warmline.logs import ScrubAddresses, ServerErrorLog

    record = logging.makeLogRecord(
        {"name": "geventwebsocket.handler", "msg": "%s closed [%s]:80", "args": (ADDRESS, "2001:db8::7")}
    )
    ScrubAddresses().filter(record)
    assert record.getMessage() == "<address> closed <address>"
    try:
        raise ConnectionResetError(f"peer {ADDRESS} reset")
    except ConnectionResetError:
        failed = logging.makeLogRecord({"name": "gevent", "msg": "x", "exc_info": sys.exc_info()})
    ScrubAddresses().filter(failed)
    assert ADDRESS not in JsonFormatter().format(failed)
    caplog.set_level(logging.WARNING)
    ServerErrorLog().write(f"<socket raddr=('{ADDRESS}', 54668)>: (from ('{ADDRESS}', 54668)) Invalid HTTP method\n")
    assert [r.getMessage() for r in caplog.records] == [
        "<socket raddr=<address>>: (from <address>) Invalid HTTP method"
    ]


def test_the_real_server_prints_no_client_address(app, database_url):
    """Under gevent (`python wsgi.py`): websocket closes and a malformed request make gevent's
    server complain; its lines come out as JSON with the address masked."""
    import socket
    import time

    from tests.servers import Browser, LiveServer
    from tests.support import PASSWORD

    make_staff(app, "pat", "peer")
    with LiveServer(database_url) as server:
        for _ in range(2):
            peer = Browser(server.url)
            assert peer.login("pat", PASSWORD)["ok"]
            peer.connect()
            peer.sio.disconnect()
            peer.close()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
            raw.sendall(b"\x88\x80GARBAGE / HTTP/1.1\r\n\r\n")
            raw.recv(1024)
        deadline = time.monotonic() + 10
        while "<address>" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the server's log file, bounded by the deadline
        output = server.output()
    lines = [line for line in output.splitlines() if line.strip() and not line.startswith("Warmline serving on")]
    assert any("<address>" in line for line in lines), output[-2000:]
    offending = [line for line in lines if "127.0.0.1" in line]
    assert offending == [], offending[:5]
    for line in lines:
        json.loads(line)  # every line is a JSON log line, none a library's own
