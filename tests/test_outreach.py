"""From a risky forum post to a peer: the post is held and urgent, the author is offered a
peer at once, one click puts them first in the chat queue at that risk."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.chat_support import Socket, on_duty_peer
from tests.support import make_staff
from warmline.extensions import db
from warmline.models import Conversation
from warmline.services import forums


def test_forum_to_chat_outreach_end_to_end(app, api, new_api):
    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
    make_staff(app, "morgan", "moderator")
    on_duty_peer(app, "pat")
    peer_api = new_api()
    peer_api.login("pat")
    peer = Socket(app, peer_api)
    waiting = new_api()
    waiting.join()
    assert Socket(app, waiting).call("chat:request", {"topic": "just lonely"})["ok"]

    api.join()
    page = api.client.get("/forums/daily-check-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    posted = api.client.post(
        "/forums/daily-check-in/threads",
        data={"csrf_token": token, "title": "can't anymore", "body": "I don't want to be alive anymore"},
        follow_redirects=True,
    )
    html = posted.get_data(as_text=True)
    assert "988" in html and "Talk to a peer now" in html and 'action="/chat/outreach"' in html

    moderator = new_api()
    moderator.login("morgan")
    item = moderator.get("/api/v1/moderation/queue").get_json()["items"][0]
    assert item["urgent"] is True and item["post"]["status"] == "pending"

    clicked = api.client.post("/chat/outreach", data={"csrf_token": token})
    assert clicked.status_code == 302 and clicked.headers["Location"] == "/chat"
    with app.app_context():
        conversation = db.session.scalar(sa.select(Conversation).where(Conversation.topic == "From the forums"))
        assert conversation.risk == "high" and conversation.status == "waiting"
    items = peer.events("queue:update")[-1]["items"]
    assert items[0]["topic"] == "From the forums" and items[0]["risk"] == "high"


def test_outreach_risk_comes_from_the_server_not_the_client(app, api):
    api.join()
    token = api.csrf_token
    on_duty_peer(app, "pat")
    api.client.post("/chat/outreach", data={"csrf_token": token, "risk": "imminent"})
    with app.app_context():
        assert db.session.scalar(sa.select(Conversation.risk)) == "none"
