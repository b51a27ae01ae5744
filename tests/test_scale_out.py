"""Several server processes, one warmline: two real processes (gevent) sharing PostgreSQL and
a Redis message queue, with real python-socketio clients; and the faults they must survive.

These run on PostgreSQL (the database for more than one process)."""

from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa

from tests.chat_support import on_duty_peer, put_on_shift
from tests.faults import CuttableProxy, PrivateRedis
from tests.servers import Browser, LiveServer, accept_races
from tests.support import IN_CI, PASSWORD, make_staff

FAST_TIMERS = {
    "WARMLINE_SWEEP_INTERVAL": "1",
    "WARMLINE_SWEEP_LEASE_SECONDS": "3",
    "WARMLINE_PROCESS_TIMEOUT": "3",
    "WARMLINE_CHAT_PEER_GRACE": "2",
}


@pytest.fixture
def cluster(pg_database, redis_url, pg_app):
    shared = {"SOCKETIO_MESSAGE_QUEUE": redis_url, "RATELIMIT_STORAGE_URI": redis_url, **FAST_TIMERS}
    with LiveServer(pg_database, **shared) as a, LiveServer(pg_database, **shared) as b:
        yield a, b


def test_a_conversation_across_two_processes(pg_app, cluster, browsers):
    a, b = cluster
    on_duty_peer(pg_app, "pat")
    member, peer = browsers(a.url), browsers(b.url)
    member.join()
    peer.login("pat", PASSWORD)
    member.connect()
    peer.connect()
    conversation_id = member.call("chat:request", {"topic": "across"})["conversation_id"]
    assert peer.wait_for("queue:update")[-1]["items"][0]["conversation_id"] == conversation_id
    assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    assert member.wait_for("chat:assigned")[0]["peer_handle"] == "Pat"
    member.call("message:send", {"conversation_id": conversation_id, "client_id": "m1", "body": "from A"})
    assert peer.wait_for("message:new")[0]["body"] == "from A"
    peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p1", "body": "from B"})
    assert member.wait_for("message:new", count=2)[-1]["body"] == "from B"
    peer.call("typing", {"conversation_id": conversation_id, "typing": True})
    assert member.wait_for("typing")[0]["typing"] is True
    member.call("chat:end", {"conversation_id": conversation_id})
    assert peer.wait_for("chat:ended")[0]["ended_by"] == "member"


def test_escalation_alert_reaches_a_coordinator_on_the_other_process(pg_app, cluster, browsers):
    a, b = cluster
    on_duty_peer(pg_app, "pat")
    casey = make_staff(pg_app, "casey", "coordinator")
    put_on_shift(pg_app, casey, "on_call_coordinator")
    member, peer, coordinator = browsers(a.url), browsers(a.url), browsers(b.url)
    member.join()
    peer.login("pat", PASSWORD)
    coordinator.login("casey", PASSWORD)
    for browser in (member, peer, coordinator):
        browser.connect()
    conversation_id = member.call("chat:request", {})["conversation_id"]
    peer.call("chat:accept", {"conversation_id": conversation_id})
    answer = peer.call(
        "chat:escalate",
        {
            "conversation_id": conversation_id,
            "risk_level": "imminent",
            "action": "emergency_services",
            "consent": "unable",
            "notes": "911 called",
        },
    )
    assert answer["ok"]
    assert coordinator.wait_for("escalation:new")[0]["escalation_id"] == answer["escalation_id"]


def test_a_hundred_accept_races_across_processes(pg_app, cluster, browsers):
    a, b = cluster
    on_duty_peer(pg_app, "pat", capacity=5)
    on_duty_peer(pg_app, "robin", capacity=5)
    member = browsers(a.url)
    member.join()
    member.connect()
    peers = [browsers(a.url), browsers(b.url)]
    for peer, name in zip(peers, ("pat", "robin"), strict=True):
        peer.login(name, PASSWORD)
        peer.connect()
    accept_races(member, peers, rounds=100)


def test_a_killed_process_loses_nothing_and_its_presence_clears(pg_app, cluster, browsers):
    a, b = cluster
    on_duty_peer(pg_app, "pat")
    member, peer = browsers(b.url), browsers(a.url)
    member.join()
    peer.login("pat", PASSWORD)
    member.connect()
    peer.connect()
    conversation_id = member.call("chat:request", {})["conversation_id"]
    peer.call("chat:accept", {"conversation_id": conversation_id})
    for i in range(3):
        assert member.call("message:send", {"conversation_id": conversation_id, "client_id": f"m{i}", "body": f"m{i}"})[
            "ok"
        ]
    a.process.kill()  # SIGKILL: no goodbye, its sockets' rows stay behind
    a.process.wait(timeout=10)
    # The dead process's heartbeat stops; the survivor clears its sockets and tells the member.
    assert member.wait_for("presence", timeout=20)[-1] == {
        "conversation_id": conversation_id,
        "who": "peer",
        "connected": False,
    }
    # The dead process's peer no longer counts as available anywhere.
    assert requests.get(f"{b.url}/api/v1/status", timeout=10).json()["peers_available"] == 0
    # The peer's client reconnects to the surviving process and resumes with nothing lost.
    peer.base_url = b.url
    peer.connect()
    resumed = peer.call("chat:resume", {"conversation_id": conversation_id, "after_seq": 0})
    if resumed["ok"]:
        assert [m["client_id"] for m in resumed["messages"]] == ["m0", "m1", "m2"]
    else:
        # Past the grace period the conversation went back to the queue: it is taken again.
        assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
        resumed = peer.call("chat:resume", {"conversation_id": conversation_id, "after_seq": 0})
        assert [m["client_id"] for m in resumed["messages"]] == ["m0", "m1", "m2"]
    again = member.call("message:send", {"conversation_id": conversation_id, "client_id": "m2", "body": "m2"})
    assert again["duplicate"] is True


def test_redis_unreachable_at_start_is_a_clear_error(pg_database):
    with pytest.raises(RuntimeError) as failed, LiveServer(pg_database, SOCKETIO_MESSAGE_QUEUE="redis://127.0.0.1:1/0"):
        pass
    assert "SOCKETIO_MESSAGE_QUEUE" in str(failed.value)


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    if redis.binary is None:
        if IN_CI:
            pytest.fail("redis-server is required under CI=true")
        pytest.skip("redis-server is not installed")
    redis.start()
    yield redis
    redis.stop()


def test_redis_lost_while_running_and_back(pg_app, pg_database, private_redis, browsers):
    """Without Redis each process keeps serving its own clients; when Redis returns,
    traffic crosses processes again."""
    on_duty_peer(pg_app, "pat")
    shared = {"SOCKETIO_MESSAGE_QUEUE": private_redis.url, **FAST_TIMERS}
    with LiveServer(pg_database, **shared) as a, LiveServer(pg_database, **shared) as b:
        member, peer = browsers(a.url), browsers(a.url)
        member.join()
        peer.login("pat", PASSWORD)
        member.connect()
        peer.connect()
        conversation_id = member.call("chat:request", {})["conversation_id"]
        peer.call("chat:accept", {"conversation_id": conversation_id})
        private_redis.stop()
        assert member.call(
            "message:send", {"conversation_id": conversation_id, "client_id": "x", "body": "still here?"}
        )["ok"]
        assert peer.wait_for("message:new")[-1]["body"] == "still here?"
        assert "message queue unreachable" in a.output()
        private_redis.start()
        # Back: a client on the other process hears this one again (the listener reconnects).
        member_b = browsers(b.url)
        member_b.http.cookies.update(member.http.cookies)
        member_b.csrf_token = member.csrf_token
        member_b.connect()
        # The listener reconnects with a back-off: send until one crosses, bounded to 20 s.
        for attempt in range(40):
            member.call(
                "message:send", {"conversation_id": conversation_id, "client_id": f"y{attempt}", "body": "back"}
            )
            try:
                member_b.wait_for("message:new", timeout=0.5)
                break
            except TimeoutError:
                continue
        assert member_b.events.get("message:new"), "traffic did not cross processes after Redis returned"


def test_postgresql_down_answers_503_and_recovers(pg_app, pg_database, browsers):
    port = sa.engine.make_url(pg_database).port or 5432
    proxy = CuttableProxy(port)
    try:
        url = sa.engine.make_url(pg_database).set(port=proxy.port).render_as_string(hide_password=False)
        with LiveServer(url) as live:
            member = browsers(live.url)
            assert member.join()["ok"]
            proxy.cut()
            down = member.http.get(f"{live.url}/api/v1/me", timeout=15)
            assert down.status_code == 503, live.output()[-3000:]
            assert down.json() == {
                "ok": False,
                "error": {"code": "unavailable", "message": down.json()["error"]["message"]},
            }
            fresh = Browser(live.url)
            refused = fresh.post("/api/v1/members")
            assert refused.status_code == 503
            proxy.restore()
            assert member.http.get(f"{live.url}/api/v1/me", timeout=15).status_code == 200
            assert fresh.post("/api/v1/members").status_code == 201
            fresh.close()
        with pg_app.app_context():
            from warmline.extensions import db
            from warmline.models import User

            # Two members: the one before the cut and the one after; nothing half-written.
            assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
    finally:
        proxy.close()


def test_rate_limits_hold_across_processes(pg_database, redis_url):
    """Ten failed sign-ins spread over two processes exhaust one shared budget."""
    shared = {"SOCKETIO_MESSAGE_QUEUE": redis_url, "RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_ENABLED": "true"}
    with LiveServer(pg_database, **shared) as a, LiveServer(pg_database, **shared) as b:
        statuses = []
        for i in range(11):
            browser = Browser((a.url, b.url)[i % 2])
            # A different account each time: the per-account backoff would answer first.
            answer = browser.post("/api/v1/login", {"username": f"nobody{i}", "password": "x" * 12})
            statuses.append(answer.status_code)
            browser.close()
        assert statuses[:10] == [401] * 10 and statuses[10] == 429
