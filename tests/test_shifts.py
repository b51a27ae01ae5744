"""Shifts: conflicts, bad input, templates (across DST), swaps and drops, coverage, status,
availability and the calendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.support import error_of, make_staff
from warmline import clock
from warmline.extensions import db
from warmline.models import Shift, ShiftEvent


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def staff(app):
    return {
        "casey": make_staff(app, "casey", "coordinator"),
        "pat": make_staff(app, "pat", "peer"),
        "robin": make_staff(app, "robin", "peer", "moderator"),
        "morgan": make_staff(app, "morgan", "moderator"),
    }


@pytest.fixture
def coordinator(api, staff):
    api.login("casey")
    return api


@pytest.fixture
def frozen(monkeypatch):
    """Moves the service clock: `frozen("2026-11-02T15:00:00+00:00")`."""

    def freeze(moment: str) -> datetime:
        value = at(moment)
        monkeypatch.setattr(clock, "now", lambda: value)
        return value

    return freeze


def add(api, peer_id, starts, ends, role="peer"):
    return api.post("/api/v1/shifts", {"peer_id": peer_id, "starts_at": starts, "ends_at": ends, "role": role})


def shift_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Shift))


def set_hours(api, weekly, **extra):
    response = api.client.put(
        "/api/v1/settings/hours", json={"weekly": weekly, **extra}, headers={"X-CSRFToken": api.csrf_token}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_create_list_and_conflict(app, coordinator, staff):
    created = add(coordinator, staff["pat"], "2026-12-01T18:00:00-05:00", "2026-12-01T22:00:00-05:00")
    assert created.status_code == 201
    shift = created.get_json()["shift"]
    assert shift["peer_id"] == staff["pat"] and shift["starts_at"] == "2026-12-01T23:00:00+00:00"
    overlapping = add(coordinator, staff["pat"], "2026-12-01T21:00:00-05:00", "2026-12-01T23:00:00-05:00")
    assert overlapping.status_code == 409
    assert error_of(overlapping)["code"] == "shift_conflict"
    assert error_of(overlapping)["conflicting_shift_id"] == shift["id"]
    # Back to back is not an overlap; another person at the same time is fine.
    assert add(coordinator, staff["pat"], "2026-12-01T22:00:00-05:00", "2026-12-01T23:00:00-05:00").status_code == 201
    assert add(coordinator, staff["robin"], "2026-12-01T18:00:00-05:00", "2026-12-01T22:00:00-05:00").status_code == 201
    listed = coordinator.get("/api/v1/shifts?from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z").get_json()
    assert [s["handle"] for s in listed["shifts"]] == ["pat", "robin", "pat"]


@pytest.mark.parametrize(
    "starts, ends, role, person, field",
    [
        ("2026-12-01T22:00:00Z", "2026-12-01T18:00:00Z", "peer", "pat", "ends_at"),
        ("2026-12-01T18:00:00Z", "2026-12-01T18:00:00Z", "peer", "pat", "ends_at"),
        ("2026-12-01T00:00:00Z", "2026-12-02T00:00:01Z", "peer", "pat", "ends_at"),
        ("2026-12-01T18:00:00", "2026-12-01T22:00:00Z", "peer", "pat", "starts_at"),
        ("2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z", "peer", "morgan", "peer_id"),
        ("2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z", "on_call_coordinator", "pat", "peer_id"),
        ("2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z", "chef", "pat", "role"),
    ],
)
def test_bad_shifts_are_refused_and_nothing_written(app, coordinator, staff, starts, ends, role, person, field):
    response = add(coordinator, staff[person], starts, ends, role)
    assert response.status_code == 400
    assert error_of(response)["field"] == field
    assert shift_count(app) == 0


def test_edit_and_cancel_keep_history(app, coordinator, staff):
    shift = add(coordinator, staff["pat"], "2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z").get_json()["shift"]
    edited = coordinator.patch(
        f"/api/v1/shifts/{shift['id']}", {"peer_id": staff["robin"], "ends_at": "2026-12-01T23:00:00Z"}
    )
    assert edited.status_code == 200 and edited.get_json()["shift"]["handle"] == "robin"
    assert coordinator.delete(f"/api/v1/shifts/{shift['id']}").get_json()["shift"]["cancelled"] is True
    listed = coordinator.get("/api/v1/shifts?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z").get_json()["shifts"]
    assert listed == []
    with app.app_context():
        actions = list(db.session.scalars(sa.select(ShiftEvent.action).order_by(ShiftEvent.id)))
    assert actions == ["created", "edited", "cancelled"]
    # A cancelled shift frees the time.
    assert add(coordinator, staff["pat"], "2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z").status_code == 201


def test_template_creates_across_dst_and_reports_conflicts(app, coordinator, staff):
    add(coordinator, staff["pat"], "2026-10-25T17:00:00-04:00", "2026-10-25T19:00:00-04:00")
    response = coordinator.post(
        "/api/v1/shifts/template",
        {
            "peer_id": staff["pat"],
            "role": "peer",
            "weekdays": [6],
            "start": "18:00",
            "end": "22:00",
            "from": "2026-10-19",
            "to": "2026-11-08",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    # Sunday 25 Oct conflicts; 1 Nov (EST, the day the clocks fell back) and 8 Nov are made.
    assert [c["date"] for c in body["conflicts"]] == ["2026-10-25"]
    assert "conflicting_shift_id" in body["conflicts"][0]
    assert [(s["starts_at"], s["ends_at"]) for s in body["created"]] == [
        ("2026-11-01T23:00:00+00:00", "2026-11-02T03:00:00+00:00"),
        ("2026-11-08T23:00:00+00:00", "2026-11-09T03:00:00+00:00"),
    ]


def test_template_overnight_and_bad_input(app, coordinator, staff):
    body = coordinator.post(
        "/api/v1/shifts/template",
        {
            "peer_id": staff["robin"],
            "weekdays": [4],
            "start": "22:00",
            "end": "02:00",
            "from": "2026-12-04",
            "to": "2026-12-04",
        },
    ).get_json()
    assert [(s["starts_at"], s["ends_at"]) for s in body["created"]] == [
        ("2026-12-05T03:00:00+00:00", "2026-12-05T07:00:00+00:00")
    ]
    bad = coordinator.post(
        "/api/v1/shifts/template",
        {
            "peer_id": staff["robin"],
            "weekdays": [9],
            "start": "22:00",
            "end": "02:00",
            "from": "2026-12-04",
            "to": "2026-12-04",
        },
    )
    assert bad.status_code == 400 and error_of(bad)["field"] == "weekdays"


def test_a_wall_time_that_does_not_exist_is_refused(app, coordinator, staff):
    response = coordinator.post(
        "/api/v1/shifts/template",
        {
            "peer_id": staff["pat"],
            "weekdays": [6],
            "start": "02:30",
            "end": "05:00",
            "from": "2027-03-14",
            "to": "2027-03-14",
        },
    )
    assert response.get_json()["created"] == []
    assert "does not exist" in response.get_json()["conflicts"][0]["reason"]


def test_coverage_gaps_in_a_dst_week(app, coordinator, staff):
    set_hours(coordinator, {str(d): [["09:00", "17:00"]] for d in range(7)})
    coordinator.post(
        "/api/v1/shifts/template",
        {
            "peer_id": staff["pat"],
            "weekdays": [0, 1, 2, 3, 4, 5, 6],
            "start": "09:00",
            "end": "17:00",
            "from": "2026-10-26",
            "to": "2026-11-01",
        },
    )
    coordinator.post(
        "/api/v1/shifts/template",
        {
            "peer_id": staff["casey"],
            "role": "on_call_coordinator",
            "weekdays": [0, 1, 2, 3, 4, 5],
            "start": "09:00",
            "end": "17:00",
            "from": "2026-10-26",
            "to": "2026-11-01",
        },
    )
    week = "from=2026-10-26T00:00:00-04:00&to=2026-11-02T00:00:00-05:00"
    full = coordinator.get(f"/api/v1/coverage?{week}").get_json()
    assert full["gaps"] == []
    # Sunday 1 Nov has no on-call coordinator: 09:00-17:00 EST is 14:00-22:00 UTC.
    assert full["on_call_gaps"] == [
        {"starts_at": "2026-11-01T14:00:00+00:00", "ends_at": "2026-11-01T22:00:00+00:00", "on_shift": 0, "needed": 1}
    ]
    assert full["hours"][0] == {"starts_at": "2026-10-26T13:00:00+00:00", "ends_at": "2026-10-26T21:00:00+00:00"}
    saturday = next(
        s
        for s in coordinator.get(f"/api/v1/shifts?{week}").get_json()["shifts"]
        if s["starts_at"].startswith("2026-10-31")
    )
    coordinator.delete(f"/api/v1/shifts/{saturday['id']}")
    gaps = coordinator.get(f"/api/v1/coverage?{week}").get_json()["gaps"]
    assert gaps == [
        {"starts_at": "2026-10-31T13:00:00+00:00", "ends_at": "2026-10-31T21:00:00+00:00", "on_shift": 0, "needed": 1}
    ]


def test_minimum_peers_and_partial_cover(app, coordinator, staff):
    set_hours(coordinator, {"1": [["09:00", "17:00"]]}, min_peers=2, timezone="UTC")
    add(coordinator, staff["pat"], "2026-12-01T09:00:00Z", "2026-12-01T17:00:00Z")
    add(coordinator, staff["robin"], "2026-12-01T12:00:00Z", "2026-12-01T20:00:00Z")
    gaps = coordinator.get("/api/v1/coverage?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z").get_json()["gaps"]
    assert gaps == [
        {"starts_at": "2026-12-01T09:00:00+00:00", "ends_at": "2026-12-01T12:00:00+00:00", "on_shift": 1, "needed": 2}
    ]


def test_holiday_exception_closes_the_day(app, coordinator, staff):
    set_hours(coordinator, {str(d): [["09:00", "17:00"]] for d in range(7)}, timezone="UTC")
    assert (
        coordinator.post("/api/v1/settings/hours/exceptions", {"date": "2026-12-25", "note": "Christmas"}).status_code
        == 201
    )
    special = coordinator.post(
        "/api/v1/settings/hours/exceptions", {"date": "2026-12-24", "opens": "09:00", "closes": "12:00"}
    )
    assert special.status_code == 201
    hours = coordinator.get("/api/v1/coverage?from=2026-12-24T00:00:00Z&to=2026-12-27T00:00:00Z").get_json()["hours"]
    assert hours == [
        {"starts_at": "2026-12-24T09:00:00+00:00", "ends_at": "2026-12-24T12:00:00+00:00"},
        {"starts_at": "2026-12-26T09:00:00+00:00", "ends_at": "2026-12-26T17:00:00+00:00"},
    ]


def test_bad_hours_input(coordinator, staff):
    response = coordinator.client.put(
        "/api/v1/settings/hours", json={"timezone": "Mars/Olympus"}, headers={"X-CSRFToken": coordinator.csrf_token}
    )
    assert response.status_code == 400 and error_of(response)["field"] == "timezone"
    response = coordinator.client.put(
        "/api/v1/settings/hours",
        json={"weekly": {"0": [["17:00", "09:00"]]}},
        headers={"X-CSRFToken": coordinator.csrf_token},
    )
    assert response.status_code == 400


def test_status_open_closed_and_availability(app, new_api, staff, frozen):
    frozen("2026-12-01T15:00:00+00:00")
    coordinator = new_api()
    coordinator.login("casey")  # signed in at the frozen time, whatever today's date is
    status = new_api().get("/api/v1/status").get_json()
    assert status["open"] is False and status["next_open_at"] is None and status["peers_available"] == 0
    assert status["resources"][0]["call"] == "988"
    assert add(coordinator, staff["pat"], "2026-12-01T16:00:00Z", "2026-12-01T20:00:00Z").status_code == 201
    closed = new_api().get("/api/v1/status").get_json()
    assert closed["open"] is False and closed["next_open_at"] == "2026-12-01T16:00:00+00:00"
    peer = new_api()
    peer.login("pat")
    refused = peer.post("/api/v1/me/availability", {"available": True})
    assert refused.status_code == 409 and error_of(refused)["code"] == "not_on_shift"
    frozen("2026-12-01T17:00:00+00:00")
    assert peer.post("/api/v1/me/availability", {"available": True}).status_code == 200
    # Switched on but no console open: nobody could answer a chat, so nobody is available.
    assert new_api().get("/api/v1/status").get_json()["peers_available"] == 0
    from tests.chat_support import Socket

    console = Socket(app, peer)
    status = new_api().get("/api/v1/status").get_json()
    assert status == {
        **status,
        "open": True,
        "peers_on_shift": 1,
        "peers_available": 1,
        "queue_length": 0,
        "next_open_at": None,
    }
    # The shift ends: no longer available, with no timer involved.
    frozen("2026-12-01T20:00:00+00:00")
    status = new_api().get("/api/v1/status").get_json()
    assert status["open"] is False and status["peers_available"] == 0
    console.disconnect()


def test_drop_request_approved_opens_a_gap(app, new_api, staff, frozen):
    frozen("2026-11-30T12:00:00+00:00")
    coordinator = new_api()
    coordinator.login("casey")  # signed in at the frozen time, whatever today's date is
    set_hours(coordinator, {"1": [["18:00", "22:00"]]}, timezone="UTC")
    shift = add(coordinator, staff["pat"], "2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z").get_json()["shift"]
    peer = new_api()
    peer.login("pat")
    asked = peer.post(f"/api/v1/shifts/{shift['id']}/requests", {"kind": "drop", "note": "family event"})
    assert asked.status_code == 201
    again = peer.post(f"/api/v1/shifts/{shift['id']}/requests", {"kind": "drop"})
    assert again.status_code == 409
    request_id = asked.get_json()["request"]["id"]
    assert [r["id"] for r in coordinator.get("/api/v1/shift-requests?status=pending").get_json()["requests"]] == [
        request_id
    ]
    decided = coordinator.post(f"/api/v1/shift-requests/{request_id}/decision", {"approve": True})
    assert decided.get_json()["request"]["status"] == "approved"
    assert (
        coordinator.get("/api/v1/coverage?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z").get_json()["gaps"][0][
            "on_shift"
        ]
        == 0
    )
    assert peer.get("/api/v1/shift-requests").get_json()["requests"][0]["status"] == "approved"


def test_swap_request_reassigns_and_checks_conflicts(app, new_api, staff, frozen):
    frozen("2026-11-30T12:00:00+00:00")
    coordinator = new_api()
    coordinator.login("casey")  # signed in at the frozen time, whatever today's date is
    mine = add(coordinator, staff["pat"], "2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z").get_json()["shift"]
    peer = new_api()
    peer.login("pat")
    asked = peer.post(
        f"/api/v1/shifts/{mine['id']}/requests", {"kind": "swap", "swap_with_id": staff["robin"]}
    ).get_json()["request"]
    # Robin gets a clashing shift before the decision: approval is refused, the request stays.
    clash = add(coordinator, staff["robin"], "2026-12-01T20:00:00Z", "2026-12-01T23:00:00Z").get_json()["shift"]
    refused = coordinator.post(f"/api/v1/shift-requests/{asked['id']}/decision", {"approve": True})
    assert refused.status_code == 409 and error_of(refused)["code"] == "shift_conflict"
    assert coordinator.get(f"/api/v1/shifts/{mine['id']}").get_json()["shift"]["handle"] == "pat"
    coordinator.delete(f"/api/v1/shifts/{clash['id']}")
    approved = coordinator.post(f"/api/v1/shift-requests/{asked['id']}/decision", {"approve": True})
    assert approved.status_code == 200
    assert coordinator.get(f"/api/v1/shifts/{mine['id']}").get_json()["shift"]["handle"] == "robin"


def test_only_your_own_shift_and_no_swap_to_the_wrong_role(app, new_api, staff, frozen):
    frozen("2026-11-30T12:00:00+00:00")
    coordinator = new_api()
    coordinator.login("casey")  # signed in at the frozen time, whatever today's date is
    shift = add(coordinator, staff["pat"], "2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z").get_json()["shift"]
    other = new_api()
    other.login("robin")
    assert other.post(f"/api/v1/shifts/{shift['id']}/requests", {"kind": "drop"}).status_code == 403
    peer = new_api()
    peer.login("pat")
    wrong = peer.post(f"/api/v1/shifts/{shift['id']}/requests", {"kind": "swap", "swap_with_id": staff["morgan"]})
    assert wrong.status_code == 400 and error_of(wrong)["field"] == "swap_with_id"
    asked = peer.post(f"/api/v1/shifts/{shift['id']}/requests", {"kind": "drop"}).get_json()["request"]
    assert other.post(f"/api/v1/shift-requests/{asked['id']}/withdraw").status_code == 403
    assert peer.post(f"/api/v1/shift-requests/{asked['id']}/withdraw").get_json()["request"]["status"] == "withdrawn"
    declined = coordinator.post(f"/api/v1/shift-requests/{asked['id']}/decision", {"approve": False})
    assert declined.status_code == 409


def test_calendar_feed_token_is_secret_and_resettable(app, coordinator, new_api, staff):
    soon = clock.now().replace(microsecond=0) + timedelta(days=2)
    add(coordinator, staff["pat"], soon.isoformat(), (soon + timedelta(hours=4)).isoformat())
    peer = new_api()
    peer.login("pat")
    url = peer.get("/api/v1/me/calendar").get_json()["url"]
    path = url.split("localhost", 1)[1]
    feed = app.test_client().get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert f"DTSTART:{soon.astimezone(UTC):%Y%m%dT%H%M%SZ}" in feed.get_data(as_text=True)
    new_url = peer.post("/api/v1/me/calendar/reset").get_json()["url"]
    assert new_url != url
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/shifts/calendar/guess.ics").status_code == 404


def test_calendar_lists_upcoming_shifts(app, new_api, staff, frozen):
    frozen("2026-11-30T12:00:00+00:00")
    coordinator = new_api()
    coordinator.login("casey")  # signed in at the frozen time, whatever today's date is
    add(coordinator, staff["pat"], "2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z")
    peer = new_api()
    peer.login("pat")
    path = peer.get("/api/v1/me/calendar").get_json()["url"].split("localhost", 1)[1]
    text = app.test_client().get(path).get_data(as_text=True)
    assert "DTSTART:20261201T180000Z\r\nDTEND:20261201T220000Z" in text
    assert "SUMMARY:Warmline peer shift" in text and text.endswith("END:VCALENDAR\r\n")


def test_members_read_but_cannot_write(app, api, new_api, staff):
    api.join()
    assert api.get("/api/v1/shifts").status_code == 200
    assert api.get("/api/v1/coverage").status_code == 200
    refused = add(api, staff["pat"], "2026-12-01T18:00:00Z", "2026-12-01T22:00:00Z")
    assert refused.status_code == 403
    assert new_api().get("/api/v1/shifts").status_code == 401


def test_concurrent_creates_for_one_person_never_overlap(app, staff):
    """Two coordinators add overlapping shifts for the same peer at the same moment."""
    import threading

    from warmline.errors import WarmlineError
    from warmline.models import User
    from warmline.services import roster

    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def create(offset: int) -> None:
        with app.app_context():
            actor = db.session.get(User, staff["casey"])
            start = datetime(2026, 12, 1, 18, offset, tzinfo=UTC)
            barrier.wait()
            try:
                roster.create_shift(actor, staff["pat"], "peer", start, start + timedelta(hours=2))
                outcomes.append("created")
            except WarmlineError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create, args=(m,)) for m in (0, 30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["created", "shift_conflict"]
    assert shift_count(app) == 1
