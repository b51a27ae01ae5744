"""The queue's one order (services/queue_order.py) with the members' connection state: the
list peers see, the members' positions and "accept next" agree, and a member who closed
their browser does not block one who is still there."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.chat_support import Socket, on_duty_peer
from warmline import clock
from warmline.extensions import db
from warmline.models import Conversation
from warmline.services import chat, sweeper


@pytest.fixture
def peer(app, new_api):
    on_duty_peer(app, "pat", capacity=5)
    browser = new_api()
    browser.login("pat")
    return Socket(app, browser)


@pytest.fixture
def ask(app, new_api):
    def ask(topic: str, danger: bool = False) -> tuple[Socket, int]:
        browser = new_api()
        browser.join()
        socket = Socket(app, browser)
        answer = socket.call("chat:request", {"topic": topic, "in_danger": danger})
        assert answer["ok"], answer
        return socket, answer["conversation_id"]

    return ask


def gone_for(app, conversation_id: int, seconds: int) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(member_gone_since=clock.now() - timedelta(seconds=seconds))
        )
        db.session.commit()


def test_connected_before_stepped_away_within_one_risk(app, peer, ask):
    b_socket, b = ask("asked first, then closed the browser")
    _, a = ask("still here")
    d_socket, d = ask("lost the connection a moment ago")
    c_socket, c = ask("in danger, then gone", danger=True)
    for socket in (b_socket, d_socket, c_socket):
        socket.disconnect()
    gone_for(app, b, 90)
    gone_for(app, d, 30)  # not yet stepped away: keeps their place
    gone_for(app, c, 90)  # risk comes before connection

    with app.app_context():
        snapshot = chat.queue_snapshot()
        assert [row.id for row in snapshot] == [c, a, d, b]
        items = {i["conversation_id"]: i for i in chat.queue_items(snapshot)}
        assert [chat.position_of(db.session.get(Conversation, i)) for i in (c, a, d, b)] == [1, 2, 3, 4]
    assert items[a]["connected"] is True and items[a]["stepped_away"] is False
    assert items[a]["stepped_away_since"] is None
    assert items[d]["connected"] is False and items[d]["stepped_away"] is False
    assert items[b]["connected"] is False and items[b]["stepped_away"] is True
    assert items[b]["stepped_away_since"] is not None

    assert peer.call("chat:accept", {})["conversation_id"] == c
    assert peer.call("chat:accept", {})["conversation_id"] == a  # not b, who asked earlier but left
    assert peer.call("chat:accept", {})["conversation_id"] == d
    assert peer.call("chat:accept", {})["conversation_id"] == b


def test_handed_back_still_comes_first(app, peer, ask):
    _, first = ask("waiting")
    _, second = ask("will be handed back")
    with app.app_context():
        conversation = db.session.get(Conversation, second)
        conversation.front_of_queue = True
        db.session.commit()
        assert [row.id for row in chat.queue_snapshot()] == [second, first]


def test_peers_hear_when_a_waiting_member_leaves_steps_away_and_returns(app, new_api, peer):
    browser = new_api()
    browser.join()
    member = Socket(app, browser)
    conversation_id = member.call("chat:request", {"topic": "hello"})["conversation_id"]
    assert peer.events("queue:update")[-1]["items"][0]["connected"] is True

    member.disconnect()
    item = peer.events("queue:update")[-1]["items"][0]
    assert (item["connected"], item["stepped_away"]) == (False, False)

    gone_for(app, conversation_id, 61)
    with app.app_context():
        sweeper.run_once(now=clock.now())
    item = peer.events("queue:update")[-1]["items"][0]
    assert (item["connected"], item["stepped_away"]) == (False, True)
    with app.app_context():  # the five-minute end still applies
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=300))["member_left"] == [conversation_id]

    assert peer.events("queue:update")[-1]["items"] == []


def test_the_stepped_away_limit_is_configurable(app, peer, ask):
    app.config["CHAT_STEPPED_AWAY"] = 10
    socket, early = ask("early")
    _, late = ask("late")
    socket.disconnect()
    gone_for(app, early, 20)
    with app.app_context():
        assert [row.id for row in chat.queue_snapshot()] == [late, early]
