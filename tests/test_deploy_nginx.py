"""deploy/nginx.conf, tested: nginx on 127.0.0.1 in front of two Warmline processes, a member
and a peer through it over WebSocket and over long-polling (which needs the sticky sessions)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

from tests.chat_support import on_duty_peer
from tests.servers import Browser, LiveServer
from tests.support import IN_CI, PASSWORD, free_port
from warmline import ROOT


@pytest.fixture
def nginx(tmp_path, pg_database, redis_url):
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if binary is None:
        if IN_CI:
            pytest.fail("nginx is required under CI=true (.ci/run installs Debian's nginx)")
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    shared = {"SOCKETIO_MESSAGE_QUEUE": redis_url, "RATELIMIT_STORAGE_URI": redis_url, "WARMLINE_PROXY_COUNT": "1"}
    with LiveServer(pg_database, **shared) as a, LiveServer(pg_database, **shared) as b:
        port = free_port()
        conf = (ROOT / "deploy" / "nginx.conf").read_text()
        for key, value in {
            "__LISTEN__": f"127.0.0.1:{port}",
            "__UPSTREAM_A__": f"127.0.0.1:{a.port}",
            "__UPSTREAM_B__": f"127.0.0.1:{b.port}",
            "__PID__": str(tmp_path / "nginx.pid"),
            "__ERROR_LOG__": str(tmp_path / "error.log"),
        }.items():
            conf = conf.replace(key, value)
        (tmp_path / "nginx.conf").write_text(conf)
        check = subprocess.run(
            [binary, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stderr
        process = subprocess.Popen(
            [binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)  # waiting for the port, bounded by the deadline
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_chat_through_nginx(pg_app, nginx):  # noqa: F811
    on_duty_peer(pg_app, "pat")
    member, peer = Browser(nginx), Browser(nginx)
    try:
        assert member.join()["ok"] and peer.login("pat", PASSWORD)["ok"]
        member.connect(transports=["polling"])  # long-polling: only works with sticky sessions
        peer.connect()
        conversation_id = member.call("chat:request", {"topic": "via nginx"})["conversation_id"]
        assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
        member.call("message:send", {"conversation_id": conversation_id, "client_id": "1", "body": "hello"})
        assert peer.wait_for("message:new")[0]["body"] == "hello"
        peer.call("message:send", {"conversation_id": conversation_id, "client_id": "2", "body": "hi"})
        assert member.wait_for("message:new", count=2)[-1]["body"] == "hi"
    finally:
        member.close()
        peer.close()
