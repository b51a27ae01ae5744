"""The chat over Socket.IO (test client): queue, assignment, messages, resume, end, the
rules around them, and the timers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.chat_support import Socket, make_available, on_duty_peer, put_on_shift
from tests.support import make_staff
from warmline import clock
from warmline.extensions import db
from warmline.models import Conversation, Message, User
from warmline.services import chat, sweeper


@pytest.fixture
def member(app, api):
    api.join()
    return Socket(app, api)


@pytest.fixture
def peer(app, new_api):
    on_duty_peer(app, "pat")
    browser = new_api()
    browser.login("pat")
    return Socket(app, browser)


def start_conversation(member, peer, topic="rough day") -> int:
    asked = member.call("chat:request", {"topic": topic})
    assert asked["ok"], asked
    taken = peer.call("chat:accept", {"conversation_id": asked["conversation_id"]})
    assert taken["ok"], taken
    return asked["conversation_id"]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_closed_when_no_peer_is_on_shift(app, member):
    answer = member.call("chat:request", {"topic": "hello"})
    assert answer["ok"] is False
    error = answer["error"]
    assert error["code"] == "closed" and error["next_open_at"] is None
    assert {r["call"] for r in error["resources"]} == {"988", "911"}
    assert count(app, Conversation) == 0


def test_closed_says_when_a_peer_is_next_on(app, member):
    pat = make_staff(app, "pat", "peer")
    with app.app_context():
        from warmline.services import roster

        start = clock.now() + timedelta(hours=2)
        roster.create_shift(None, pat, "peer", start, start + timedelta(hours=2))
    assert member.call("chat:request")["error"]["next_open_at"] is not None


def test_whole_conversation(app, member, peer):
    asked = member.call("chat:request", {"topic": "rough day"})
    assert asked["ok"] and asked["position"] == 1 and asked["existing"] is False
    update = peer.events("queue:update")[-1]
    assert (
        update["waiting"] == 1 and update["items"][0]["topic"] == "rough day" and update["items"][0]["risk"] == "none"
    )
    assert member.events("chat:queued")[-1]["position"] == 1
    conversation_id = asked["conversation_id"]
    taken = peer.call("chat:accept", {"conversation_id": conversation_id})
    assert taken == {"ok": True, "conversation_id": conversation_id, "conversation": taken["conversation"]}
    assert member.events("chat:assigned") == [{"conversation_id": conversation_id, "peer_handle": "Pat"}]
    assert peer.events("chat:assigned")[0]["conversation_id"] == conversation_id
    assert peer.events("queue:update")[-1]["waiting"] == 0

    hello = member.call(
        "message:send", {"conversation_id": conversation_id, "client_id": "m-1", "body": "hi\nthere <b>"}
    )
    assert hello["ok"] and hello["message"]["seq"] == 1 and hello["message"]["sender_role"] == "member"
    reply = peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p-1", "body": "I'm here."})
    assert reply["message"]["seq"] == 2 and reply["message"]["sender_handle"] == "Pat"
    for side in (member, peer):
        arrived = side.events("message:new")
        assert [m["seq"] for m in arrived] == [1, 2]
        assert arrived[0]["body"] == "hi\nthere <b>"
        assert set(arrived[0]) == {
            "conversation_id",
            "id",
            "seq",
            "client_id",
            "sender_role",
            "sender_handle",
            "body",
            "sent_at",
        }

    again = member.call(
        "message:send", {"conversation_id": conversation_id, "client_id": "m-1", "body": "hi\nthere <b>"}
    )
    assert again["ok"] and again["message"] == hello["message"] and again["duplicate"] is True
    assert count(app, Message) == 2

    resumed = member.call("chat:resume", {"conversation_id": conversation_id, "after_seq": 1})
    assert [m["seq"] for m in resumed["messages"]] == [2]

    assert peer.call("typing", {"conversation_id": conversation_id, "typing": True}) == {"ok": True}
    assert member.events("typing") == [{"conversation_id": conversation_id, "typing": True}]
    assert peer.events("typing") == []

    assert member.call("chat:end", {"conversation_id": conversation_id})["ok"]
    for side in (member, peer):
        assert side.events("chat:ended") == [
            {"conversation_id": conversation_id, "reason": "member_ended", "ended_by": "member"}
        ]
    late = peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p-2", "body": "?"})
    assert late["error"]["code"] == "not_active"


def test_seq_is_gapless_and_idempotent_under_concurrent_sends(app, member, peer):
    conversation_id = start_conversation(member, peer)
    with app.app_context():
        users = {c.member_id: c.peer_id for c in db.session.scalars(sa.select(Conversation))}
    member_id, peer_id = next(iter(users.items()))
    errors: list[Exception] = []

    def send(user_id: int, prefix: str) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            try:
                for i in range(15):
                    chat.send_message(user, conversation_id, f"{prefix}-{i % 10}", f"message {i}")
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=send, args=args) for args in [(member_id, "m"), (peer_id, "p"), (member_id, "m")]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with app.app_context():
        seqs = list(db.session.scalars(sa.select(Message.seq).order_by(Message.seq)))
    assert seqs == list(range(1, 21))  # 10 distinct member ids + 10 peer ids, no gaps


def test_risk_first_then_waiting_time(app, new_api, peer):
    sockets = []
    for danger in (False, False, True):
        browser = new_api()
        browser.join()
        sockets.append(Socket(app, browser))
        answer = sockets[-1].call("chat:request", {"topic": "", "in_danger": danger})
        assert answer["ok"]
    assert sockets[2].events("chat:queued")[-1]["position"] == 1
    assert sockets[0].events("chat:queued")[-1]["position"] == 2
    items = peer.events("queue:update")[-1]["items"]
    assert [i["risk"] for i in items] == ["imminent", "none", "none"]
    taken = peer.call("chat:accept", {})
    assert taken["conversation"]["intake_danger"] is True


def test_one_open_conversation_per_member(app, member, peer):
    first = member.call("chat:request", {"topic": "a"})
    second = member.call("chat:request", {"topic": "b"})
    assert second["conversation_id"] == first["conversation_id"] and second["existing"] is True
    assert count(app, Conversation) == 1


def test_outsiders_get_forbidden_and_never_hear(app, member, peer, new_api):
    conversation_id = start_conversation(member, peer)
    on_duty_peer(app, "robin")
    other_peer_browser = new_api()
    other_peer_browser.login("robin")
    other_member_browser = new_api()
    other_member_browser.join()
    outsiders = [Socket(app, other_peer_browser), Socket(app, other_member_browser)]
    for outsider in outsiders:
        for event, data in [
            ("message:send", {"conversation_id": conversation_id, "client_id": "x", "body": "hi"}),
            ("chat:resume", {"conversation_id": conversation_id, "after_seq": 0}),
            ("typing", {"conversation_id": conversation_id, "typing": True}),
            ("chat:end", {"conversation_id": conversation_id}),
            ("message:send", {"conversation_id": 999999, "client_id": "x", "body": "hi"}),
        ]:
            assert outsider.call(event, data)["error"]["code"] == "forbidden", (event, data)
    member.call("message:send", {"conversation_id": conversation_id, "client_id": "m", "body": "private"})
    for outsider in outsiders:
        assert outsider.events("message:new") == []
    assert count(app, Message) == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"client_id": "a", "body": ""}, "body"),
        ({"client_id": "a", "body": "   "}, "body"),
        ({"client_id": "a", "body": "x" * 2001}, "body"),
        ({"body": "hello"}, "client_id"),
        ({"client_id": 7, "body": "hello"}, "client_id"),
        ({"client_id": "a", "body": ["hello"]}, "body"),
        ({"client_id": "a", "body": "hello", "html": "<b>"}, "html"),
    ],
)
def test_bad_messages_are_refused_and_not_stored(app, member, peer, payload, field):
    conversation_id = start_conversation(member, peer)
    answer = member.call("message:send", {"conversation_id": conversation_id, **payload})
    assert answer["ok"] is False and answer["error"]["code"] == "invalid" and answer["error"]["field"] == field
    assert count(app, Message) == 0


def test_exactly_2000_characters_is_fine(app, member, peer):
    conversation_id = start_conversation(member, peer)
    assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "a", "body": "x" * 2000})["ok"]


def test_wrong_payload_types_for_every_event(member):
    for event in ["chat:request", "chat:resume", "typing", "chat:end", "message:send"]:
        answer = member.call(event, "not an object")
        assert answer["ok"] is False and answer["error"]["code"] in {"invalid"}, event


def test_peer_rules_shift_availability_capacity(app, new_api, member):
    robin = make_staff(app, "robin", "peer")
    browser = new_api()
    browser.login("robin")
    sock = Socket(app, browser)
    assert sock.call("peer:available", {"available": True})["error"]["code"] == "not_on_shift"
    put_on_shift(app, robin)
    asked = member.call("chat:request")
    assert sock.call("chat:accept", {"conversation_id": asked["conversation_id"]})["error"]["code"] == "not_available"
    assert sock.events("queue:update") == []  # not available: no queue updates
    assert sock.call("peer:available", {"available": True}) == {"ok": True, "available": True}
    with app.app_context():
        db.session.get(User, robin).chat_capacity = 1
        db.session.commit()
    assert sock.call("chat:accept", {})["ok"]
    second = new_api()
    second.join()
    Socket(app, second).call("chat:request")
    assert sock.call("chat:accept", {})["error"]["code"] == "at_capacity"


def test_already_taken(app, member, peer, new_api):
    on_duty_peer(app, "robin")
    browser = new_api()
    browser.login("robin")
    robin = Socket(app, browser)
    asked = member.call("chat:request")
    assert peer.call("chat:accept", {"conversation_id": asked["conversation_id"]})["ok"]
    assert robin.call("chat:accept", {"conversation_id": asked["conversation_id"]})["error"]["code"] == "already_taken"


def race(app, peer_ids: list[int], conversation_id: int) -> list[str]:
    """Every peer accepts `conversation_id` at the same instant; returns the outcomes."""
    outcomes: list[str] = []
    barrier = threading.Barrier(len(peer_ids))

    def take(peer_id: int) -> None:
        with app.app_context():
            peer = db.session.get(User, peer_id)
            barrier.wait()
            try:
                chat.accept(peer, conversation_id)
                outcomes.append("won")
            except Exception as error:
                outcomes.append(getattr(error, "code", repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(p,)) for p in peer_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_accept_race_in_threads(app, member, new_api):
    """Two peers accept the same conversation at the same instant, 20 times."""
    peers = [on_duty_peer(app, name, capacity=50) for name in ("pat", "robin")]
    consoles = []
    for name in ("pat", "robin"):  # available means a console is open
        browser = new_api()
        browser.login(name)
        consoles.append(Socket(app, browser))
    with app.app_context():
        member_id = db.session.scalar(sa.select(User.id).where(User.username.is_(None)))
    for _ in range(20):
        with app.app_context():
            conversation_id = chat.request_chat(db.session.get(User, member_id), "race").conversation.id
        assert sorted(race(app, peers, conversation_id)) == ["already_taken", "won"]
        with app.app_context():
            chat.end(db.session.get(User, member_id), conversation_id)


def test_peer_gone_past_grace_requeues_to_the_front(app, member, peer, new_api, monkeypatch):
    conversation_id = start_conversation(member, peer)
    other = new_api()
    other.join()
    waiting = Socket(app, other)
    waiting.call("chat:request")
    peer.disconnect()
    assert member.events("presence") == [{"conversation_id": conversation_id, "who": "peer", "connected": False}]
    with app.app_context():
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=30))["peer_gone"] == []
        done = sweeper.run_once(now=clock.now() + timedelta(seconds=61))
    assert done["peer_gone"] == [conversation_id]
    assert member.events("chat:requeued") == [{"conversation_id": conversation_id, "reason": "peer_disconnected"}]
    assert member.events("chat:queued")[-1]["position"] == 1  # ahead of the member who was already waiting
    assert waiting.events("chat:queued")[-1]["position"] == 2


def test_peer_back_within_grace_keeps_the_conversation(app, member, peer, new_api):
    conversation_id = start_conversation(member, peer)
    peer.disconnect()
    browser = new_api()
    browser.login("pat")
    again = Socket(app, browser)
    assert member.events("presence")[-1] == {"conversation_id": conversation_id, "who": "peer", "connected": True}
    with app.app_context():
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=120))["peer_gone"] == []
    assert again.call("message:send", {"conversation_id": conversation_id, "client_id": "p", "body": "back"})["ok"]


def test_member_gone_past_grace_ends_as_member_left(app, member, peer):
    conversation_id = start_conversation(member, peer)
    peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p", "body": "Hello, I'm Pat."})
    member.disconnect()
    assert peer.events("presence") == [{"conversation_id": conversation_id, "who": "member", "connected": False}]
    with app.app_context():
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=299))["member_left"] == []
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=301))["member_left"] == [conversation_id]
    assert peer.events("chat:ended") == [
        {"conversation_id": conversation_id, "reason": "member_left", "ended_by": "system"}
    ]


def test_unanswered_chat_goes_back_and_on_call_is_told(app, member, peer, new_api):
    casey = make_staff(app, "casey", "coordinator")
    put_on_shift(app, casey, "on_call_coordinator")
    browser = new_api()
    browser.login("casey")
    coordinator = Socket(app, browser)
    conversation_id = start_conversation(member, peer)
    with app.app_context():
        done = sweeper.run_once(now=clock.now() + timedelta(seconds=181))
    assert done["unanswered"] == [conversation_id]
    assert peer.events("chat:released") == [{"conversation_id": conversation_id, "reason": "unanswered"}]
    assert coordinator.events("coordinator:alert")[0]["conversation_id"] == conversation_id
    # Answered in time: it stays.
    taken = peer.call("chat:accept", {})
    assert taken["ok"]
    peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p", "body": "hi"})
    with app.app_context():
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=400))["unanswered"] == []


def test_the_sweeper_runs_in_one_process_at_a_time(app):
    with app.app_context():
        now = clock.now()
        assert sweeper.run_once("process-a", now) is not None
        assert sweeper.run_once("process-b", now) is None
        assert sweeper.run_once("process-a", now + timedelta(seconds=5)) is not None
        # process-a stops renewing; after the lease runs out process-b takes over.
        assert sweeper.run_once("process-b", now + timedelta(seconds=26)) is not None


def test_a_dead_process_loses_its_presence(app, member, peer):
    conversation_id = start_conversation(member, peer)
    from warmline.models import LiveSocket

    with app.app_context():
        db.session.execute(
            sa.update(LiveSocket)
            .where(
                LiveSocket.user_id
                == db.session.scalar(sa.select(Conversation.peer_id).where(Conversation.id == conversation_id))
            )
            .values(process_id="dead-one")
        )
        db.session.commit()
        now = clock.now()
        sweeper.heartbeat("dead-one", now - timedelta(minutes=5))
        done = sweeper.run_once(now=now)
        assert done["dead_process_users"]
        assert db.session.get(Conversation, conversation_id).peer_gone_since is not None


def test_messages_are_rate_limited_per_user(database_url, monkeypatch):
    from tests.conftest import TEST_CONFIG
    from tests.support import Api
    from warmline import create_app
    from warmline.realtime import ratelimit

    ratelimit.reset()
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "CHAT_MESSAGE_RATE": "5/minute",
        }
    )
    member_api = Api(app.test_client())
    member_api.join()
    on_duty_peer(app, "pat")
    peer_api = Api(app.test_client())
    peer_api.login("pat")
    member, peer = Socket(app, member_api), Socket(app, peer_api)
    conversation_id = start_conversation(member, peer)
    answers = [
        member.call("message:send", {"conversation_id": conversation_id, "client_id": str(i), "body": "x"})
        for i in range(6)
    ]
    assert [a["ok"] for a in answers] == [True] * 5 + [False]
    assert answers[-1]["error"]["code"] == "rate_limited"
    # Another person's budget is untouched.
    assert peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p", "body": "ok"})["ok"]
    with app.app_context():
        db.engine.dispose()


def test_transfer_hands_over_with_a_private_note(app, member, peer, new_api):
    conversation_id = start_conversation(member, peer)
    robin = on_duty_peer(app, "robin")
    browser = new_api()
    browser.login("robin")
    other = Socket(app, browser)
    answer = peer.call(
        "chat:transfer", {"conversation_id": conversation_id, "to_peer_id": robin, "note": "talked about work stress"}
    )
    assert answer["ok"], answer
    assigned = other.events("chat:assigned")[-1]
    assert assigned["handoff_note"] == "talked about work stress"
    member_sees = member.events("chat:assigned")[-1]
    assert member_sees == {"conversation_id": conversation_id, "peer_handle": "Robin"}
    assert peer.events("chat:released")[-1]["reason"] == "transferred"
    assert (
        peer.call("message:send", {"conversation_id": conversation_id, "client_id": "z", "body": "?"})["error"]["code"]
        == "forbidden"
    )
    assert other.call("message:send", {"conversation_id": conversation_id, "client_id": "z", "body": "Hi, I'm Robin"})[
        "ok"
    ]


def test_state_after_reconnect(app, member, peer):
    conversation_id = start_conversation(member, peer)
    state = member.call("chat:state")
    assert state["conversation"]["id"] == conversation_id and state["conversation"]["peer_handle"] == "Pat"
    peer_state = peer.call("chat:state")
    assert [c["id"] for c in peer_state["conversations"]] == [conversation_id]
    assert peer_state["available"] is True and peer_state["capacity"] == 2


def test_make_available_helper_needs_shift(app):
    user_id = make_staff(app, "sam", "peer")
    with pytest.raises(Exception, match="peer shift"):
        make_available(app, user_id)


def test_database_failure_is_never_acknowledged_as_stored(app, member, peer, monkeypatch):
    conversation_id = start_conversation(member, peer)

    def down(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(chat, "send_message", down)
    answer = member.call("message:send", {"conversation_id": conversation_id, "client_id": "x", "body": "hello"})
    assert answer["ok"] is False and answer["error"]["code"] == "unavailable"
    assert peer.events("message:new") == []


def test_queue_changes_close_together_share_one_snapshot(app, monkeypatch):
    from warmline.realtime import events

    sent = threading.Event()
    snapshots: list[int] = []

    def send() -> None:
        snapshots.append(1)
        sent.set()

    monkeypatch.setattr(events.queue_fan_out, "send", send)
    app.config["QUEUE_UPDATE_DELAY_MS"] = 500
    with app.app_context():
        for _ in range(5):
            events.queue_changed()
    assert sent.wait(timeout=10)
    assert snapshots == [1]
    sent.clear()
    with app.app_context():
        events.queue_changed()  # a change after the snapshot schedules the next one
    assert sent.wait(timeout=10)
    assert snapshots == [1, 1]
