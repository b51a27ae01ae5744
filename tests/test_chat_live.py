"""The chat end to end over a real port: a gevent server process (`python wsgi.py`) and
python-socketio clients signed in over HTTP, as browsers would be."""

from __future__ import annotations

import pytest

from tests.chat_support import on_duty_peer
from tests.servers import LiveServer, accept_races
from tests.support import PASSWORD


@pytest.fixture
def server(app, database_url):
    with LiveServer(database_url) as live:
        yield live


def test_conversation_with_a_dropped_connection_loses_nothing(app, server, browsers):
    on_duty_peer(app, "pat")
    member, peer = browsers(server.url), browsers(server.url)
    assert member.join()["ok"] and peer.login("pat", PASSWORD)["ok"]
    member.connect()
    peer.connect()

    asked = member.call("chat:request", {"topic": "can't sleep"})
    assert asked["ok"] and asked["position"] == 1
    conversation_id = asked["conversation_id"]
    assert peer.wait_for("queue:update")[-1]["items"][0]["topic"] == "can't sleep"
    assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    assert member.wait_for("chat:assigned")[0] == {"conversation_id": conversation_id, "peer_handle": "Pat"}

    assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "m1", "body": "hi"})["ok"]
    assert peer.wait_for("message:new")[0]["body"] == "hi"
    assert peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p1", "body": "hello"})["ok"]
    member.wait_for("message:new", count=2)

    # The member's connection drops; the peer keeps writing.
    member.sio.disconnect()
    assert peer.wait_for("presence")[-1] == {"conversation_id": conversation_id, "who": "member", "connected": False}
    for i in (2, 3):
        assert peer.call(
            "message:send", {"conversation_id": conversation_id, "client_id": f"p{i}", "body": f"still here {i}"}
        )["ok"]

    # The member comes back, resumes from the last seq seen, resends what was unsent twice.
    last_seen = max(m["seq"] for m in member.events["message:new"])
    member.connect()
    assert peer.wait_for("presence", count=2)[-1]["connected"] is True
    resumed = member.call("chat:resume", {"conversation_id": conversation_id, "after_seq": last_seen})
    assert [m["body"] for m in resumed["messages"]] == ["still here 2", "still here 3"]
    first = member.call(
        "message:send", {"conversation_id": conversation_id, "client_id": "m2", "body": "sorry, lost signal"}
    )
    second = member.call(
        "message:send", {"conversation_id": conversation_id, "client_id": "m2", "body": "sorry, lost signal"}
    )
    assert first["message"] == second["message"] and second["duplicate"] is True

    everything = member.call("chat:resume", {"conversation_id": conversation_id, "after_seq": 0})["messages"]
    assert [m["seq"] for m in everything] == [1, 2, 3, 4, 5]
    assert [m["client_id"] for m in everything] == ["m1", "p1", "p2", "p3", "m2"]

    assert peer.call("chat:end", {"conversation_id": conversation_id, "reason": "goodbye"})["ok"]
    assert member.wait_for("chat:ended")[0]["ended_by"] == "peer"


def test_a_hundred_accept_races_have_one_winner_each(app, server, browsers):
    on_duty_peer(app, "pat", capacity=5)
    on_duty_peer(app, "robin", capacity=5)
    member = browsers(server.url)
    member.join()
    member.connect()
    peers = []
    for name in ("pat", "robin"):
        peers.append(browsers(server.url))
        peers[-1].login(name, PASSWORD)
        peers[-1].connect()

    accept_races(member, peers, rounds=100)


def test_sigterm_stops_gracefully_and_clients_resume_elsewhere(app, database_url, browsers, redis_url):
    """A process told to stop closes its sockets within the grace period; the member
    reconnects to another process and resumes with nothing lost."""
    on_duty_peer(app, "pat")
    queue = {"SOCKETIO_MESSAGE_QUEUE": redis_url}
    with LiveServer(database_url, **queue) as first, LiveServer(database_url, **queue) as second:
        member, peer = browsers(first.url), browsers(second.url)
        member.join()
        peer.login("pat", PASSWORD)
        member.connect()
        peer.connect()
        conversation_id = member.call("chat:request", {})["conversation_id"]
        assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
        assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "a", "body": "one"})["ok"]

        first.process.terminate()
        assert first.process.wait(timeout=10) == 0
        assert member.disconnected.wait(timeout=5)

        member.base_url = second.url  # the load balancer sends the reconnect elsewhere
        member.connect()
        resumed = member.call("chat:resume", {"conversation_id": conversation_id, "after_seq": 0})
        assert [m["body"] for m in resumed["messages"]] == ["one"]
        assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "b", "body": "two"})["ok"]
        assert peer.wait_for("message:new", count=2)[-1]["body"] == "two"


def test_grace_period_requeue_on_a_real_server(app, database_url, browsers):
    """The peer's connection drops and stays gone past the grace period: the sweeper of the
    real server puts the conversation back at the front and tells the member."""
    on_duty_peer(app, "pat")
    with LiveServer(database_url, WARMLINE_CHAT_PEER_GRACE="1", WARMLINE_SWEEP_INTERVAL="1") as live:
        member, peer = browsers(live.url), browsers(live.url)
        member.join()
        peer.login("pat", PASSWORD)
        member.connect()
        peer.connect()
        conversation_id = member.call("chat:request", {"topic": "grace"})["conversation_id"]
        assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
        peer.sio.disconnect()
        assert member.wait_for("presence")[-1] == {
            "conversation_id": conversation_id,
            "who": "peer",
            "connected": False,
        }
        requeued = member.wait_for("chat:requeued", timeout=15)[0]
        assert requeued == {"conversation_id": conversation_id, "reason": "peer_disconnected"}
        assert member.wait_for("chat:queued")[-1]["position"] == 1


def test_queue_updates_under_a_burst_are_coalesced_and_end_right(app, server, browsers):
    """Five members ask at once: the peer's queue and every member's position are right
    once the updates settle, from fewer snapshots than changes."""
    on_duty_peer(app, "pat")
    peer = browsers(server.url)
    peer.login("pat", PASSWORD)
    peer.connect()
    members = [browsers(server.url) for _ in range(5)]
    for member in members:
        member.join()
        member.connect()
    asked = [member.call("chat:request", {"topic": f"t{i}"}) for i, member in enumerate(members)]
    assert [a["position"] for a in asked] == [1, 2, 3, 4, 5]
    with peer._arrived:  # noqa: SLF001
        settled = peer._arrived.wait_for(  # noqa: SLF001
            lambda: peer.events.get("queue:update", [{}])[-1].get("waiting") == 5, timeout=10
        )
    assert settled, peer.events.get("queue:update")
    last = peer.events["queue:update"][-1]
    assert [item["topic"] for item in last["items"]] == ["t0", "t1", "t2", "t3", "t4"]
    for position, member in enumerate(members, start=1):
        member.wait_for("chat:queued")
        with member._arrived:  # noqa: SLF001
            assert member._arrived.wait_for(  # noqa: SLF001
                lambda m=member, p=position: m.events["chat:queued"][-1]["position"] == p, timeout=10
            )
