"""Shifts: who is scheduled when, in which role. The roster decides who can take chats,
what the public status says and who gets escalation alerts, through `on_shift`."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from warmline import bus, clock
from warmline.errors import WarmlineError, conflict, forbidden, invalid, not_found
from warmline.extensions import db
from warmline.models import (
    AvailabilityInterval,
    LiveSocket,
    PeerAvailability,
    Shift,
    ShiftChangeRequest,
    ShiftEvent,
    User,
)
from warmline.models.shifts import ACCOUNT_ROLE_FOR_SHIFT, SHIFT_PEER, SHIFT_ROLES
from warmline.services import hours

MAX_SHIFT = timedelta(hours=24)
MAX_TEMPLATE_DAYS = 366


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise invalid("ends_at", "A shift ends after it starts.")
    if ends_at - starts_at > MAX_SHIFT:
        raise invalid("ends_at", "A shift is at most 24 hours long.")


def _check_person(user_id: int, role: str, field_name: str = "peer_id") -> User:
    if role not in SHIFT_ROLES:
        raise invalid("role", f"role must be one of: {', '.join(SHIFT_ROLES)}.")
    user = db.session.get(User, user_id)
    if user is None or user.is_member or not user.is_active:
        raise invalid(field_name, "No such staff member.")
    needed = ACCOUNT_ROLE_FOR_SHIFT[role]
    if not user.has_role(needed):
        raise invalid(field_name, f"{user.handle} does not hold the {needed} role needed for a {role} shift.")
    return user


def _lock_person(user_id: int) -> None:
    """Serialise schedule changes for one person (PostgreSQL row lock; SQLite holds its
    single write lock from the insert to the commit, and the check runs after the insert)."""
    db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())


def _overlap(user_id: int, starts_at: datetime, ends_at: datetime, exclude: Iterable[int] = ()) -> Shift | None:
    return db.session.scalar(
        sa.select(Shift)
        .where(
            Shift.user_id == user_id,
            Shift.cancelled_at.is_(None),
            Shift.starts_at < ends_at,
            Shift.ends_at > starts_at,
            Shift.id.not_in(list(exclude)),
        )
        .limit(1)
    )


def _conflict_error(existing: Shift) -> WarmlineError:
    return conflict(
        "shift_conflict",
        f"{existing.user.handle} already has a shift "
        f"from {hours.in_words(existing.starts_at)} to {hours.in_words(existing.ends_at)}.",
        conflicting_shift_id=existing.id,
    )


def _record(shift: Shift, actor: User | None, action: str, **detail: Any) -> None:
    db.session.add(ShiftEvent(shift_id=shift.id, actor_id=actor.id if actor else None, action=action, detail=detail))
    bus.announce("shifts.changed", shift_id=shift.id, user_ids=[shift.user_id])


def _place(
    actor: User | None, user_id: int, role: str, starts_at: datetime, ends_at: datetime, note: str, series: str | None
) -> Shift:
    """Adds one shift inside the caller's transaction, or raises shift_conflict."""
    _check_window(starts_at, ends_at)
    _check_person(user_id, role)
    _lock_person(user_id)
    shift = Shift(
        user_id=user_id,
        role=role,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note,
        series=series,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(shift)
    db.session.flush()
    existing = _overlap(user_id, starts_at, ends_at, exclude=[shift.id])
    if existing is not None:
        raise _conflict_error(existing)
    _record(shift, actor, "created", role=role, starts_at=hours.iso(starts_at), ends_at=hours.iso(ends_at))
    return shift


def create_shift(
    actor: User | None, user_id: int, role: str, starts_at: datetime, ends_at: datetime, note: str = ""
) -> Shift:
    shift = _place(actor, user_id, role, starts_at, ends_at, note, None)
    db.session.commit()
    return shift


def get_shift(shift_id: int) -> Shift:
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise not_found("That shift")
    return shift


def update_shift(actor: User, shift_id: int, **changes: Any) -> Shift:
    """Edit a shift's person, role, times or note; the same checks as a new one."""
    shift = get_shift(shift_id)
    if shift.cancelled_at is not None:
        raise conflict("shift_cancelled", "That shift was cancelled; create a new one instead.")
    before = {
        "user_id": shift.user_id,
        "role": shift.role,
        "starts_at": hours.iso(shift.starts_at),
        "ends_at": hours.iso(shift.ends_at),
    }
    user_id = changes.get("user_id") or shift.user_id
    role = changes.get("role") or shift.role
    starts_at = changes.get("starts_at") or shift.starts_at
    ends_at = changes.get("ends_at") or shift.ends_at
    _check_window(starts_at, ends_at)
    _check_person(user_id, role)
    _lock_person(user_id)
    previous_user = shift.user_id
    shift.user_id, shift.role, shift.starts_at, shift.ends_at = user_id, role, starts_at, ends_at
    if changes.get("note") is not None:
        shift.note = changes["note"]
    db.session.flush()
    existing = _overlap(user_id, starts_at, ends_at, exclude=[shift.id])
    if existing is not None:
        raise _conflict_error(existing)
    _record(shift, actor, "edited", before=before)
    if previous_user != user_id:
        bus.announce("shifts.changed", shift_id=shift.id, user_ids=[previous_user])
    db.session.commit()
    return shift


def cancel_shift(actor: User, shift_id: int, reason: str = "cancelled") -> Shift:
    shift = get_shift(shift_id)
    if shift.cancelled_at is None:
        _cancel(shift, actor, reason)
        db.session.commit()
    return shift


def _cancel(shift: Shift, actor: User, reason: str) -> None:
    shift.cancelled_at = clock.now()
    shift.cancelled_by_id = actor.id
    _record(shift, actor, reason)
    for request in db.session.scalars(
        sa.select(ShiftChangeRequest).where(
            ShiftChangeRequest.shift_id == shift.id, ShiftChangeRequest.status == "pending"
        )
    ):
        request.status = "withdrawn"


def shifts_between(
    start: datetime, end: datetime, *, user_id: int | None = None, include_cancelled: bool = False
) -> list[Shift]:
    query = sa.select(Shift).where(Shift.starts_at < end, Shift.ends_at > start).order_by(Shift.starts_at, Shift.id)
    if user_id is not None:
        query = query.where(Shift.user_id == user_id)
    if not include_cancelled:
        query = query.where(Shift.cancelled_at.is_(None))
    return list(db.session.scalars(query))


# Weekly templates ------------------------------------------------------------------------


@dataclass
class TemplateResult:
    created: list[Shift] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def apply_template(
    actor: User,
    user_id: int,
    role: str,
    weekdays: Iterable[int],
    start_minute: int,
    end_minute: int,
    first_day: date,
    last_day: date,
    note: str = "",
) -> TemplateResult:
    """ "Mondays and Thursdays 18:00-22:00, peer" for every matching local date in the range.
    An end at or before the start means the shift runs past midnight. Conflicting dates are
    skipped and reported; the rest are created together."""
    days = sorted(set(weekdays))
    if not days or any(d not in range(7) for d in days):
        raise invalid("weekdays", "Pick at least one weekday (0 Monday to 6 Sunday).")
    if last_day < first_day:
        raise invalid("to", "The range ends after it starts.")
    if (last_day - first_day).days > MAX_TEMPLATE_DAYS:
        raise invalid("to", "A template covers at most a year at a time.")
    if end_minute <= start_minute:
        end_minute += hours.MINUTES_PER_DAY
    _check_person(user_id, role)
    tz = hours.zone()
    series = secrets.token_hex(8)
    result = TemplateResult()
    day = first_day
    while day <= last_day:
        if day.weekday() in days:
            try:
                # A wall time the clocks skip that day is reported like a conflict.
                starts_at = hours.local_instant(day, start_minute, tz, field="start")
                ends_at = hours.local_instant(day, end_minute, tz, field="end")
                with db.session.begin_nested():
                    result.created.append(_place(actor, user_id, role, starts_at, ends_at, note, series))
            except WarmlineError as error:
                result.conflicts.append({"date": day.isoformat(), "reason": error.message, **error.extra})
        day += timedelta(days=1)
    db.session.commit()
    return result


# Who is on -------------------------------------------------------------------------------


def on_shift(at: datetime, role: str = SHIFT_PEER) -> list[Shift]:
    """The one answer to "who is on now", used by routing, status and alerts alike. A
    disabled account is never on shift, whatever its schedule says."""
    return list(
        db.session.scalars(
            sa.select(Shift)
            .join(User, User.id == Shift.user_id)
            .where(
                Shift.role == role,
                Shift.cancelled_at.is_(None),
                Shift.starts_at <= at,
                Shift.ends_at > at,
                User.disabled_at.is_(None),
            )
            .order_by(Shift.ends_at)
        )
    )


def is_on_shift(user_id: int, at: datetime, role: str = SHIFT_PEER) -> bool:
    return any(shift.user_id == user_id for shift in on_shift(at, role))


def next_shift_start(after: datetime, role: str = SHIFT_PEER) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.min(Shift.starts_at)).where(
            Shift.role == role, Shift.cancelled_at.is_(None), Shift.starts_at > after
        )
    )


def next_staffed_at(now: datetime) -> datetime | None:
    """When a peer is next on shift: now if one is, else the next start."""
    return now if on_shift(now) else next_shift_start(now)


def set_available(user: User, available: bool) -> None:
    """A peer takes chats only while on a peer shift; turning it off is always allowed."""
    if available and not is_on_shift(user.id, clock.now()):
        raise WarmlineError("not_on_shift", "You can take chats only during your peer shift.", 409)
    row = db.session.get(PeerAvailability, user.id)
    if row is None:
        row = PeerAvailability(user_id=user.id)
        db.session.add(row)
    row.available = available
    row.changed_at = clock.now()
    _track_availability(user.id, available, row.changed_at)
    db.session.commit()


def pause_taking_chats(user: User) -> None:
    """Switches a peer off for new chats inside the caller's transaction (after a serious
    escalation: they resume when ready)."""
    row = db.session.get(PeerAvailability, user.id)
    if row is not None and row.available:
        row.available = False
        row.changed_at = clock.now()
        _track_availability(user.id, False, row.changed_at)


def _track_availability(user_id: int, available: bool, at: datetime) -> None:
    """The history behind "hours available": an interval opens when the switch goes on and
    closes when it goes off (PeerAvailability keeps only the current state)."""
    open_interval = db.session.scalar(
        sa.select(AvailabilityInterval).where(
            AvailabilityInterval.user_id == user_id, AvailabilityInterval.ended_at.is_(None)
        )
    )
    if available and open_interval is None:
        db.session.add(AvailabilityInterval(user_id=user_id, started_at=at))
    elif not available and open_interval is not None:
        open_interval.ended_at = at


def available_peer_ids(at: datetime) -> list[int]:
    """Peers who can take a chat now: on a peer shift, switched on, and connected (a console
    open on some process). A killed process's sockets are cleared by the sweeper, so its
    peers stop counting: nobody stays "available" because their process died."""
    return list(
        db.session.scalars(
            sa.select(Shift.user_id)
            .join(PeerAvailability, PeerAvailability.user_id == Shift.user_id)
            .join(User, User.id == Shift.user_id)
            .where(
                User.disabled_at.is_(None),
                PeerAvailability.available.is_(True),
                Shift.role == SHIFT_PEER,
                Shift.cancelled_at.is_(None),
                Shift.starts_at <= at,
                Shift.ends_at > at,
                sa.exists().where(LiveSocket.user_id == Shift.user_id),
            )
            .distinct()
        )
    )


def switched_on(user_id: int) -> bool:
    """The peer's own switch, whether or not a console is open right now."""
    row = db.session.get(PeerAvailability, user_id)
    return bool(row and row.available)


def is_available(user_id: int, at: datetime) -> bool:
    return user_id in available_peer_ids(at)


# Drop and swap requests ------------------------------------------------------------------


def request_change(
    actor: User,
    shift_id: int,
    kind: str,
    swap_with_id: int | None = None,
    swap_shift_id: int | None = None,
    note: str = "",
) -> ShiftChangeRequest:
    shift = get_shift(shift_id)
    if shift.user_id != actor.id:
        raise forbidden("You can ask to change only your own shifts.")
    if shift.cancelled_at is not None or shift.ends_at <= clock.now():
        raise conflict("shift_closed", "That shift is cancelled or already over.")
    if kind not in ("drop", "swap"):
        raise invalid("kind", "kind is drop or swap.")
    pending = db.session.scalar(
        sa.select(ShiftChangeRequest.id).where(
            ShiftChangeRequest.shift_id == shift.id, ShiftChangeRequest.status == "pending"
        )
    )
    if pending is not None:
        raise conflict("request_pending", "There is already a pending request for that shift.")
    if kind == "swap":
        if swap_with_id is None or swap_with_id == actor.id:
            raise invalid("swap_with_id", "Name the colleague who would take this shift.")
        _check_person(swap_with_id, shift.role, "swap_with_id")
        if swap_shift_id is not None:
            theirs = get_shift(swap_shift_id)
            if theirs.user_id != swap_with_id or theirs.cancelled_at is not None:
                raise invalid("swap_shift_id", "That shift is not theirs to swap.")
            _check_person(actor.id, theirs.role, "swap_shift_id")
    elif swap_with_id is not None or swap_shift_id is not None:
        raise invalid("swap_with_id", "A drop names no colleague.")
    request = ShiftChangeRequest(
        shift_id=shift.id,
        requested_by_id=actor.id,
        kind=kind,
        swap_with_id=swap_with_id,
        swap_shift_id=swap_shift_id,
        note=note,
    )
    db.session.add(request)
    db.session.flush()
    _record(shift, actor, f"{kind}_requested", request_id=request.id)
    bus.announce("shifts.request", request_id=request.id)
    db.session.commit()
    return request


def get_request(request_id: int) -> ShiftChangeRequest:
    request = db.session.get(ShiftChangeRequest, request_id)
    if request is None:
        raise not_found("That request")
    return request


def decide_change(actor: User, request_id: int, approve: bool, note: str = "") -> ShiftChangeRequest:
    request = get_request(request_id)
    if request.status != "pending":
        raise conflict("request_decided", f"That request is already {request.status}.")
    request.status = "approved" if approve else "declined"
    request.decided_by_id = actor.id
    request.decided_at = clock.now()
    request.decision_note = note
    shift = request.shift
    if approve and request.kind == "drop":
        _cancel(shift, actor, "dropped")
    elif approve:
        _reassign(actor, shift, request.swap_with_id, exclude=[request.swap_shift_id or 0])
        if request.swap_shift is not None:
            _reassign(actor, request.swap_shift, request.requested_by_id, exclude=[shift.id])
    _record(shift, actor, "request_" + request.status, request_id=request.id)
    db.session.commit()
    return request


def _reassign(actor: User, shift: Shift, user_id: int | None, exclude: list[int]) -> None:
    assert user_id is not None
    _check_person(user_id, shift.role, "swap_with_id")
    _lock_person(user_id)
    previous = shift.user_id
    shift.user_id = user_id
    db.session.flush()
    existing = _overlap(user_id, shift.starts_at, shift.ends_at, exclude=[shift.id, *exclude])
    if existing is not None:
        raise _conflict_error(existing)
    _record(shift, actor, "reassigned", from_user_id=previous, to_user_id=user_id)
    bus.announce("shifts.changed", shift_id=shift.id, user_ids=[previous])


def withdraw_change(actor: User, request_id: int) -> ShiftChangeRequest:
    request = get_request(request_id)
    if request.requested_by_id != actor.id:
        raise forbidden("Only the person who asked can withdraw the request.")
    if request.status != "pending":
        raise conflict("request_decided", f"That request is already {request.status}.")
    request.status = "withdrawn"
    _record(request.shift, actor, "request_withdrawn", request_id=request.id)
    db.session.commit()
    return request


def requests(*, status: str | None = None, user_id: int | None = None) -> list[ShiftChangeRequest]:
    query = sa.select(ShiftChangeRequest).order_by(ShiftChangeRequest.created_at.desc())
    if status:
        query = query.where(ShiftChangeRequest.status == status)
    if user_id is not None:
        query = query.where(
            sa.or_(ShiftChangeRequest.requested_by_id == user_id, ShiftChangeRequest.swap_with_id == user_id)
        )
    return list(db.session.scalars(query))


def staff_for(role: str) -> list[User]:
    """People who can take a shift in `role`, for forms."""
    from warmline.models import UserRole

    needed = ACCOUNT_ROLE_FOR_SHIFT[role]
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole)
            .where(UserRole.role == needed, User.disabled_at.is_(None))
            .order_by(User.handle)
        )
    )
