"""Supervision over a real port (a gevent server process and python-socketio clients, as
browsers would be): a monitor sees the new messages; a whisper reaches the peer and never
the member; a shared resource card reaches both parties."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.chat_support import on_duty_peer
from tests.servers import LiveServer
from tests.support import PASSWORD, make_staff
from tests.test_scale_out import cluster  # noqa: F401  (two processes sharing Redis)
from warmline import clock
from warmline.extensions import db
from warmline.models import CheckIn
from warmline.services import accounts, resources


@pytest.fixture
def server(app, database_url):
    with LiveServer(database_url) as live:
        yield live


@pytest.fixture
def live_chat(app, server, browsers):
    on_duty_peer(app, "pat")
    make_staff(app, "casey", "coordinator", handle="Casey")
    member, peer, monitor = browsers(server.url), browsers(server.url), browsers(server.url)
    assert member.join()["ok"] and peer.login("pat", PASSWORD)["ok"] and monitor.login("casey", PASSWORD)["ok"]
    for browser in (member, peer, monitor):
        browser.connect()
    conversation_id = member.call("chat:request", {"topic": "hard night"})["conversation_id"]
    assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    return member, peer, monitor, conversation_id


def test_a_monitor_sees_new_messages_and_a_whisper_never_reaches_the_member(live_chat):
    member, peer, monitor, conversation_id = live_chat
    assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "m1", "body": "hi"})["ok"]
    joined = monitor.call("monitor:join", {"conversation_id": conversation_id})
    assert joined["ok"] and [m["body"] for m in joined["messages"]] == ["hi"]
    assert peer.wait_for("monitor:joined")[0] == {"conversation_id": conversation_id, "by": "Casey"}

    # From now on the monitor gets the conversation's messages, from either side.
    assert peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p1", "body": "I'm here"})["ok"]
    assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "m2", "body": "thanks"})["ok"]
    assert [m["body"] for m in monitor.wait_for("message:new", count=2)] == ["I'm here", "thanks"]

    assert monitor.call("monitor:whisper", {"conversation_id": conversation_id, "body": "ask about supports"})["ok"]
    assert peer.wait_for("monitor:whisper")[0] == {
        "conversation_id": conversation_id,
        "body": "ask about supports",
        "from": "Casey",
    }
    # A later message reaches the member: anything sent to them before it has arrived too.
    assert peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p2", "body": "after"})["ok"]
    # hi, I'm here, thanks (each party hears its own too), then after.
    assert [m["body"] for m in member.wait_for("message:new", count=4)] == ["hi", "I'm here", "thanks", "after"]
    assert "monitor:whisper" not in member.events and "monitor:joined" not in member.events
    assert all("ask about supports" not in str(payload) for payloads in member.events.values() for payload in payloads)
    assert "monitor:whisper" not in monitor.events


def test_a_shared_resource_card_reaches_the_member(app, live_chat):
    member, peer, monitor, conversation_id = live_chat
    with app.app_context():
        resource_id = resources.create({"name": "Harbor House", "category": "shelter", "phone": "555-0111"}).id
    shared = peer.call("chat:share-resource", {"conversation_id": conversation_id, "resource_id": resource_id})
    assert shared["ok"], shared
    card = member.wait_for("message:new")[0]
    assert card["seq"] == shared["message"]["seq"] == 1
    assert card["resource"]["name"] == "Harbor House" and card["resource"]["phone"] == "555-0111"


def test_supervision_across_two_processes(pg_app, cluster, browsers):  # noqa: F811  (the imported fixtures)
    """The monitor on one process, the conversation on the other: the monitor room and the
    whisper travel through the message queue."""
    a, b = cluster
    on_duty_peer(pg_app, "pat")
    make_staff(pg_app, "casey", "coordinator", handle="Casey")
    member, peer, monitor = browsers(a.url), browsers(a.url), browsers(b.url)
    member.join()
    peer.login("pat", PASSWORD)
    monitor.login("casey", PASSWORD)
    for browser in (member, peer, monitor):
        browser.connect()
    conversation_id = member.call("chat:request", {"topic": "across"})["conversation_id"]
    assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    assert monitor.call("monitor:join", {"conversation_id": conversation_id})["ok"]
    assert peer.wait_for("monitor:joined")[0]["by"] == "Casey"
    member.call("message:send", {"conversation_id": conversation_id, "client_id": "m1", "body": "from A"})
    assert monitor.wait_for("message:new")[0]["body"] == "from A"
    assert monitor.call("monitor:whisper", {"conversation_id": conversation_id, "body": "from B"})["ok"]
    assert peer.wait_for("monitor:whisper")[0]["body"] == "from B"
    peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p1", "body": "later"})
    assert [m["body"] for m in member.wait_for("message:new", count=2)] == ["from A", "later"]
    assert "monitor:whisper" not in member.events


def test_a_check_in_falling_due_reaches_the_console_of_the_peer_on_shift(app, database_url, browsers):
    """Pushed by the server's own sweeper (every second here), not found by a page's refresh."""
    on_duty_peer(app, "pat")
    with LiveServer(database_url, WARMLINE_SWEEP_INTERVAL="1") as live:
        peer = browsers(live.url)
        assert peer.login("pat", PASSWORD)["ok"]
        peer.connect()
        with app.app_context():
            member, _, _ = accounts.join()
            checkin = CheckIn(member_id=member.id, due_at=clock.now() + timedelta(seconds=1), requested_at=clock.now())
            db.session.add(checkin)
            db.session.commit()
            checkin_id = checkin.id
        assert peer.wait_for("checkins:changed", timeout=15)[0] == {}
        due = peer.http.get(f"{live.url}/api/v1/checkins", timeout=10).json()["due"]
        assert [c["checkin_id"] for c in due] == [checkin_id]
