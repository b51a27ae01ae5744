"""The shift pages: a coordinator sees gaps and closes them; a peer sees their schedule,
asks for changes and switches availability."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.support import PASSWORD, make_staff
from tests.test_security import audit_page
from warmline import clock
from warmline.services import hours


def sign_in(app, username: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    # Signing in gave the session a new token, as the next page would carry it.
    return client, client.get("/api/v1/csrf").get_json()["csrf_token"]


def local_today(app):
    with app.app_context():
        return clock.now().astimezone(hours.zone()).date()


def test_coordinator_closes_a_visible_gap(app):
    make_staff(app, "casey", "coordinator")
    pat = make_staff(app, "pat", "peer")
    client, token = sign_in(app, "casey")
    weekly = "09:00-17:00"
    saved = client.post(
        "/shifts/settings",
        data={
            "csrf_token": token,
            "min_peers": "1",
            "timezone": "America/New_York",
            **{f"day{d}": weekly for d in range(7)},
        },
    )
    assert saved.status_code == 302
    tomorrow = local_today(app) + timedelta(days=1)
    html = client.get(f"/shifts?week={tomorrow.isoformat()}").get_data(as_text=True)
    assert audit_page(html) == []
    assert "Gap 09:00–17:00" in html
    created = client.post(
        "/shifts/new",
        data={
            "csrf_token": token,
            "peer_id": str(pat),
            "role": "peer",
            "date": tomorrow.isoformat(),
            "start": "09:00",
            "end": "17:00",
        },
    )
    assert created.status_code == 302
    html = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Shift added for pat." in html
    day_section = html.split(tomorrow.strftime("%A %d %b"))[1].split("</section>")[0]
    assert "09:00–17:00 pat" in day_section and "Gap" not in day_section


def test_form_errors_keep_what_was_typed(app):
    make_staff(app, "casey", "coordinator")
    morgan = make_staff(app, "morgan", "moderator")
    client, token = sign_in(app, "casey")
    response = client.post(
        "/shifts/new",
        data={
            "csrf_token": token,
            "peer_id": str(morgan),
            "role": "peer",
            "date": "2026-12-01",
            "start": "09:00",
            "end": "17:00",
            "note": "cover for Sam",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "does not hold the peer role" in html and 'value="cover for Sam"' in html and 'value="2026-12-01"' in html


def test_edit_and_cancel_pages(app):
    make_staff(app, "casey", "coordinator")
    pat = make_staff(app, "pat", "peer")
    robin = make_staff(app, "robin", "peer")
    client, token = sign_in(app, "casey")
    client.post(
        "/shifts/new",
        data={
            "csrf_token": token,
            "peer_id": str(pat),
            "role": "peer",
            "date": "2026-12-01",
            "start": "18:00",
            "end": "22:00",
        },
    )
    html = client.get("/shifts?week=2026-12-01").get_data(as_text=True)
    edit_path = re.search(r'href="(/shifts/\d+/edit)"', html).group(1)
    form = client.get(edit_path).get_data(as_text=True)
    assert 'value="18:00"' in form and 'value="22:00"' in form
    client.post(
        edit_path,
        data={
            "csrf_token": token,
            "peer_id": str(robin),
            "role": "peer",
            "date": "2026-12-01",
            "start": "18:00",
            "end": "23:00",
        },
    )
    assert "18:00–23:00 robin" in client.get("/shifts?week=2026-12-01").get_data(as_text=True)
    client.post(edit_path.replace("edit", "cancel"), data={"csrf_token": token})
    assert (
        "robin"
        not in client.get("/shifts?week=2026-12-01").get_data(as_text=True).split("By day")[1].split("By person")[0]
    )


def test_template_page_reports_conflicts(app):
    make_staff(app, "casey", "coordinator")
    pat = make_staff(app, "pat", "peer")
    client, token = sign_in(app, "casey")
    client.post(
        "/shifts/new",
        data={
            "csrf_token": token,
            "peer_id": str(pat),
            "role": "peer",
            "date": "2026-12-07",
            "start": "19:00",
            "end": "20:00",
        },
    )
    html = client.post(
        "/shifts/template",
        data={
            "csrf_token": token,
            "peer_id": str(pat),
            "role": "peer",
            "weekdays": ["0"],
            "start": "18:00",
            "end": "22:00",
            "from": "2026-11-30",
            "to": "2026-12-14",
        },
    ).get_data(as_text=True)
    assert "Created 2 shifts." in html and "2026-12-07" in html


def test_peer_schedule_request_and_availability(app):
    make_staff(app, "casey", "coordinator")
    pat = make_staff(app, "pat", "peer")
    coordinator, ctoken = sign_in(app, "casey")
    today = local_today(app)
    with app.app_context():
        start = (clock.now() - timedelta(hours=1)).astimezone(hours.zone())
    coordinator.post(
        "/shifts/new",
        data={
            "csrf_token": ctoken,
            "peer_id": str(pat),
            "role": "peer",
            "date": start.date().isoformat(),
            "start": start.strftime("%H:00"),
            "end": (start + timedelta(hours=3)).strftime("%H:00"),
        },
    )
    coordinator.post(
        "/shifts/new",
        data={
            "csrf_token": ctoken,
            "peer_id": str(pat),
            "role": "peer",
            "date": (today + timedelta(days=3)).isoformat(),
            "start": "09:00",
            "end": "12:00",
        },
    )
    peer, token = sign_in(app, "pat")
    html = peer.get("/shifts/mine").get_data(as_text=True)
    assert audit_page(html) == []
    assert "Start taking chats" in html and "/shifts/calendar/" in html
    peer.post("/shifts/availability", data={"csrf_token": token, "available": "on"})
    assert "You are <strong>available</strong>" in peer.get("/shifts/mine").get_data(as_text=True)
    shift_ids = re.findall(r'action="/shifts/(\d+)/request"', html)
    peer.post(f"/shifts/{shift_ids[-1]}/request", data={"csrf_token": token, "kind": "drop", "note": "exam"})
    assert "<strong>pending</strong>" in peer.get("/shifts/mine").get_data(as_text=True)
    roster = coordinator.get("/shifts").get_data(as_text=True)
    assert "pat asks to drop" in roster and "exam" in roster
    request_id = re.search(r'action="/shifts/requests/(\d+)/decide"', roster).group(1)
    coordinator.post(f"/shifts/requests/{request_id}/decide", data={"csrf_token": ctoken, "decision": "approve"})
    assert "<strong>approved</strong>" in peer.get("/shifts/mine").get_data(as_text=True)


def test_peers_see_the_roster_but_not_the_forms(app):
    make_staff(app, "pat", "peer")
    peer, _ = sign_in(app, "pat")
    html = peer.get("/shifts").get_data(as_text=True)
    assert "By day" in html and "Add a shift" not in html
    assert peer.get("/shifts/settings").status_code == 403
