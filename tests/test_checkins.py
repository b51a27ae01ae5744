"""Follow-up check-ins: timing against the hours of operation, the member's request and
cancel, the peer's take and message (seen live and on the next visit), the coordinator's
list of those not taken within their shift, and the counts for reports. Continuity: the
offer to the same peer, its window and its risk rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.chat_support import LiveChat, Socket, on_duty_peer
from tests.support import error_of, make_staff
from warmline import clock
from warmline.errors import WarmlineError
from warmline.extensions import db
from warmline.models import Conversation, User
from warmline.services import checkins, continuity, hours, reports, sweeper

# A Tuesday, 15:00 in New York (EST, UTC-5).
TUESDAY_3PM = datetime(2026, 1, 6, 20, 0, tzinfo=UTC)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """January 2026, New York wall time -> UTC."""
    return (
        datetime(2026, 1, day, hour + 5, minute, tzinfo=UTC)
        if hour + 5 < 24
        else datetime(2026, 1, day + 1, hour - 19, minute, tzinfo=UTC)
    )


@pytest.fixture
def open_hours(app):
    """Open 09:00-17:00 Monday to Friday, closed at weekends."""
    with app.app_context():
        hours.set_weekly_hours({d: [(9 * 60, 17 * 60)] if d < 5 else [] for d in range(7)})
        yield


def test_tomorrow_evening_is_18_00_when_the_line_is_open_then(app):
    with app.app_context():
        hours.set_weekly_hours({d: [(8 * 60, 24 * 60)] for d in range(7)})
        assert checkins.due_time(TUESDAY_3PM, checkins.TOMORROW_EVENING) == local(7, 18)


def test_tomorrow_evening_moves_to_the_next_opening_when_closed(open_hours):
    # Wednesday 18:00 is after closing: Thursday 09:00.
    assert checkins.due_time(TUESDAY_3PM, checkins.TOMORROW_EVENING) == local(8, 9)
    # From Friday: Saturday evening is closed, and so is Sunday: Monday 09:00.
    assert checkins.due_time(local(9, 12), checkins.TOMORROW_EVENING) == local(12, 9)


def test_a_chosen_time_must_be_within_the_hours(open_hours):
    assert checkins.due_time(TUESDAY_3PM, at=local(7, 10, 30)) == local(7, 10, 30)
    with pytest.raises(WarmlineError) as closed:
        checkins.due_time(TUESDAY_3PM, at=local(10, 11))  # a Saturday
    assert closed.value.code == "outside_hours" and closed.value.extra["next_open_at"] == hours.iso(local(12, 9))
    with pytest.raises(WarmlineError) as late:
        checkins.due_time(TUESDAY_3PM, at=local(6, 20))  # Tuesday evening, after closing
    assert late.value.code == "outside_hours"
    with pytest.raises(WarmlineError, match="15 minutes"):
        checkins.due_time(TUESDAY_3PM, at=TUESDAY_3PM + timedelta(minutes=5))
    with pytest.raises(WarmlineError, match="14 days"):
        checkins.due_time(TUESDAY_3PM, at=local(26, 10))


def test_no_hours_at_all(app):
    with app.app_context(), pytest.raises(WarmlineError) as none:
        checkins.due_time(TUESDAY_3PM, checkins.TOMORROW_EVENING)
    assert none.value.code == "no_hours"


# The whole path, through the API ---------------------------------------------------------------


@pytest.fixture
def ended_chat(app, new_api):
    """A member whose chat with Pat just ended; the line open all day, every day."""
    with app.app_context():
        hours.set_weekly_hours({d: [(0, 24 * 60)] for d in range(7)})
    chat = LiveChat(app, new_api, topic="sleep")
    chat.member.call("chat:end", {"conversation_id": chat.conversation_id})
    member_api, member, peer_api, peer = chat.member_api, chat.member, chat.peer_api, chat.peer
    conversation_id, pat_id = chat.conversation_id, chat.peer_id
    return member_api, member, peer_api, peer, conversation_id, pat_id


def test_a_check_in_from_request_to_the_members_notice(app, ended_chat, monkeypatch):
    member_api, member, peer_api, peer, conversation_id, _ = ended_chat
    at = (clock.now() + timedelta(hours=2)).replace(microsecond=0)
    asked = member_api.post("/api/v1/me/checkins", {"conversation_id": conversation_id, "at": at.isoformat()})
    assert asked.status_code == 201, asked.get_json()
    checkin_id = asked.get_json()["checkin"]["id"]
    assert peer.events("checkin:requested") == [
        {"checkin_id": checkin_id, "conversation_id": conversation_id, "due_at": hours.iso(at)}
    ]
    again = member_api.post("/api/v1/me/checkins", {"conversation_id": conversation_id, "when": "tomorrow_evening"})
    assert again.status_code == 409 and error_of(again)["code"] == "checkin_exists"
    handoff = peer_api.client.put(
        f"/api/v1/checkins/{checkin_id}/handoff",
        json={"note": "Ask how the new bedtime routine went."},
        headers={"X-CSRFToken": peer_api.csrf_token},
    )
    assert handoff.status_code == 200, handoff.get_json()

    # Not in the queue before its time, and not to be taken.
    assert peer_api.get("/api/v1/checkins").get_json()["due"] == []
    assert error_of(peer_api.post(f"/api/v1/checkins/{checkin_id}/take"))["code"] == "not_due"

    later = at + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    due = peer_api.get("/api/v1/checkins").get_json()["due"]
    assert [(c["checkin_id"], c["kind"], c["earlier_peer"], c["handoff_note"]) for c in due] == [
        (checkin_id, "checkin", "Pat", "Ask how the new bedtime routine went.")
    ]
    taken = peer_api.post(f"/api/v1/checkins/{checkin_id}/take")
    assert taken.status_code == 200, taken.get_json()
    assert peer_api.get("/api/v1/checkins").get_json()["due"] == []
    # Taken: the member can no longer cancel it.
    assert error_of(member_api.delete(f"/api/v1/me/checkins/{checkin_id}"))["code"] == "not_cancellable"

    sent = peer_api.post(
        f"/api/v1/checkins/{checkin_id}/message", {"body": "Hi, checking in as promised. How was last night?"}
    )
    assert sent.status_code == 200, sent.get_json()
    live = member.events("checkin:message")
    assert [(m["id"], m["body"], m["peer_handle"]) for m in live] == [
        (checkin_id, "Hi, checking in as promised. How was last night?", "Pat")
    ]
    # The next visit shows it with a notice, once; the home page points there.
    assert "A peer checked in with you." in member_api.get("/").get_data(as_text=True)
    page = member_api.get("/chat").get_data(as_text=True)
    assert "A peer checked in with you" in page and "How was last night?" in page
    again = member_api.get("/chat").get_data(as_text=True)
    assert "A peer checked in with you." not in member_api.get("/").get_data(as_text=True)
    assert "How was last night?" not in again and '<section id="checkin-notice" class="panel notice" hidden' in again
    with app.app_context():
        counts = checkins.counts(later - timedelta(days=1), later + timedelta(days=1))
        assert counts == {"requested": 1, "completed": 1, "cancelled": 0, "open": 0}
        # The programme report counts them apart from chat requests.
        window = reports.make_range((later - timedelta(days=1)).isoformat(), (later + timedelta(days=1)).isoformat())
        assert reports.programme(window)["checkins"] == counts


def test_the_peers_on_shift_hear_when_a_check_in_falls_due_is_taken_or_cancelled(app, ended_chat, new_api, monkeypatch):
    member_api, _, peer_api, pat, conversation_id, _ = ended_chat
    on_duty_peer(app, "sam")
    sam_api = new_api()
    sam_api.login("sam")
    sam = Socket(app, sam_api)
    at = (clock.now() + timedelta(hours=2)).replace(microsecond=0)
    asked = member_api.post("/api/v1/me/checkins", {"conversation_id": conversation_id, "at": at.isoformat()})
    checkin_id = asked.get_json()["checkin"]["id"]
    assert sam.events("checkins:changed") == []  # not due: nothing new on their list

    with app.app_context():
        assert sweeper.run_once(now=at - timedelta(seconds=1))["checkins_fell_due"] is False
        assert sam.events("checkins:changed") == []
        assert sweeper.run_once(now=at + timedelta(seconds=1))["checkins_fell_due"] is True
    assert sam.events("checkins:changed") == [{}] and pat.events("checkins:changed") == [{}]
    with app.app_context():  # long past its moment, the sweeper says nothing more
        assert checkins.announce_fell_due(at + timedelta(minutes=5)) is False

    monkeypatch.setattr(clock, "now", lambda: at + timedelta(minutes=1))
    assert peer_api.post(f"/api/v1/checkins/{checkin_id}/take").status_code == 200
    assert sam.events("checkins:changed") == [{}]  # gone from Sam's list at once
    assert sam_api.get("/api/v1/checkins").get_json()["due"] == []
    peer_api.post(f"/api/v1/checkins/{checkin_id}/message", {"body": "Checking in."})
    assert pat.events("checkins:changed") == [{}, {}]  # taken, then written
    later = at + timedelta(hours=3)
    again = member_api.post("/api/v1/me/checkins", {"conversation_id": conversation_id, "at": later.isoformat()})
    assert member_api.delete(f"/api/v1/me/checkins/{again.get_json()['checkin']['id']}").status_code == 200
    assert sam.events("checkins:changed") == [{}, {}]  # written, then cancelled


def test_the_member_cancels_and_others_cannot(app, ended_chat, new_api):
    member_api, _, _, _, conversation_id, _ = ended_chat
    asked = member_api.post("/api/v1/me/checkins", {"conversation_id": conversation_id, "when": "tomorrow_evening"})
    assert asked.status_code == 201
    checkin_id = asked.get_json()["checkin"]["id"]
    stranger = new_api()
    stranger.join()
    assert stranger.delete(f"/api/v1/me/checkins/{checkin_id}").status_code == 404
    assert (
        stranger.post(
            "/api/v1/me/checkins", {"conversation_id": conversation_id, "when": "tomorrow_evening"}
        ).status_code
        == 403
    )
    assert member_api.delete(f"/api/v1/me/checkins/{checkin_id}").get_json()["checkin"]["status"] == "cancelled"
    assert [c["status"] for c in member_api.get("/api/v1/me/checkins").get_json()["checkins"]] == []
    # And from the page, without script.
    again = member_api.post("/api/v1/me/checkins", {"conversation_id": conversation_id, "when": "tomorrow_evening"})
    again_id = again.get_json()["checkin"]["id"]
    assert "Cancel this check-in" in member_api.get("/chat").get_data(as_text=True)
    cancelled = member_api.client.post(
        f"/chat/checkins/{again_id}/cancel", data={"csrf_token": member_api.csrf_token}, follow_redirects=True
    )
    assert "The check-in is cancelled." in cancelled.get_data(as_text=True)
    assert member_api.get("/api/v1/me/checkins").get_json()["checkins"] == []


def test_only_after_a_chat_with_a_peer(app, ended_chat, new_api):
    member_api, member, *_ = ended_chat
    open_one = member.call("chat:request", {"topic": "again"})["conversation_id"]
    refused = member_api.post("/api/v1/me/checkins", {"conversation_id": open_one, "when": "tomorrow_evening"})
    assert refused.status_code == 409 and error_of(refused)["code"] == "not_ended"


def test_due_but_not_taken_within_the_shift_goes_to_the_coordinator(app, ended_chat, new_api, monkeypatch):
    member_api, _, _, _, conversation_id, pat_id = ended_chat
    at = clock.now() + timedelta(hours=1)
    checkin_id = member_api.post(
        "/api/v1/me/checkins", {"conversation_id": conversation_id, "at": at.isoformat()}
    ).get_json()["checkin"]["id"]
    make_staff(app, "casey", "coordinator")
    coordinator = new_api()
    coordinator.login("casey")
    with app.app_context():
        # Pat's shift (on_duty_peer: until 4 hours from now) covers the due time: not missed yet.
        assert checkins.missed(at + timedelta(minutes=30)) == []
        # After that shift, with a new peer on from then, it was missed.
        later = clock.now() + timedelta(hours=5)
        from warmline.services import roster

        robin = make_staff(app, "robin", "peer")
        roster.create_shift(None, robin, "peer", later - timedelta(minutes=10), later + timedelta(hours=3))
        assert [c.id for c in checkins.missed(later)] == [checkin_id]
    monkeypatch.setattr(clock, "now", lambda: later)
    listed = coordinator.get("/api/v1/checkins").get_json()
    assert [c["checkin_id"] for c in listed["missed"]] == [checkin_id]
    assert f"check-in #{checkin_id}" in coordinator.get("/monitor").get_data(as_text=True)
    assert pat_id


# Continuity ----------------------------------------------------------------------------------


def test_continuity_offers_the_same_peer_first_for_two_minutes(app, new_api, monkeypatch):
    pat_id = on_duty_peer(app, "pat")
    robin_id = on_duty_peer(app, "robin")
    member_api = new_api()
    member_api.join()
    member = Socket(app, member_api)
    pat_api, robin_api = new_api(), new_api()
    pat_api.login("pat")
    robin_api.login("robin")
    pat, robin = Socket(app, pat_api), Socket(app, robin_api)
    first = member.call("chat:request", {"topic": "first"})["conversation_id"]
    assert pat.call("chat:accept", {"conversation_id": first})["ok"]
    member.call("chat:end", {"conversation_id": first})

    other_api = new_api()
    other_api.join()
    other = Socket(app, other_api)
    earlier = other.call("chat:request", {"topic": "waiting longer"})["conversation_id"]
    # No topic: this test is about the offer, not about what the risk detector reads.
    again = member.call("chat:request", {"same_peer": True})["conversation_id"]
    with app.app_context():
        assert db.session.get(Conversation, again).same_peer_id == pat_id
    # Robin, taking "the next", is not given the request offered to Pat.
    assert robin.call("chat:accept", {})["conversation_id"] == earlier
    assert robin.call("chat:accept", {})["error"]["code"] == "queue_empty"
    # Pat is: ahead of anyone who waited longer at the same risk.
    assert pat.call("chat:accept", {})["conversation_id"] == again
    assert robin_id


def test_continuity_window_and_risk_rule(app, new_api, monkeypatch):
    """The SQL rule itself: within 2 minutes, below high risk, to that peer only."""
    on_duty_peer(app, "pat")
    with app.app_context():
        pat = db.session.scalar(db.select(User).where(User.username == "pat"))
        member = User(handle="m1", handle_key="m1")
        db.session.add(member)
        db.session.flush()
        now = clock.now()
        rows = {
            "fresh": Conversation(member_id=member.id, same_peer_id=pat.id, queued_at=now - timedelta(seconds=30)),
            "old": Conversation(member_id=member.id, same_peer_id=pat.id, queued_at=now - timedelta(seconds=121)),
            "high": Conversation(member_id=member.id, same_peer_id=pat.id, queued_at=now, risk="high", risk_rank=3),
            "moderate": Conversation(
                member_id=member.id, same_peer_id=pat.id, queued_at=now, risk="moderate", risk_rank=2
            ),
            "nobody": Conversation(member_id=member.id, queued_at=now),
        }
        db.session.add_all(rows.values())
        db.session.commit()
        offered = set(db.session.scalars(db.select(Conversation.id).where(continuity.offered_to(pat.id, now))))
        assert offered == {rows["fresh"].id, rows["moderate"].id}
        reserved = set(
            db.session.scalars(db.select(Conversation.id).where(continuity.reserved_for_another(pat.id + 1, now)))
        )
        assert reserved == offered
        assert (
            set(db.session.scalars(db.select(Conversation.id).where(continuity.reserved_for_another(pat.id, now))))
            == set()
        )
        keys = dict(db.session.execute(db.select(Conversation.id, continuity.sort_key(pat.id, now))).all())
        assert {name: keys[row.id] for name, row in rows.items()} == {
            "fresh": 0,
            "old": 1,
            "high": 1,
            "moderate": 0,
            "nobody": 1,
        }


def test_same_peer_only_when_that_peer_is_on_shift(app, new_api):
    pat_id = make_staff(app, "pat", "peer")
    with app.app_context():
        member = User(handle="m2", handle_key="m2")
        db.session.add(member)
        db.session.flush()
        db.session.add(Conversation(member_id=member.id, peer_id=pat_id, status="ended", first_assigned_at=clock.now()))
        db.session.commit()
        assert continuity.previous_peer_id(member.id, clock.now()) is None
    from tests.chat_support import put_on_shift

    put_on_shift(app, pat_id)
    with app.app_context():
        assert continuity.previous_peer_id(member.id, clock.now()) == pat_id
