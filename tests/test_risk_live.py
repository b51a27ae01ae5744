"""The risk score of a chat message over a real port, under gevent as in production: the
message is acknowledged and delivered, then scored on the hub's threadpool, and the peer's
banner event arrives with why."""

from __future__ import annotations

import pytest

from tests.chat_support import on_duty_peer
from tests.servers import LiveServer
from tests.support import PASSWORD


@pytest.fixture
def server(app, database_url):
    with LiveServer(database_url) as live:
        yield live


def test_a_risky_message_raises_the_banner_after_delivery(app, server, browsers):
    on_duty_peer(app, "pat")
    member, peer = browsers(server.url), browsers(server.url)
    assert member.join()["ok"] and peer.login("pat", PASSWORD)["ok"]
    member.connect()
    peer.connect()
    asked = member.call("chat:request", {"topic": "hard week"})
    conversation_id = asked["conversation_id"]
    assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    member.wait_for("chat:assigned")

    body = "gave away my cat and guitar because i won't need them"  # no phrase rule lists this
    assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "m1", "body": body})["ok"]
    assert peer.wait_for("message:new")[0]["body"] == body
    raised = peer.wait_for("risk:raised")[0]
    assert raised["conversation_id"] == conversation_id and raised["risk"] in ("high", "imminent")
    assert raised["why"]["source"] == "model" and raised["why"]["category"] == "preparatory"
    assert raised["why"]["examples"]
    assert isinstance(raised["reading_id"], int)  # the reading the peer may judge
    assert "risk:raised" not in member.events
