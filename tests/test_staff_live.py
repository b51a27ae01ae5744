"""Over a real port: a staff account switched off from the command line (another process,
no message queue between them) loses its open socket within 10 seconds, and the member it
was talking to goes back to the front of the queue at once (hardening issue, item 1)."""

from __future__ import annotations

import time

import pytest

from tests.chat_support import on_duty_peer
from tests.servers import LiveServer
from tests.support import PASSWORD, make_staff
from tests.test_scale_out import cluster  # noqa: F401  (fixture)
from warmline.extensions import db
from warmline.models import Conversation
from warmline.models.chat import WAITING

CLOSE_WITHIN = 10  # seconds, as the contract says


@pytest.mark.parametrize("command", [["disable", "pat"], ["set-roles", "pat", "--role", "moderator"]])
def test_a_command_line_change_closes_the_open_socket_and_requeues(app, database_url, browsers, runner, command):
    on_duty_peer(app, "pat")
    with LiveServer(database_url) as server:
        member, peer = browsers(server.url), browsers(server.url)
        assert member.join()["ok"] and peer.login("pat", PASSWORD)["ok"]
        member.connect()
        peer.connect()
        conversation_id = member.call("chat:request", {"topic": "long night"})["conversation_id"]
        assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
        member.wait_for("chat:assigned")

        started = time.monotonic()
        result = runner.invoke(args=["users", *command])
        assert result.exit_code == 0, result.output
        with app.app_context():  # handed back in the command's own transaction
            conversation = db.session.get(Conversation, conversation_id)
            assert conversation.status == WAITING and conversation.front_of_queue

        assert peer.disconnected.wait(timeout=CLOSE_WITHIN), "the peer's socket stayed open"
        requeued = member.wait_for("chat:requeued", timeout=CLOSE_WITHIN)
        assert requeued == [{"conversation_id": conversation_id, "reason": "peer_signed_out"}]
        assert time.monotonic() - started < CLOSE_WITHIN
        assert peer.http.get(f"{server.url}/api/v1/me", timeout=5).status_code == 401


def test_disabling_on_one_process_closes_the_socket_on_the_other(pg_app, cluster, browsers):  # noqa: F811
    """Two processes sharing PostgreSQL and Redis: an admin on A disables a peer whose
    console and whose member are on B."""
    a, b = cluster
    on_duty_peer(pg_app, "pat")
    make_staff(pg_app, "ada", "admin")
    admin, member, peer = browsers(a.url), browsers(b.url), browsers(b.url)
    assert admin.login("ada", PASSWORD)["ok"] and peer.login("pat", PASSWORD)["ok"] and member.join()["ok"]
    member.connect()
    peer.connect()
    conversation_id = member.call("chat:request", {"topic": "across"})["conversation_id"]
    assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    peer_id = peer.http.get(f"{b.url}/api/v1/me", timeout=5).json()["user"]["id"]

    changed = admin.http.patch(f"{a.url}/api/v1/staff/{peer_id}", json={"enabled": False}, timeout=10)
    assert changed.status_code == 200 and changed.json()["user"]["enabled"] is False
    assert peer.disconnected.wait(timeout=CLOSE_WITHIN)
    assert member.wait_for("chat:requeued", timeout=CLOSE_WITHIN)[0]["reason"] == "peer_signed_out"
