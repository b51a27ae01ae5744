"""The staff accounts contract over HTTP: /api/v1/staff, invites, credentials, two-factor."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from tests.support import PASSWORD, error_of, make_staff
from warmline import clock

USER_KEYS = {"id", "username", "handle", "roles", "enabled", "chat_capacity"}


@pytest.fixture
def admin(app, new_api):
    make_staff(app, "ada", "admin")
    api = new_api()
    api.login("ada")
    return api


@pytest.fixture
def coordinator(app, new_api):
    make_staff(app, "cora", "coordinator")
    api = new_api()
    api.login("cora")
    return api


def add(api, username="newbie", roles=("peer",), **extra):
    return api.post("/api/v1/staff", {"username": username, "roles": list(roles), **extra})


def test_adding_a_person_answers_the_user_and_an_invite_url(admin, new_api):
    response = add(admin, handle="Newbie", chat_capacity=1)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body["user"]) == USER_KEYS
    assert body["user"] | {"id": 0} == {
        "id": 0,
        "username": "newbie",
        "handle": "Newbie",
        "roles": ["peer"],
        "enabled": True,
        "chat_capacity": 1,
    }
    url = body["invite_url"]
    assert url.startswith("http://localhost/invite/")
    token = url.rsplit("/", 1)[1]

    invitee = new_api()
    assert invitee.get(f"/invite/{token}").status_code == 200
    weak = invitee.post(f"/api/v1/invites/{token}", {"password": "short"})
    assert weak.status_code == 400
    accepted = invitee.post(f"/api/v1/invites/{token}", {"password": "a long enough password"})
    assert accepted.status_code == 200 and accepted.get_json()["user"]["username"] == "newbie"
    assert invitee.get("/api/v1/me").get_json()["user"]["username"] == "newbie"
    again = new_api().post(f"/api/v1/invites/{token}", {"password": "a long enough password"})
    assert again.status_code == 404 and error_of(again)["code"] == "invite_not_found"
    assert add(admin).status_code == 409 and error_of(add(admin))["code"] == "username_taken"


def test_a_new_invite_voids_the_old_and_invites_expire(admin, new_api, monkeypatch):
    first = add(admin).get_json()
    user_id, old = first["user"]["id"], first["invite_url"].rsplit("/", 1)[1]
    response = admin.post(f"/api/v1/staff/{user_id}/invite")
    assert response.status_code == 201
    new = response.get_json()["invite_url"].rsplit("/", 1)[1]
    assert error_of(new_api().post(f"/api/v1/invites/{old}", {"password": PASSWORD}))["code"] == "invite_not_found"
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=73))
    late = new_api().post(f"/api/v1/invites/{new}", {"password": PASSWORD})
    assert late.status_code == 410 and error_of(late)["code"] == "invite_expired"


def test_coordinators_grant_peer_and_moderator_only(app, coordinator):
    for role in ("coordinator", "admin", "billing"):
        assert add(coordinator, f"new_{role}", ["peer", role]).status_code == 403
    assert add(coordinator, "newpeer", ["peer", "moderator"]).status_code == 201
    admin_id = make_staff(app, "ada", "admin")
    assert coordinator.patch(f"/api/v1/staff/{admin_id}", {"chat_capacity": 2}).status_code == 403
    assert coordinator.post(f"/api/v1/staff/{admin_id}/invite").status_code == 403


def test_listing_staff(app, admin):
    peer_id = make_staff(app, "pat", "peer")
    admin.post(f"/api/v1/staff/{peer_id}/credentials", {"kind": "npi", "number": "1234567890"})
    body = admin.get("/api/v1/staff").get_json()
    listed = {row["username"]: row for row in body["staff"]}
    assert set(listed) == {"ada", "pat"}
    assert set(listed["pat"]) >= USER_KEYS | {"credentials", "supervisor_id", "mfa_enabled"}
    assert listed["pat"]["credentials"][0]["number"] == "1234567890"
    assert listed["pat"]["mfa_enabled"] is False


def test_patch_roles_capacity_supervisor_enabled_and_the_last_admin(app, admin):
    peer_id = make_staff(app, "pat", "peer")
    coordinator_id = make_staff(app, "cora", "coordinator")
    response = admin.patch(
        f"/api/v1/staff/{peer_id}",
        {"roles": ["peer", "moderator"], "chat_capacity": 3, "supervisor_id": coordinator_id},
    )
    assert response.status_code == 200
    assert response.get_json()["user"]["roles"] == ["moderator", "peer"]
    assert response.get_json()["user"]["chat_capacity"] == 3
    cleared = admin.patch(f"/api/v1/staff/{peer_id}", {"chat_capacity": None}).get_json()["user"]
    assert cleared["chat_capacity"] is None
    assert admin.patch(f"/api/v1/staff/{peer_id}", {"enabled": False}).get_json()["user"]["enabled"] is False
    ada_id = admin.get("/api/v1/me").get_json()["user"]["id"]
    for change in ({"enabled": False}, {"roles": ["coordinator"]}):
        refused = admin.patch(f"/api/v1/staff/{ada_id}", change)
        assert refused.status_code == 409 and error_of(refused)["code"] == "last_admin"
    assert admin.patch(f"/api/v1/staff/{peer_id}", {"chat_capacity": 0}).status_code == 400
    assert admin.patch("/api/v1/staff/999999", {"enabled": True}).status_code == 404


def test_credentials(app, admin):
    peer_id = make_staff(app, "pat", "peer")
    today = clock.now().date()
    response = admin.post(
        f"/api/v1/staff/{peer_id}/credentials",
        {
            "kind": "certified_peer_specialist",
            "number": "CPS-42",
            "issuer": "PA Certification Board",
            "expires_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 201
    credential = response.get_json()["credential"]
    assert set(credential) >= {"id", "kind", "number", "issuer", "expires_on", "valid"}
    assert credential["valid"] is False  # expired yesterday
    bad = admin.post(f"/api/v1/staff/{peer_id}/credentials", {"kind": "npi", "expires_on": "2026-13-01"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "expires_on"
    assert credential["revoked_from"] is None
    revoke = f"/api/v1/staff/{peer_id}/credentials/{credential['id']}/revoke"
    assert error_of(admin.post(revoke, {"from": "someday"}))["field"] == "from"
    revoked = admin.post(revoke, {"from": today.isoformat()})
    assert revoked.status_code == 200 and revoked.get_json()["credential"]["revoked_from"] == today.isoformat()
    again = admin.post(revoke, {})
    assert again.status_code == 409 and error_of(again)["code"] == "already_revoked"
    assert admin.post(f"/api/v1/staff/{peer_id}/credentials/999999/revoke", {}).status_code == 404
    [person] = [p for p in admin.get("/api/v1/staff").get_json()["staff"] if p["id"] == peer_id]
    [listed] = person["credentials"]
    assert listed["revoked_from"] == today.isoformat() and listed["valid"] is False


def code_at(secret: str, moment) -> str:
    return pyotp.TOTP(secret).at(moment)


def enrol(api) -> tuple[str, list[str]]:
    started = api.post("/api/v1/me/mfa").get_json()
    assert started["otpauth_uri"].startswith("otpauth://totp/") and started["secret"] in started["otpauth_uri"]
    wrong = api.post("/api/v1/me/mfa/confirm", {"code": "000000"})
    assert wrong.status_code == 400 and error_of(wrong)["code"] == "invalid_code"
    confirmed = api.post("/api/v1/me/mfa/confirm", {"code": code_at(started["secret"], clock.now())})
    assert confirmed.status_code == 200, confirmed.get_json()
    return started["secret"], confirmed.get_json()["recovery_codes"]


def login(api, otp=None, username="pat"):
    return api.post("/api/v1/login", {"username": username, "password": PASSWORD, **({"otp": otp} if otp else {})})


def test_two_factor_sign_in_and_a_code_accepted_once(app, api, new_api, monkeypatch):
    make_staff(app, "pat", "peer")
    api.login("pat")
    secret, recovery = enrol(api)
    assert len(recovery) == 10
    assert error_of(login(new_api()))["code"] == "mfa_required"
    assert login(new_api()).status_code == 401
    assert error_of(login(new_api(), "123456"))["code"] == "mfa_required"

    later = clock.now() + timedelta(seconds=60)
    monkeypatch.setattr(clock, "now", lambda: later)
    code = code_at(secret, later)
    assert login(new_api(), code).status_code == 200
    assert error_of(login(new_api(), code))["code"] == "mfa_required"  # used once already

    assert login(new_api(), recovery[0]).status_code == 200
    assert login(new_api(), recovery[0]).status_code == 401

    refused = api.delete("/api/v1/me/mfa")
    assert refused.status_code == 400
    signed_in = new_api()
    assert login(signed_in, recovery[1]).status_code == 200
    off = signed_in._write("DELETE", "/api/v1/me/mfa", {"code": recovery[2]})
    assert off.status_code == 200
    assert login(new_api()).status_code == 200


def test_an_admin_resets_a_lost_device_and_can_require_two_factor(app, api, new_api, admin):
    peer_id = make_staff(app, "pat", "peer")
    api.login("pat")
    enrol(api)
    assert login(new_api()).status_code == 401
    assert admin.post(f"/api/v1/staff/{peer_id}/mfa/reset").status_code == 200
    assert login(new_api()).status_code == 200

    assert admin.client.put(
        "/api/v1/settings/two-factor", json={"required": True}, headers={"X-CSRFToken": admin.csrf_token}
    ).get_json() == {"ok": True, "required": True}
    fresh = new_api()
    answer = login(fresh).get_json()
    assert answer["mfa_setup_required"] is True
    blocked = fresh.get("/api/v1/staff")
    assert blocked.status_code == 403 and error_of(blocked)["code"] == "mfa_enrolment_required"
    page = fresh.get("/shifts")
    assert page.status_code == 302 and page.headers["Location"].endswith("/account/two-factor")
    assert fresh.get("/account/two-factor").status_code == 200
    enrol(fresh)
    assert fresh.get("/shifts").status_code == 200


def test_the_totp_secret_is_encrypted_at_rest(app, api):
    from warmline.extensions import db
    from warmline.models import User

    user_id = make_staff(app, "pat", "peer")
    api.login("pat")
    secret = api.post("/api/v1/me/mfa").get_json()["secret"]
    with app.app_context():
        stored = db.session.get(User, user_id).mfa_secret
    assert stored and secret not in stored


STAFF_ROUTES = [
    ("POST", "/api/v1/staff"),
    ("GET", "/api/v1/staff"),
    ("PATCH", "/api/v1/staff/1"),
    ("POST", "/api/v1/staff/1/invite"),
    ("POST", "/api/v1/staff/1/credentials"),
    ("GET", "/staff"),
    ("GET", "/staff/1"),
]


@pytest.mark.parametrize("role", ["member", "peer", "moderator", "billing"])
def test_staff_administration_is_for_coordinators_and_admins(app, new_api, role):
    api = new_api()
    if role == "member":
        api.join()
    else:
        make_staff(app, f"user_{role}", role)
        api.login(f"user_{role}")
    for method, path in STAFF_ROUTES + [("POST", "/api/v1/staff/1/mfa/reset"), ("PUT", "/api/v1/settings/two-factor")]:
        response = api.get(path) if method == "GET" else api._write(method, path, {})
        assert response.status_code == 403, (role, method, path)


def test_a_socket_waits_for_two_factor_enrolment_when_it_is_required(app, api, admin):
    from warmline.extensions import socketio

    make_staff(app, "pat", "peer")
    admin.client.put("/api/v1/settings/two-factor", json={"required": True}, headers={"X-CSRFToken": admin.csrf_token})
    api.login("pat")
    refused = socketio.test_client(
        app, namespace="/chat", flask_test_client=api.client, auth={"csrf_token": api.csrf_token}
    )
    assert not refused.is_connected("/chat")
    enrol(api)
    allowed = socketio.test_client(
        app, namespace="/chat", flask_test_client=api.client, auth={"csrf_token": api.csrf_token}
    )
    assert allowed.is_connected("/chat")
