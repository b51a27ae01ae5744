"""The quick exit locks this browser: the API answers 423 `locked` and pages show the unlock
screen until the member's PIN (5 tries) or recovery code (not used up) opens it."""

from __future__ import annotations

import pytest

from tests.support import error_of
from warmline.extensions import db
from warmline.models import AuthSession, User
from warmline.services import device_lock


def quick_exit(api) -> dict:
    response = api.post("/api/v1/me/quick-exit")
    assert response.status_code == 200
    return response.get_json()


def test_quick_exit_locks_this_browser_only(api, new_api):
    joined = api.join()
    other = new_api()
    assert (
        other.post(
            "/api/v1/members/recover", {"handle": joined["member"]["handle"], "recovery_code": joined["recovery_code"]}
        ).status_code
        == 200
    )
    assert quick_exit(api) == {"ok": True, "locked": True}

    me = api.get("/api/v1/me")
    assert me.status_code == 423
    assert error_of(me)["code"] == "locked"
    assert error_of(me)["unlock"] == {"pin": False, "pin_tries_left": 0}
    # Everything else of theirs is locked too, pages included: the unlock screen, no handle.
    assert api.get("/api/v1/me/conversations").status_code == 423
    page = api.get("/chat")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This device is locked" in text and joined["member"]["handle"] not in text
    # The member's other device is untouched.
    assert other.get("/api/v1/me").status_code == 200


def test_recovery_code_unlocks_without_being_used_up(api, new_api):
    joined = api.join()
    code = joined["recovery_code"]
    quick_exit(api)
    wrong = api.post("/api/v1/me/unlock", {"recovery_code": "AAAA-BBBB-CCCC-DDDD"})
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "bad_credentials"
    assert api.get("/api/v1/me").status_code == 423

    response = api.post("/api/v1/me/unlock", {"recovery_code": code.lower().replace("-", " ")})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["handle"] == joined["member"]["handle"]
    assert api.get("/api/v1/me").status_code == 200
    # The same code still signs in elsewhere.
    assert (
        new_api()
        .post("/api/v1/members/recover", {"handle": joined["member"]["handle"], "recovery_code": code})
        .status_code
        == 200
    )


def test_pin_unlocks_and_five_wrong_tries_leave_only_the_recovery_code(app, api):
    joined = api.join()
    assert api.put("/api/v1/me/pin", {"pin": "12ab"}).status_code == 400
    assert api.put("/api/v1/me/pin", {"pin": "2468"}).status_code == 200
    with app.app_context():
        stored = db.session.get(User, joined["member"]["id"]).pin_hash
    assert stored and "2468" not in stored

    quick_exit(api)
    assert error_of(api.get("/api/v1/me"))["unlock"] == {"pin": True, "pin_tries_left": 5}
    assert api.post("/api/v1/me/unlock", {"pin": "2468"}).status_code == 200
    assert api.get("/api/v1/me").status_code == 200

    quick_exit(api)
    for left in (4, 3, 2, 1, 0):
        wrong = api.post("/api/v1/me/unlock", {"pin": "0000"})
        assert wrong.status_code == 401
        assert error_of(wrong)["pin_tries_left"] == left
    # The right PIN no longer opens it: only the recovery code does.
    refused = api.post("/api/v1/me/unlock", {"pin": "2468"})
    assert refused.status_code == 423 and error_of(refused)["code"] == "pin_locked"
    assert api.get("/api/v1/me").status_code == 423
    assert api.post("/api/v1/me/unlock", {"recovery_code": joined["recovery_code"]}).status_code == 200
    # The recovery code gives the PIN its tries back.
    quick_exit(api)
    assert api.post("/api/v1/me/unlock", {"pin": "2468"}).status_code == 200


def test_stay_signed_in_on_this_device_makes_the_quick_exit_only_leave(api):
    api.join()
    assert api.put("/api/v1/me/device", {"keep_signed_in": True}).status_code == 200
    assert quick_exit(api) == {"ok": True, "locked": False}
    assert api.get("/api/v1/me").status_code == 200
    assert api.put("/api/v1/me/device", {"keep_signed_in": False}).status_code == 200
    assert quick_exit(api)["locked"] is True
    assert api.get("/api/v1/me").status_code == 423


def test_unlock_screen_pages_unlock_and_forget(api, client):
    joined = api.join()
    quick_exit(api)
    page = client.get("/forums")
    assert page.status_code == 200 and "This device is locked" in page.get_data(as_text=True)
    wrong = client.post("/unlock", data={"csrf_token": api.csrf_token, "recovery_code": "nope", "next": "/forums"})
    assert wrong.status_code == 401 and "did not work" in wrong.get_data(as_text=True)
    right = client.post(
        "/unlock", data={"csrf_token": api.csrf_token, "recovery_code": joined["recovery_code"], "next": "/forums"}
    )
    assert right.status_code == 302 and right.headers["Location"].endswith("/forums")
    assert "This device is locked" not in client.get("/forums").get_data(as_text=True)

    quick_exit(api)
    forgotten = client.post("/unlock/forget", data={"csrf_token": api.csrf_token})
    assert forgotten.status_code == 302
    assert api.get("/api/v1/me").status_code == 401


def test_unlocking_what_is_not_locked_is_a_conflict(api):
    api.join()
    response = api.post("/api/v1/me/unlock", {"recovery_code": "x"})
    assert response.status_code == 409 and error_of(response)["code"] == "not_locked"


def test_quick_exit_when_signed_out_is_harmless(api):
    assert quick_exit(api) == {"ok": True, "locked": False}


def test_service_locks_the_session_row(app, api):
    joined = api.join()
    with app.app_context():
        member = db.session.get(User, joined["member"]["id"])
        session_id = db.session.scalar(db.select(AuthSession.id).where(AuthSession.user_id == member.id))
        assert device_lock.quick_exit(member, session_id) is True
        assert db.session.get(AuthSession, session_id).locked_at is not None
        with pytest.raises(Exception, match="PIN is 4 to 8 digits"):
            device_lock.set_pin(member, "123")


def test_quick_exit_in_a_chat_tells_the_peer_at_once_and_closes_the_members_socket(app, api, new_api):
    from tests.chat_support import Socket, on_duty_peer
    from warmline.models import Conversation

    api.join()
    member = Socket(app, api)
    on_duty_peer(app, "pat")
    peer_browser = new_api()
    peer_browser.login("pat")
    peer = Socket(app, peer_browser)
    asked = member.call("chat:request", {"topic": "rough day"})
    assert peer.call("chat:accept", {"conversation_id": asked["conversation_id"]})["ok"]

    assert quick_exit(api)["locked"] is True
    assert peer.events("chat:quick-exit") == [{"conversation_id": asked["conversation_id"]}]
    # The member's socket is closed: the grace period runs as when a member goes away, and
    # nothing they sent is lost.
    with app.app_context():
        conversation = db.session.get(Conversation, asked["conversation_id"])
        assert conversation.status == "active" and conversation.member_gone_since is not None
    assert not member.client.is_connected("/chat")
    # A locked browser cannot open a new socket either.
    from warmline.extensions import socketio

    again = socketio.test_client(
        app, namespace="/chat", flask_test_client=api.client, auth={"csrf_token": api.csrf_token}
    )
    assert not again.is_connected("/chat")


def test_escape_is_the_quick_exit_on_member_pages_only(app, api, new_api):
    from tests.chat_support import on_duty_peer

    for path in ["/", "/join", "/forums", "/chat", "/guidelines"]:
        assert "<body data-member-page" in api.get(path).get_data(as_text=True), path
    on_duty_peer(app, "pat")
    peer = new_api()
    peer.login("pat")
    for path in ["/console", "/shifts/mine"]:
        page = peer.get(path).get_data(as_text=True)
        assert "data-member-page" not in page and 'id="quick-exit"' in page, path
    from warmline import ROOT

    script = (ROOT / "static/js/site.js").read_text()
    assert 'hasAttribute("data-member-page")' in script and "keepalive: true" in script
