"""Chat test helpers: staff on shift now, and Socket.IO test clients that share a browser's
HTTP sign-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support import Api, make_staff
from warmline import clock
from warmline.extensions import db, socketio
from warmline.models import User
from warmline.services import roster


def put_on_shift(app, user_id: int, role: str = "peer", hours: int = 4) -> None:
    with app.app_context():
        now = clock.now()
        roster.create_shift(None, user_id, role, now - timedelta(hours=1), now + timedelta(hours=hours))


def make_available(app, user_id: int) -> None:
    with app.app_context():
        roster.set_available(db.session.get(User, user_id), True)


def on_duty_peer(app, username: str = "pat", capacity: int | None = None) -> int:
    user_id = make_staff(app, username, "peer", handle=username.capitalize())
    if capacity is not None:
        with app.app_context():
            db.session.get(User, user_id).chat_capacity = capacity
            db.session.commit()
    put_on_shift(app, user_id)
    make_available(app, user_id)
    return user_id


class Socket:
    """A /chat test client: `call` answers the ack, `events(name)` drains what arrived."""

    def __init__(self, app, api: Api) -> None:
        self.client = socketio.test_client(
            app, namespace="/chat", flask_test_client=api.client, auth={"csrf_token": api.csrf_token}
        )
        assert self.client.is_connected("/chat")
        self._received: list[dict[str, Any]] = []

    def call(self, event: str, data: Any = None) -> dict[str, Any]:
        return self.client.emit(event, {} if data is None else data, namespace="/chat", callback=True)

    def events(self, name: str) -> list[Any]:
        self._received += self.client.get_received("/chat")
        picked = [e["args"][0] for e in self._received if e["name"] == name]
        self._received = [e for e in self._received if e["name"] != name]
        return picked

    def disconnect(self) -> None:
        self.client.disconnect("/chat")


class LiveChat:
    """A member talking with a peer on duty (test clients): both browsers and both sockets."""

    def __init__(self, app, new_api, topic: str = "rough day", peer: str = "pat") -> None:
        self.peer_id = on_duty_peer(app, peer)
        self.member_api = new_api()
        self.member_api.join()
        self.member = Socket(app, self.member_api)
        self.peer_api = new_api()
        self.peer_api.login(peer)
        self.peer = Socket(app, self.peer_api)
        self.conversation_id = self.member.call("chat:request", {"topic": topic})["conversation_id"]
        assert self.peer.call("chat:accept", {"conversation_id": self.conversation_id})["ok"]


def signed_in_staff(app, new_api, username: str, role: str) -> Api:
    make_staff(app, username, role, handle=username.capitalize())
    api = new_api()
    api.login(username)
    return api
