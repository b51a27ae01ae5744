"""Connecting to /chat: signed in, with the CSRF token, from the site's own origin; a revoked
session loses its sockets at once."""

from __future__ import annotations

import time

import pytest
import socketio as socketio_client

from tests.servers import Browser, LiveServer
from tests.support import PASSWORD, make_staff
from warmline.extensions import socketio


def connect(app, api, token: str | None = None):
    return socketio.test_client(
        app,
        namespace="/chat",
        flask_test_client=api.client,
        auth={"csrf_token": api.csrf_token if token is None else token},
    )


def test_signed_in_member_connects(app, api):
    api.join()
    sock = connect(app, api)
    assert sock.is_connected("/chat")
    sock.disconnect("/chat")


def test_anonymous_is_refused(app, api):
    sock = connect(app, api)
    assert not sock.is_connected("/chat")


def test_bad_or_missing_csrf_token_is_refused(app, api):
    api.join()
    assert not connect(app, api, token="forged").is_connected("/chat")
    refused = socketio.test_client(app, namespace="/chat", flask_test_client=api.client)
    assert not refused.is_connected("/chat")


def test_logout_disconnects_that_sessions_sockets(app, api, new_api):
    make_staff(app, "pat", "peer")
    api.login("pat")
    other = new_api()
    other.login("pat")
    mine, theirs = connect(app, api), connect(app, other)
    assert mine.is_connected("/chat") and theirs.is_connected("/chat")
    api.logout()
    assert not mine.is_connected("/chat")
    assert theirs.is_connected("/chat")


def test_a_socket_revoked_without_its_close_stops_at_the_recheck(app, api, monkeypatch):
    """Socket events reuse the sign-in looked up at connect; a session revoked while its
    close message was lost (Redis down) stops working at the next recheck."""
    import sqlalchemy as sa

    from warmline import auth, clock
    from warmline.extensions import db
    from warmline.models import AuthSession

    make_staff(app, "pat", "peer")
    api.login("pat")
    sock = connect(app, api)
    recheck = app.config["SOCKET_SESSION_RECHECK"] + 1
    assert sock.emit("chat:state", {}, namespace="/chat", callback=True)["ok"]
    passed = time.monotonic() + recheck
    monkeypatch.setattr(auth, "_monotonic", lambda: passed)
    assert sock.emit("chat:state", {}, namespace="/chat", callback=True)["ok"]  # rechecked, still valid
    with app.app_context():  # revoked behind the sockets' back: nothing closes them
        db.session.execute(sa.update(AuthSession).values(revoked_at=clock.now()))
        db.session.commit()
    assert sock.emit("chat:state", {}, namespace="/chat", callback=True)["ok"]  # until the next recheck
    monkeypatch.setattr(auth, "_monotonic", lambda: passed + recheck)
    refused = sock.emit("chat:state", {}, namespace="/chat", callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "not_signed_in"


def test_disabling_an_account_disconnects_all_its_sockets(app, api, new_api, runner):
    make_staff(app, "pat", "peer")
    api.login("pat")
    other = new_api()
    other.login("pat")
    socks = [connect(app, api), connect(app, other)]
    assert runner.invoke(args=["users", "disable", "pat"]).exit_code == 0
    assert not any(s.is_connected("/chat") for s in socks)


def test_real_server_origin_csrf_and_revocation(app, database_url):
    """Over a real port under gevent: the checks hold, and logout closes the socket."""
    make_staff(app, "pat", "peer")
    with LiveServer(database_url) as server:
        anonymous = Browser(server.url)
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            anonymous.connect()
        peer = Browser(server.url)
        assert peer.login("pat", PASSWORD)["ok"]
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            peer.connect(origin="http://evil.example")
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            peer.connect(csrf_token="forged")
        peer.connect(origin=server.url).disconnect()  # the same Origin over polling is fine
        peer.disconnected.clear()
        peer.connect()
        assert peer.sio.connected
        assert peer.post("/api/v1/logout").status_code == 200
        assert peer.disconnected.wait(timeout=1.0), "socket not closed within a second of logout"
        peer.close()
        anonymous.close()


def test_a_sockets_kept_user_cannot_be_attached_to_a_session(app):
    """Socket events share the user kept at connect; attaching it would let one event's
    commit expire it under the others, so it is refused loudly."""
    from warmline.extensions import db
    from warmline.models import User

    with app.app_context():
        user = db.session.get(User, make_staff(app, "pat", "peer"))
        db.session.expunge(user)
        user._kept_for_socket = True  # noqa: SLF001  (as the user loader marks it)
        with pytest.raises(RuntimeError, match="shared by its events"):
            db.session.add(user)
