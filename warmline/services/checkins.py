"""Follow-up check-ins. At the end of a chat a member may ask a peer to check in later
("tomorrow evening", or a time within the hours of operation). When it falls due it is a
queue item of its own kind for the peers on shift: the presence timers do not apply (the
member need not be online). A peer takes it and writes a message; the member sees it with
a notice the next time they open Warmline, and at once if they are online. The member may
cancel it until then. Those due and not taken within their shift are shown to the on-call
coordinator. Reports count them apart from chat requests (`counts`). The peers on shift hear
of every change to the list they see (`checkins.changed`): one falling due, taken, written,
cancelled or given a hand-off note."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from warmline import bus, clock
from warmline.errors import WarmlineError, forbidden, invalid, not_found
from warmline.extensions import db
from warmline.models import CheckIn, Conversation, User
from warmline.models.chat import ENDED
from warmline.models.peer_tools import CHECKIN_CANCELLED, CHECKIN_SCHEDULED, CHECKIN_SENT, CHECKIN_TAKEN
from warmline.services import chat, hours, roster
from warmline.services.hours import iso

TOMORROW_EVENING = "tomorrow_evening"
EVENING = 18 * 60  # local minutes past midnight
MIN_AHEAD = timedelta(minutes=15)
MAX_AHEAD = timedelta(days=14)
BODY_MAX = 2000
LIMIT = 200


# When ----------------------------------------------------------------------------------------


def first_open_from(moment: datetime) -> datetime | None:
    """`moment` if the line is open then, else when it next opens (within MAX_AHEAD)."""
    for interval in hours.operating_intervals(moment, moment + MAX_AHEAD):
        if interval.ends_at > moment:
            return max(interval.starts_at, moment)
    return None


def due_time(now: datetime, when: str | None = None, at: datetime | None = None) -> datetime:
    """When the check-in falls due. "Tomorrow evening" is 18:00 local tomorrow, or the line's
    next opening after it; a chosen time must lie within the hours of operation, at least
    15 minutes and at most 14 days ahead."""
    if when == TOMORROW_EVENING:
        tz = hours.zone()
        target = hours.local_instant(now.astimezone(tz).date() + timedelta(days=1), EVENING, tz)
        due = first_open_from(target)
        if due is None:
            raise WarmlineError("no_hours", "The line has no opening hours coming up for a check-in.", 409)
        return due
    if at is None:
        raise invalid("at", "Choose tomorrow evening or a time for the check-in.")
    if at < now + MIN_AHEAD:
        raise invalid("at", "Choose a time at least 15 minutes from now.")
    if at > now + MAX_AHEAD:
        raise invalid("at", "Choose a time within the next 14 days.")
    if not hours.is_open_hours(at):
        suggestion = first_open_from(at)
        raise WarmlineError(
            "outside_hours",
            "That time is outside our hours; choose a time when peers are on.",
            400,
            field="at",
            next_open_at=iso(suggestion) if suggestion else None,
        )
    return at


# Member ---------------------------------------------------------------------------------------


def request(member: User, conversation_id: Any, *, when: str | None = None, at: datetime | None = None) -> CheckIn:
    conversation = chat.party_conversation(member, conversation_id)
    if conversation.member_id != member.id:
        raise forbidden("Only the member asks for a check-in.")
    if conversation.status != ENDED or conversation.first_assigned_at is None:
        raise WarmlineError("not_ended", "A check-in can be asked for at the end of a chat with a peer.", 409)
    existing = db.session.scalar(
        sa.select(CheckIn).where(CheckIn.conversation_id == conversation.id, CheckIn.status == CHECKIN_SCHEDULED)
    )
    if existing is not None:
        raise WarmlineError("checkin_exists", "A check-in is already planned for this chat.", 409)
    now = clock.now()
    checkin = CheckIn(
        member_id=member.id,
        conversation_id=conversation.id,
        peer_id=conversation.peer_id,
        due_at=due_time(now, when, at),
        requested_at=now,
    )
    db.session.add(checkin)
    db.session.flush()
    if conversation.peer_id is not None:
        bus.announce(
            "checkin.requested",
            checkin_id=checkin.id,
            conversation_id=conversation.id,
            peer_id=conversation.peer_id,
            due_at=iso(checkin.due_at),
        )
    db.session.commit()
    return checkin


def _own(member: User, checkin_id: int) -> CheckIn:
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.member_id != member.id:
        raise not_found("That check-in")
    return checkin


def cancel(member: User, checkin_id: int) -> CheckIn:
    checkin = _own(member, checkin_id)
    if checkin.status != CHECKIN_SCHEDULED:
        raise WarmlineError("not_cancellable", "A peer has already taken this check-in.", 409)
    checkin.status = CHECKIN_CANCELLED
    checkin.cancelled_at = clock.now()
    _changed()
    db.session.commit()
    return checkin


def of_member(member: User) -> list[CheckIn]:
    """Planned ones and the messages peers wrote, newest first."""
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .where(CheckIn.member_id == member.id, CheckIn.status.in_((CHECKIN_SCHEDULED, CHECKIN_TAKEN, CHECKIN_SENT)))
            .order_by(CheckIn.due_at.desc())
            .limit(20)
        )
    )


def unseen(member: User) -> list[CheckIn]:
    return [c for c in of_member(member) if c.status == CHECKIN_SENT and c.seen_at is None]


def mark_seen(member: User) -> None:
    db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.member_id == member.id, CheckIn.status == CHECKIN_SENT, CheckIn.seen_at.is_(None))
        .values(seen_at=clock.now())
    )
    db.session.commit()


# Peers ----------------------------------------------------------------------------------------


def set_handoff_note(peer: User, checkin_id: int, note: str) -> CheckIn:
    checkin = db.session.get(CheckIn, checkin_id)
    conversation = (
        db.session.get(Conversation, checkin.conversation_id) if checkin and checkin.conversation_id else None
    )
    if checkin is None or conversation is None or not chat.held_by(peer.id, conversation):
        raise forbidden("Only the peer of the earlier chat writes its hand-off note.")
    if checkin.status != CHECKIN_SCHEDULED:
        raise WarmlineError("already_taken", "Another peer has taken this check-in.", 409)
    checkin.handoff_note = note
    _changed()
    db.session.commit()
    return checkin


def due(now: datetime | None = None) -> list[CheckIn]:
    """The check-ins in the queue now: due and not taken, the earliest first."""
    now = now or clock.now()
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .where(CheckIn.status == CHECKIN_SCHEDULED, CheckIn.due_at <= now)
            .order_by(CheckIn.due_at, CheckIn.id)
            .limit(LIMIT)
        )
    )


def taken_by(peer: User) -> list[CheckIn]:
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .where(CheckIn.status == CHECKIN_TAKEN, CheckIn.taken_by_id == peer.id)
            .order_by(CheckIn.taken_at)
        )
    )


def take(peer: User, checkin_id: int) -> CheckIn:
    """The atomic step, as for chats: of two peers exactly one takes it."""
    now = clock.now()
    if not roster.is_on_shift(peer.id, now):
        raise WarmlineError("not_on_shift", "You can take check-ins only during your peer shift.", 409)
    result = db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.id == checkin_id, CheckIn.status == CHECKIN_SCHEDULED, CheckIn.due_at <= now)
        .values(status=CHECKIN_TAKEN, taken_by_id=peer.id, taken_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        checkin = db.session.get(CheckIn, checkin_id)
        if checkin is None:
            raise not_found("That check-in")
        if checkin.status == CHECKIN_SCHEDULED:
            raise WarmlineError("not_due", "This check-in is not due yet.", 409)
        raise WarmlineError("already_taken", "Another peer took this check-in.", 409)
    _changed()
    db.session.commit()
    checkin = db.session.get(CheckIn, checkin_id, populate_existing=True)
    assert checkin is not None
    return checkin


def send(peer: User, checkin_id: int, body: str) -> CheckIn:
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.taken_by_id != peer.id or checkin.status != CHECKIN_TAKEN:
        raise forbidden("Take this check-in first.")
    checkin.body = body
    checkin.status = CHECKIN_SENT
    checkin.sent_at = clock.now()
    bus.announce("checkin.message", member_id=checkin.member_id, checkin=member_json(checkin, peer.handle))
    _changed()
    db.session.commit()
    return checkin


def _changed() -> None:
    """The peers on shift refetch their list (realtime/events.py): the announcement says only
    that it changed, so each reads what their role may see."""
    bus.announce("checkins.changed")


def announce_fell_due(now: datetime) -> bool:
    """Run by the sweeper: whether a check-in fell due since about the last sweep, and if so,
    tells the peers on shift (a second announcement is harmless: they refetch)."""
    window = timedelta(seconds=2 * current_app.config["SWEEP_INTERVAL"])
    fell_due = db.session.scalar(
        sa.select(CheckIn.id)
        .where(CheckIn.status == CHECKIN_SCHEDULED, CheckIn.due_at <= now, CheckIn.due_at > now - window)
        .limit(1)
    )
    if fell_due is None:
        return False
    _changed()
    db.session.commit()
    return True


# Coordinators and reports ------------------------------------------------------------------


def missed(now: datetime | None = None) -> list[CheckIn]:
    """Due and not taken, and the shift they fell due in is over: no peer on shift now was
    already on when it fell due. For the on-call coordinator."""
    now = now or clock.now()
    current_starts = [s.starts_at for s in roster.on_shift(now)]
    return [c for c in due(now) if not any(start <= c.due_at for start in current_starts)]


def counts(start: datetime, end: datetime) -> dict[str, int]:
    """Check-ins requested in [start, end), by what became of them (one GROUP BY)."""
    rows = dict(
        db.session.execute(
            sa.select(CheckIn.status, sa.func.count())
            .where(CheckIn.requested_at >= start, CheckIn.requested_at < end)
            .group_by(CheckIn.status)
        ).all()
    )
    return {
        "requested": sum(rows.values()),
        "completed": rows.get(CHECKIN_SENT, 0),
        "cancelled": rows.get(CHECKIN_CANCELLED, 0),
        "open": rows.get(CHECKIN_SCHEDULED, 0) + rows.get(CHECKIN_TAKEN, 0),
    }


# Shapes -----------------------------------------------------------------------------------------


def member_json(checkin: CheckIn, peer_handle: str | None = None) -> dict[str, Any]:
    handle = peer_handle or (checkin.taken_by.handle if checkin.taken_by else None)
    return {
        "id": checkin.id,
        "kind": "checkin",
        "conversation_id": checkin.conversation_id,
        "status": checkin.status,
        "due_at": iso(checkin.due_at),
        "body": checkin.body if checkin.status == CHECKIN_SENT else None,
        "sent_at": iso(checkin.sent_at) if checkin.sent_at else None,
        "peer_handle": handle if checkin.status == CHECKIN_SENT else None,
    }


def staff_json(checkin: CheckIn) -> dict[str, Any]:
    member = db.session.get(User, checkin.member_id)
    earlier = db.session.get(User, checkin.peer_id) if checkin.peer_id else None
    return {
        **member_json(checkin),
        "checkin_id": checkin.id,
        "member_handle": member.handle if member else None,
        "earlier_peer": earlier.handle if earlier else None,
        "handoff_note": checkin.handoff_note,
        "requested_at": iso(checkin.requested_at),
        "taken_by": checkin.taken_by.handle if checkin.taken_by else None,
    }
