"""Programme reports: the contract's definitions on hand-built conversations at known times
(boundaries at exactly S seconds, range edges, midnight and a DST change in the
organisation's zone), the CSV, and statement counts that do not grow with the data."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.report_support import conversation, utc
from tests.support import make_staff
from warmline import clock
from warmline.extensions import db
from warmline.models import User
from warmline.services import accounts, escalations, reports


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def member() -> int:
    user, _ = accounts.create_member()
    db.session.commit()
    return user.id


def contacts(start: str, end: str) -> dict:
    return reports.contacts(reports.make_range(start, end))


def boundary_day(peer_id: int) -> None:
    """1 October 2026 in New York (EDT, UTC-4): local midnight is 04:00 UTC."""
    m = member()
    ten = utc("2026-10-01T14:00:00")
    conversation(m, ten, answered_after=60, ended_after=600, peer_id=peer_id)  # within SL exactly
    conversation(m, ten, answered_after=61, ended_after=300, peer_id=peer_id)  # one second late
    conversation(m, ten, ended_after=30)  # waited exactly 30 s: abandoned
    conversation(m, ten, ended_after=29)  # short-abandoned
    conversation(m, ten, gone_after=10, ended_after=310)  # lost connection at 10 s: short
    conversation(m, ten, gone_after=45, ended_after=345)  # left at 45 s: abandoned
    conversation(m, ten)  # still waiting: offered only
    conversation(m, utc("2026-10-01T04:00:00"), answered_after=30, peer_id=peer_id)  # the range's first instant
    conversation(m, utc("2026-10-02T04:00:00"), answered_after=5, ended_after=50, peer_id=peer_id)  # its end: out
    conversation(m, utc("2026-10-01T03:59:59.999999"), ended_after=100)  # just before: out
    db.session.commit()


def test_contract_definitions_at_the_boundaries(ctx):
    peer = make_staff(ctx, "pat", "peer")
    boundary_day(peer)
    found = contacts("2026-10-01", "2026-10-02")
    assert found["from"] == "2026-10-01T04:00:00+00:00" and found["to"] == "2026-10-02T04:00:00+00:00"
    assert (found["offered"], found["answered"], found["abandoned"], found["short_abandoned"]) == (8, 3, 2, 2)
    assert found["answer_rate"] == 0.375
    assert found["abandonment_rate"] == 0.25
    assert found["service_level"] == 0.25  # 60 s and 30 s; 61 s is not within 60
    assert found["average_speed_to_answer_seconds"] == pytest.approx((60 + 61 + 30) / 3, abs=0.05)
    assert found["average_handle_seconds"] == pytest.approx((540 + 239) / 2, abs=0.05)  # the open one is left out
    assert found["speed_to_answer_p90_seconds"] == 61


def test_thresholds_are_settings(ctx):
    peer = make_staff(ctx, "pat", "peer")
    boundary_day(peer)
    ctx.config.update(SHORT_ABANDON_SECONDS=45, SERVICE_LEVEL_SECONDS=30)
    found = contacts("2026-10-01", "2026-10-02")
    assert (found["abandoned"], found["short_abandoned"]) == (1, 3)  # only the 45 s wait
    assert found["service_level"] == 0.125  # only the 30 s answer


def test_an_empty_range_has_null_rates(ctx):
    found = contacts("2026-10-01", "2026-10-02")
    assert found["offered"] == 0
    assert found["answer_rate"] is None and found["abandonment_rate"] is None and found["service_level"] is None
    assert found["average_speed_to_answer_seconds"] is None
    assert len(found["by_hour"]) == 168 and all(cell["offered"] == 0 for cell in found["by_hour"])
    assert found["survey"]["responses"] == 0 and found["survey"]["response_rate"] is None


def cell(report: dict, weekday: int, hour: int) -> tuple[int, int]:
    [found] = [c for c in report["by_hour"] if (c["weekday"], c["hour"]) == (weekday, hour)]
    return found["offered"], found["answered"]


def test_a_conversation_spanning_local_midnight_belongs_to_its_request_day(ctx):
    peer = make_staff(ctx, "pat", "peer")
    m = member()
    # 23:59:30 on Thursday 1 October in New York is already 2 October in UTC.
    conversation(m, utc("2026-10-02T03:59:30"), answered_after=20, ended_after=900, peer_id=peer)
    db.session.commit()
    thursday = contacts("2026-10-01", "2026-10-02")
    assert thursday["offered"] == 1 and cell(thursday, 3, 23) == (1, 1)
    assert contacts("2026-10-02", "2026-10-03")["offered"] == 0
    [day] = reports.ContactsReport(reports.make_range("2026-10-01", "2026-10-03")).by_period("day")
    assert day["period"] == "2026-10-01" and day["offered"] == 1


def test_the_day_the_clocks_fall_back(ctx):
    """1 November 2026: 01:00-02:00 happens twice in New York; the local day has 25 hours."""
    m = member()
    for moment in (
        "2026-11-01T04:30:00",  # 00:30 EDT
        "2026-11-01T05:30:00",  # 01:30 EDT
        "2026-11-01T06:30:00",  # 01:30 EST, the second time
        "2026-11-02T04:30:00",  # 23:30 EST, still Sunday
        "2026-11-02T05:00:00",  # Monday's midnight: out
    ):
        conversation(m, utc(moment))
    db.session.commit()
    report_range = reports.make_range("2026-11-01", "2026-11-02")
    assert report_range.end - report_range.start == timedelta(hours=25)
    assert len(report_range.offset_segments()) == 2
    found = contacts("2026-11-01", "2026-11-02")
    assert found["offered"] == 4
    assert cell(found, 6, 0) == (1, 0) and cell(found, 6, 1) == (2, 0) and cell(found, 6, 23) == (1, 0)
    days = reports.ContactsReport(reports.make_range("2026-10-31", "2026-11-03")).by_period("day")
    assert [(d["period"], d["offered"]) for d in days] == [("2026-11-01", 4), ("2026-11-02", 1)]


def test_spring_forward_segments(ctx):
    report_range = reports.make_range("2026-03-08", "2026-03-09")
    assert report_range.end - report_range.start == timedelta(hours=23)
    [(_, change, before), (_, _, after)] = report_range.offset_segments()
    assert change == utc("2026-03-08T07:00:00") and (before, after) == (-5 * 3600, -4 * 3600)


def test_weeks_months_and_peers(ctx):
    peer = make_staff(ctx, "pat", "peer")
    other = make_staff(ctx, "sam", "peer")
    m = member()
    conversation(m, utc("2026-09-30T15:00:00"), answered_after=10, ended_after=70, peer_id=peer)  # Wed
    conversation(m, utc("2026-10-01T03:00:00"), answered_after=10, ended_after=70, peer_id=other)  # Wed 23:00 local
    conversation(m, utc("2026-10-05T15:00:00"), ended_after=100)  # Monday
    db.session.commit()
    report = reports.ContactsReport(reports.make_range("2026-09-28", "2026-10-12"))
    assert [(w["period"], w["offered"]) for w in report.by_period("week")] == [("2026-09-28", 2), ("2026-10-05", 1)]
    assert [(m["period"], m["offered"]) for m in report.by_period("month")] == [("2026-09", 2), ("2026-10", 1)]
    assert [(p["peer_id"], p["answered"]) for p in report.by_peer()] == [(peer, 1), (other, 1)]


def test_escalations_counted_and_broken_down(ctx):
    peer_id = make_staff(ctx, "pat", "peer")
    m = member()
    first = conversation(m, utc("2026-10-01T14:00:00"), answered_after=10, peer_id=peer_id)
    outside = conversation(m, utc("2026-09-01T14:00:00"), answered_after=10, peer_id=peer_id)
    db.session.commit()
    peer = db.session.get(User, peer_id)
    escalations.escalate(peer, first.id, "moderate", "safety_plan", "", None)
    escalations.escalate(peer, first.id, "low", "supervisor_consult", "", None)
    escalations.escalate(peer, outside.id, "low", "supervisor_consult", "", None)
    found = contacts("2026-10-01", "2026-10-02")
    assert found["escalations"] == 2
    assert {(e["risk"], e["action"], e["count"]) for e in found["escalations_by"]} == {
        ("moderate", "safety_plan", 1),
        ("low", "supervisor_consult", 1),
    }


def test_range_parsing(ctx):
    r = reports.make_range("2026-10-01T10:00:00+00:00", "2026-10-01T12:00")  # the second is local
    assert r.start == utc("2026-10-01T10:00:00") and r.end == utc("2026-10-01T16:00:00")
    for bad in (("2026-10-02", "2026-10-01"), ("yesterday", None), ("2026-01-01", "2027-06-01")):
        with pytest.raises(Exception) as caught:
            reports.make_range(*bad)
        assert getattr(caught.value, "code", None) == "invalid"


def test_csv_has_one_row_per_conversation_and_nothing_identifying(ctx):
    peer = make_staff(ctx, "pat", "peer")
    boundary_day(peer)
    handles = list(db.session.scalars(sa.select(User.handle)))
    text = reports.contacts_csv(reports.make_range("2026-10-01", "2026-10-02"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 8
    assert "member_id" not in rows[0] and "topic" not in rows[0]
    assert not any(h in text for h in handles if h)
    outcomes = sorted(r["outcome"] for r in rows)
    assert outcomes == sorted(["answered"] * 3 + ["abandoned"] * 2 + ["short_abandoned"] * 2 + ["waiting"])
    first = rows[0]
    assert first["requested_at_utc"] == "2026-10-01T04:00:00+00:00" and first["local_date"] == "2026-10-01"
    assert first["local_hour"] == "0" and first["weekday"] == "Thursday" and first["wait_seconds"] == "30.0"


def count_statements(run) -> int:
    seen = []

    def listener(*_args):
        seen.append(1)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_statements_do_not_grow_with_the_conversations(ctx):
    peer = make_staff(ctx, "pat", "peer")
    m = member()
    report_range = reports.make_range("2026-10-01", "2026-11-01")

    def everything():
        reports.contacts(report_range)
        report = reports.ContactsReport(report_range)
        report.by_period("day"), report.by_period("month"), report.by_peer(), report.wait_distribution()
        reports.contacts_csv(report_range)

    def add(n: int) -> None:
        for i in range(n):
            conversation(m, utc("2026-10-03T14:00:00") + timedelta(hours=i), answered_after=20, peer_id=peer)
        db.session.commit()

    add(2)
    few = count_statements(everything)
    add(40)
    assert count_statements(everything) == few


def test_api_contacts_and_csv(app, api):
    make_staff(app, "casey", "coordinator")
    with app.app_context():
        peer = make_staff(app, "pat", "peer")
        boundary_day(peer)
    api.login("casey")
    body = api.get("/api/v1/reports/contacts?from=2026-10-01&to=2026-10-02").get_json()
    assert body["ok"] is True and body["offered"] == 8 and body["answered"] == 3
    assert set(body) >= {
        "from", "to", "offered", "answered", "abandoned", "short_abandoned", "answer_rate", "abandonment_rate",
        "service_level", "average_speed_to_answer_seconds", "average_handle_seconds", "escalations", "by_hour",
        "survey",
    }  # fmt: skip
    assert set(body["by_hour"][0]) == {"weekday", "hour", "offered", "answered"}
    assert set(body["survey"]) >= {"responses", "helped", "felt_heard", "would_otherwise"}
    response = api.get("/api/v1/reports/contacts.csv?from=2026-10-01&to=2026-10-02")
    assert response.mimetype == "text/csv" and response.data.decode().count("\r\n") == 9
    bad = api.get("/api/v1/reports/contacts?from=2026-10-02&to=2026-10-01")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid"


def test_programme_report_notes_staffing_forums_and_demand(ctx):
    from warmline.models import AvailabilityInterval, ContactNote, Shift, UnmetRequest
    from warmline.services import coding

    peer = make_staff(ctx, "pat", "peer")
    m = member()
    # A four-hour peer shift, 10:00-14:00 local; switched on 10:30-13:30 (and after the shift).
    db.session.add(
        Shift(user_id=peer, role="peer", starts_at=utc("2026-10-01T14:00:00"), ends_at=utc("2026-10-01T18:00:00"))
    )
    db.session.add(
        AvailabilityInterval(user_id=peer, started_at=utc("2026-10-01T14:30:00"), ended_at=utc("2026-10-01T17:30:00"))
    )
    db.session.add(
        AvailabilityInterval(user_id=peer, started_at=utc("2026-10-01T19:00:00"), ended_at=utc("2026-10-01T20:00:00"))
    )
    one = conversation(m, utc("2026-10-01T15:00:00"), answered_after=30, ended_after=30 + 1800, peer_id=peer)
    two = conversation(m, utc("2026-10-01T16:00:00"), answered_after=30, ended_after=30 + 900, peer_id=peer)
    db.session.add(UnmetRequest(requested_at=utc("2026-10-02T02:15:00")))  # 22:15 Thursday local
    db.session.commit()
    housing = coding.add_code("topic", "Housing")
    lonely = coding.add_code("topic", "Loneliness")
    warm = coding.add_code("referral", "988 warm hand-off")
    for conv, codes, start, end, referral in (
        (one, [housing, lonely, warm], 7, 4, ""),
        (two, [housing], 5, 5, "food bank"),
    ):
        note = ContactNote(
            conversation_id=conv.id, peer_id=peer, referral=referral, distress_start=start, distress_end=end
        )
        db.session.add(note)
        coding.set_note_codes(note, [c.id for c in codes])
    db.session.commit()
    found = reports.programme(reports.make_range("2026-10-01", "2026-10-02"), with_peers=True)
    assert found["repeat_members"] == 1
    assert found["notes"]["topics"] == [
        {"label": "Housing", "conversations": 2},
        {"label": "Loneliness", "conversations": 1},
    ]
    assert found["notes"]["referrals"] == [{"label": "988 warm hand-off", "conversations": 1}]
    assert found["notes"]["conversations_with_referral"] == 2
    assert found["notes"]["distress"] == {"rated": 2, "mean_start": 6.0, "mean_end": 4.5, "mean_change": -1.5}
    assert found["staffing"] == {
        "scheduled_peer_hours": 4.0,
        "available_hours": 3.0,  # the time switched on after the shift does not count
        "conversation_hours": 0.75,
        "utilisation": 0.25,
    }
    assert found["demand"] == {"closed_requests": 1, "closed_by_hour": [{"weekday": 3, "hour": 22, "requests": 1}]}
    assert found["by_peer"][0]["handle"] and found["by_peer"][0]["answered"] == 2
    assert found["forums"]["new_threads"] == 0 and found["forums"]["median_first_reply_seconds"] is None


def test_availability_history_and_closed_requests_are_recorded(app, api):
    from tests.chat_support import put_on_shift
    from warmline.models import AvailabilityInterval, UnmetRequest

    with app.app_context():
        peer = make_staff(app, "pat", "peer")
        put_on_shift(app, peer)
        user = db.session.get(User, peer)
        from warmline.services import roster

        roster.set_available(user, True)
        roster.set_available(user, True)  # still one interval
        roster.set_available(user, False)
        intervals = list(db.session.scalars(sa.select(AvailabilityInterval)))
        assert len(intervals) == 1 and intervals[0].ended_at is not None
        db.session.execute(sa.delete(AvailabilityInterval))
        from warmline.models import Shift

        db.session.execute(sa.update(Shift).values(cancelled_at=clock.now()))  # the line closes
        db.session.commit()
    api.join()
    from tests.chat_support import Socket

    answer = Socket(app, api).call("chat:request", {"topic": ""})
    assert answer["ok"] is False and answer["error"]["code"] == "closed"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UnmetRequest)) == 1


def test_thresholds_from_the_environment(monkeypatch, tmp_path):
    from warmline.config import from_environment

    monkeypatch.setenv("WARMLINE_SHORT_ABANDON_SECONDS", "20")
    monkeypatch.setenv("WARMLINE_SERVICE_LEVEL_SECONDS", "90")
    monkeypatch.setenv("WARMLINE_REPORT_SMALL_CELL_RULE", "false")
    monkeypatch.setenv("SECRET_KEY", "x")
    found = from_environment(tmp_path)
    assert (found["SHORT_ABANDON_SECONDS"], found["SERVICE_LEVEL_SECONDS"], found["REPORT_SMALL_CELL_RULE"]) == (
        20,
        90,
        False,
    )
