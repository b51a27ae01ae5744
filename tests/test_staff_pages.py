"""The staff pages in the test client: a coordinator adds a peer (the invite link shown
once), the newcomer sets a password, the coordinator edits and disables; two-factor set-up
with a QR code drawn here; expiring credentials on the coordinators' landing page."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from tests.support import PASSWORD, make_staff
from tests.test_security import audit_page
from tests.test_shift_pages import sign_in
from warmline import clock
from warmline.extensions import db
from warmline.models import User
from warmline.services import staff


def page_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_coordinator_adds_a_peer_who_sets_a_password_then_is_disabled(app):
    make_staff(app, "cora", "coordinator")
    client, token = sign_in(app, "cora")
    page = client.get("/staff")
    assert page.status_code == 200 and audit_page(page.get_data(as_text=True)) == []
    assert 'value="admin"' not in page.get_data(as_text=True)  # not offered to a coordinator

    added = client.post(
        "/staff", data={"csrf_token": token, "username": "newbie", "roles": ["peer"], "chat_capacity": "1"}
    )
    assert added.status_code == 201
    text = added.get_data(as_text=True)
    url = html_lib.unescape(re.search(r'value="([^"]+/invite/[^"]+)"', text).group(1))
    assert "/invite/" in url
    assert "/invite/" not in client.get("/staff").get_data(as_text=True)  # shown once

    newcomer = app.test_client()
    path = url.split("localhost", 1)[1]
    invite_page = newcomer.get(path).get_data(as_text=True)
    assert "12 to 256 characters" in invite_page and audit_page(invite_page) == []
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', invite_page).group(1)
    differ = newcomer.post(path, data={"csrf_token": csrf, "password": PASSWORD, "confirm": PASSWORD + "x"})
    assert differ.status_code == 400
    done = newcomer.post(path, data={"csrf_token": csrf, "password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302
    assert newcomer.get("/api/v1/me").get_json()["user"]["username"] == "newbie"
    assert newcomer.get(path).status_code == 404  # used

    with app.app_context():
        newbie_id = db.session.scalar(db.select(User.id).where(User.username == "newbie"))
    edit = client.get(f"/staff/{newbie_id}")
    assert edit.status_code == 200 and audit_page(edit.get_data(as_text=True)) == []
    saved = client.post(
        f"/staff/{newbie_id}",
        data={"csrf_token": token, "roles": ["peer", "moderator"], "chat_capacity": "2", "supervisor_id": ""},
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(User, newbie_id).roles == ["moderator", "peer"]
    assert newcomer.get("/api/v1/me").status_code == 401  # the role change signed them out
    disabled = client.post(f"/staff/{newbie_id}/disable", data={"csrf_token": token})
    assert disabled.status_code == 302
    assert "disabled" in client.get(f"/staff/{newbie_id}").get_data(as_text=True)


def test_a_coordinator_cannot_edit_an_admin_from_the_pages(app):
    make_staff(app, "cora", "coordinator")
    admin_id = make_staff(app, "ada", "admin")
    client, token = sign_in(app, "cora")
    assert "Only an admin" in client.get(f"/staff/{admin_id}").get_data(as_text=True)
    assert client.post(f"/staff/{admin_id}/disable", data={"csrf_token": token}).status_code == 403


def test_two_factor_setup_page_draws_the_qr_code_and_login_asks_for_the_code(app):
    make_staff(app, "pat", "peer")
    client, token = sign_in(app, "pat")
    assert client.post("/account/two-factor/start", data={"csrf_token": token}).status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and audit_page(page) == []
    uri = html_lib.unescape(re.search(r'data-testid="otpauth-uri">([^<]+)<', page).group(1))
    code = pyotp.parse_uri(uri).now()
    confirmed = client.post("/account/two-factor/confirm", data={"csrf_token": token, "code": code})
    assert confirmed.status_code == 200 and 'data-testid="recovery-codes"' in confirmed.get_data(as_text=True)

    other = app.test_client()
    csrf = page_token(other, "/login")
    asked = other.post("/login", data={"csrf_token": csrf, "username": "pat", "password": PASSWORD})
    assert asked.status_code == 401 and 'name="otp"' in asked.get_data(as_text=True)
    later = clock.now() + timedelta(seconds=30)
    in_time = other.post(
        "/login",
        data={
            "csrf_token": csrf,
            "username": "pat",
            "password": PASSWORD,
            "otp": pyotp.parse_uri(uri).at(later),
        },
    )
    assert in_time.status_code == 302


def a_peer_with_credentials(app, *held: tuple[str, str, int]) -> tuple[int, list[int]]:
    """A coordinator (cora), an admin and a peer holding credentials (kind, number, days left)."""
    make_staff(app, "cora", "coordinator")
    admin_id = make_staff(app, "ada", "admin")
    peer_id = make_staff(app, "pat", "peer", handle="Pat")
    with app.app_context():
        today = clock.now().date()
        ada = db.session.get(User, admin_id)
        ids = [
            staff.add_credential(ada, peer_id, kind, number, "PA", today + timedelta(days=days)).id
            for kind, number, days in held
        ]
    return peer_id, ids


def test_expiring_credentials_show_on_the_coordinators_landing_page(app):
    a_peer_with_credentials(app, ("certified_peer_specialist", "CPS-7", 20), ("training", "", 200))
    client, _ = sign_in(app, "cora")
    roster = client.get("/shifts").get_data(as_text=True)
    assert 'data-testid="expiring-credentials"' in roster and "CPS-7" in roster and "Training" not in roster
    listing = client.get("/staff").get_data(as_text=True)
    assert "CPS-7" in listing and "until" in listing


def test_each_credential_shows_its_standing_on_the_list_and_the_persons_page(app):
    peer_id, _ = a_peer_with_credentials(app, ("certified_peer_specialist", "CPS-1", -5), ("training", "T-2", 30))
    with app.app_context():
        admin = db.session.execute(select(User).filter_by(username="ada")).scalar_one()
        staff.add_credential(admin, peer_id, "npi", "1234567893", "", None)
    client, _ = sign_in(app, "cora")
    until = (clock.now().date() + timedelta(days=30)).isoformat()
    page = client.get(f"/staff/{peer_id}").get_data(as_text=True)
    assert "CPS-1, PA: <strong>expired</strong>" in page and f"T-2, PA: valid until {until}" in page
    assert "1234567893: does not expire" in page and page.count('class="credential expired"') == 1
    listing = client.get("/staff").get_data(as_text=True)
    assert "CPS-1, <strong>expired</strong>" in listing and f"T-2, until {until}" in listing
    assert "PA" not in listing.split('data-testid="staff-pat"')[1].split("</tr>")[0]  # brief: no issuer


def test_an_admin_lands_on_the_staff_page_and_is_not_offered_the_console(app):
    make_staff(app, "ada", "admin")
    client = app.test_client()
    csrf = page_token(client, "/login")
    landed = client.post("/login", data={"csrf_token": csrf, "username": "ada", "password": PASSWORD})
    assert landed.headers["Location"].endswith("/staff")
    home = client.get("/chat").get_data(as_text=True)
    assert "/console" not in home and "/console" not in client.get("/staff").get_data(as_text=True)


def test_a_coordinator_revokes_a_credential_from_a_day_on_the_staff_page(app):
    peer_id, [credential_id] = a_peer_with_credentials(app, ("certified_peer_specialist", "CPS-9", 400))
    today = clock.now().date()
    client, _ = sign_in(app, "cora")
    page = client.get(f"/staff/{peer_id}").get_data(as_text=True)
    assert f'for="revoke-from-{credential_id}">Revoke from</label>' in page and "Revoke Certified" in page
    token = page_token(client, f"/staff/{peer_id}")
    path = f"/staff/{peer_id}/credentials/{credential_id}/revoke"
    bad = client.post(path, data={"csrf_token": token, "from": "not a day"})
    assert bad.status_code == 400 and "Pick a date." in bad.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": token, "from": today.isoformat()}, follow_redirects=True)
    shown = done.get_data(as_text=True)
    assert "Credential revoked." in shown and f"<strong>revoked</strong> from {today.isoformat()}" in shown
    assert f'id="revoke-from-{credential_id}"' not in shown  # nothing left to revoke
    again = client.post(path, data={"csrf_token": token, "from": today.isoformat()})
    assert again.status_code == 409 and "Already revoked" in again.get_data(as_text=True)
    assert "<strong>revoked</strong>" in client.get("/staff").get_data(as_text=True)
    assert audit_page(page) == []
