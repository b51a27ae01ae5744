"""Alerts that must reach people live: a forum post held as urgent reaches the moderators,
the peers on shift and the on-call coordinator at once (and nobody else); across two server
processes sharing Redis, as escalations do."""

from __future__ import annotations

import uuid

import pytest

from tests.chat_support import Socket, on_duty_peer, put_on_shift
from tests.servers import LiveServer
from tests.support import PASSWORD, make_staff
from warmline.services import forums


def urgent_post(api) -> int:
    response = api.post(
        "/api/v1/forums/daily-check-in/threads", {"title": "tonight", "body": "I want to kill myself tonight"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["post"]["id"]


def signed_in_socket(app, new_api, username: str) -> Socket:
    browser = new_api()
    browser.login(username)
    return Socket(app, browser)


def test_an_urgent_post_reaches_moderators_peers_on_shift_and_the_on_call_coordinator(app, new_api):
    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
    make_staff(app, "morgan", "moderator")
    on_duty_peer(app, "pat")
    make_staff(app, "robin", "peer")  # not on shift
    casey = make_staff(app, "casey", "coordinator")
    put_on_shift(app, casey, "on_call_coordinator")
    make_staff(app, "drew", "coordinator")  # not on call
    sockets = {name: signed_in_socket(app, new_api, name) for name in ("morgan", "pat", "robin", "casey", "drew")}
    member = new_api()
    member.join()

    post_id = urgent_post(member)

    for name in ("morgan", "pat", "casey"):
        alerts = sockets[name].events("post:urgent")
        assert [(a["post_id"], a["risk"], a["url"]) for a in alerts] == [(post_id, "imminent", "/moderation")], name
    for name in ("robin", "drew"):
        assert sockets[name].events("post:urgent") == [], name

    calm = member.post("/api/v1/forums/daily-check-in/threads", {"title": "hi", "body": "a calm day"})
    assert calm.status_code == 201
    assert sockets["morgan"].events("post:urgent") == []  # held as a first post, but not urgent


def test_without_an_on_call_coordinator_every_coordinator_hears(app, new_api):
    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
    make_staff(app, "drew", "coordinator")
    drew = signed_in_socket(app, new_api, "drew")
    member = new_api()
    member.join()
    post_id = urgent_post(member)
    assert [a["post_id"] for a in drew.events("post:urgent")] == [post_id]


@pytest.fixture
def cluster(pg_database, redis_url, pg_app):
    # A channel of our own: Redis pub/sub ignores the database number, and other test runs
    # may share this Redis.
    shared = {
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "SOCKETIO_CHANNEL": f"warmline-test-{uuid.uuid4().hex[:8]}",
        "RATELIMIT_STORAGE_URI": redis_url,
    }
    with LiveServer(pg_database, **shared) as a, LiveServer(pg_database, **shared) as b:
        yield a, b


def test_live_alerts_to_moderators_and_coordinators_across_two_processes(pg_app, cluster, browsers):
    a, b = cluster
    with pg_app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
    make_staff(pg_app, "morgan", "moderator")
    on_duty_peer(pg_app, "pat")
    casey = make_staff(pg_app, "casey", "coordinator")
    put_on_shift(pg_app, casey, "on_call_coordinator")
    moderator, coordinator, peer, member = browsers(b.url), browsers(b.url), browsers(a.url), browsers(a.url)
    moderator.login("morgan", PASSWORD)
    coordinator.login("casey", PASSWORD)
    peer.login("pat", PASSWORD)
    for browser in (moderator, coordinator, peer):
        browser.connect()
    member.join()
    member.connect()

    posted = member.post(
        "/api/v1/forums/daily-check-in/threads", {"title": "tonight", "body": "I want to kill myself tonight"}
    )
    post_id = posted.json()["post"]["id"]
    assert moderator.wait_for("post:urgent")[0]["post_id"] == post_id
    assert coordinator.wait_for("post:urgent")[0]["post_id"] == post_id

    # An escalation raised on process A reaches the coordinator on B, as a live alert.
    conversation_id = member.call("chat:request", {})["conversation_id"]
    assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    answer = peer.call(
        "chat:escalate",
        {"conversation_id": conversation_id, "risk_level": "imminent", "action": "emergency_services", "notes": ""},
    )
    assert answer["ok"], answer
    assert coordinator.wait_for("escalation:new")[0]["escalation_id"] == answer["escalation_id"]
    assert "post:urgent" not in member.events
