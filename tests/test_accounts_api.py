"""Members and staff signing in and out through the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.support import error_of, make_staff
from warmline.extensions import db
from warmline.models import AuthSession, User


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_member_joins_with_generated_handle_and_is_signed_in(api):
    body = api.join()
    assert body["ok"] is True
    member = body["member"]
    assert set(member) == {"id", "handle"}
    assert len(member["handle"]) >= 3 and member["handle"][0].isupper()
    code = body["recovery_code"]
    assert len(code.replace("-", "")) == 16
    me = api.get("/api/v1/me").get_json()
    assert me == {
        "ok": True,
        "user": {"id": member["id"], "username": None, "handle": member["handle"], "roles": ["member"]},
    }


def test_recovery_code_is_stored_only_as_a_hash(app, api):
    body = api.join()
    with app.app_context():
        user = db.session.get(User, body["member"]["id"])
        stored = user.recovery_code_hash
    assert body["recovery_code"] not in stored
    assert body["recovery_code"].replace("-", "") not in stored


def test_member_chooses_a_free_clean_handle(api, new_api):
    assert api.join("Quiet_Lake")["member"]["handle"] == "Quiet_Lake"
    response = new_api().post("/api/v1/members", {"handle": "quiet_lake"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "handle_taken"


def test_bad_handle_is_refused_with_the_field_named_and_nothing_created(app, api):
    before = count_users(app)
    for bad in ["Adm1n", "ab", "peer_helper", "Adm\u200bin", "x" * 40, "555 123 4567"]:
        response = api.post("/api/v1/members", {"handle": bad})
        assert response.status_code == 400, bad
        assert error_of(response)["field"] == "handle"
    assert count_users(app) == before
    assert api.get("/api/v1/me").status_code == 401


def test_recover_signs_in_on_another_device_and_uses_up_the_code(api, new_api):
    joined = api.join()
    handle, code = joined["member"]["handle"], joined["recovery_code"]
    phone = new_api()
    response = phone.post("/api/v1/members/recover", {"handle": handle.lower(), "recovery_code": code.lower()})
    assert response.status_code == 200
    body = response.get_json()
    assert body["member"] == joined["member"]
    assert body["recovery_code"] != code
    assert phone.get("/api/v1/me").get_json()["user"]["handle"] == handle
    # The old code is spent; the new one works.
    laptop = new_api()
    assert laptop.post("/api/v1/members/recover", {"handle": handle, "recovery_code": code}).status_code == 401
    assert (
        laptop.post("/api/v1/members/recover", {"handle": handle, "recovery_code": body["recovery_code"]}).status_code
        == 200
    )


def test_wrong_code_and_unknown_handle_get_the_same_answer(api, new_api):
    joined = api.join()
    wrong = new_api().post(
        "/api/v1/members/recover", {"handle": joined["member"]["handle"], "recovery_code": "AAAA-AAAA-AAAA-AAAA"}
    )
    unknown = new_api().post(
        "/api/v1/members/recover", {"handle": "NoSuchOtter1", "recovery_code": "AAAA-AAAA-AAAA-AAAA"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert error_of(wrong) == error_of(unknown)


def test_staff_login_me_and_roles(app, api):
    make_staff(app, "pat", "peer", "moderator", handle="Pat")
    user = api.login("pat")
    assert user["username"] == "pat" and user["roles"] == ["moderator", "peer"] and user["handle"] == "Pat"
    assert api.get("/api/v1/me").get_json()["user"] == user


def test_wrong_password_and_unknown_user_get_the_same_answer(app, api):
    make_staff(app, "pat", "peer")
    wrong = api.post("/api/v1/login", {"username": "pat", "password": "wrong password!"})
    unknown = api.post("/api/v1/login", {"username": "nobody", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 401
    assert error_of(wrong) == error_of(unknown)


def test_logout_revokes_the_cookie_even_if_replayed(app, api):
    make_staff(app, "pat", "peer")
    api.login("pat")
    stolen = api.client.get_cookie("warmline_session").value
    api.logout()
    assert api.get("/api/v1/me").status_code == 401
    replay = app.test_client()
    replay.set_cookie("warmline_session", stolen)
    response = replay.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_signed_in"


def test_logout_ends_only_this_sign_in(app, api, new_api):
    make_staff(app, "pat", "peer")
    other = new_api()
    api.login("pat")
    other.login("pat")
    api.logout()
    assert other.get("/api/v1/me").status_code == 200


def test_disabled_account_and_role_change_revoke_sessions(app, api, new_api, runner):
    make_staff(app, "pat", "peer")
    make_staff(app, "sam", "peer")
    other = new_api()
    api.login("pat")
    other.login("sam")
    assert runner.invoke(args=["users", "disable", "pat"]).exit_code == 0
    assert api.get("/api/v1/me").status_code == 401
    assert api.post("/api/v1/login", {"username": "pat", "password": "correct horse battery"}).status_code == 401
    assert runner.invoke(args=["users", "set-roles", "sam", "--role", "coordinator"]).exit_code == 0
    assert other.get("/api/v1/me").status_code == 401
    assert other.login("sam")["roles"] == ["coordinator"]


def test_expired_session_is_refused(app, api):
    api.join()
    with app.app_context():
        db.session.execute(sa.update(AuthSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
    assert api.get("/api/v1/me").status_code == 401


def test_missing_csrf_token_is_400_in_the_contract_shape(client):
    response = client.post("/api/v1/members", json={})
    assert response.status_code == 400
    assert error_of(response)["code"] == "csrf_failed"


def test_oversized_body_is_413(app, api):
    before = count_users(app)
    response = api.post("/api/v1/members", {"handle": "x" * (200 * 1024)})
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert count_users(app) == before


def test_unknown_field_and_wrong_type_are_named(api):
    response = api.post("/api/v1/members", {"email": "a@b.c"})
    assert response.status_code == 400 and error_of(response)["field"] == "email"
    response = api.post("/api/v1/login", {"username": 5, "password": "x"})
    assert response.status_code == 400 and error_of(response)["field"] == "username"
    response = api.client.post(
        "/api/v1/login", data="not json", headers={"X-CSRFToken": api.csrf_token, "Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_signed_in_member_cannot_join_again(api):
    api.join()
    response = api.post("/api/v1/members")
    assert response.status_code == 409


def test_no_client_address_is_stored_anywhere(app, api, new_api):
    api.join("Calm_River")
    address = "203.0.113.77"
    other = new_api()
    other.client.environ_base["REMOTE_ADDR"] = address
    other.join()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).all():
                assert address not in repr(row), table.name
                assert "127.0.0.1" not in repr(row), table.name
