"""Shifts, coverage, public status, hours of operation, availability, calendar feeds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, request, url_for
from flask_login import current_user

from warmline import clock
from warmline.errors import invalid
from warmline.models import HoursException, Shift, ShiftChangeRequest
from warmline.models.shifts import SHIFT_PEER, SHIFT_ROLES
from warmline.permissions import ANY_SIGNED_IN, COORDINATORS, PEERS, STAFF, public, roles_required
from warmline.services import calendar, coverage, hours, queue_status, roster
from warmline.validation import boolean, choice, integer, list_of, optional, text, timestamp
from warmline.web.api import body, bp, ok

DEFAULT_WINDOW = timedelta(days=7)


def shift_json(shift: Shift) -> dict[str, Any]:
    return {
        "id": shift.id,
        "peer_id": shift.user_id,
        "user_id": shift.user_id,
        "handle": shift.user.handle,
        "role": shift.role,
        "starts_at": hours.iso(shift.starts_at),
        "ends_at": hours.iso(shift.ends_at),
        "note": shift.note,
        "series": shift.series,
        "cancelled": shift.cancelled_at is not None,
        "cancelled_at": hours.iso(shift.cancelled_at) if shift.cancelled_at else None,
    }


def request_json(change: ShiftChangeRequest) -> dict[str, Any]:
    return {
        "id": change.id,
        "shift": shift_json(change.shift),
        "kind": change.kind,
        "requested_by": {"id": change.requested_by_id, "handle": change.requested_by.handle},
        "swap_with": {"id": change.swap_with.id, "handle": change.swap_with.handle} if change.swap_with else None,
        "swap_shift": shift_json(change.swap_shift) if change.swap_shift else None,
        "note": change.note,
        "status": change.status,
        "decision_note": change.decision_note,
        "created_at": hours.iso(change.created_at),
        "decided_at": hours.iso(change.decided_at) if change.decided_at else None,
    }


def query_time(name: str, default: datetime) -> datetime:
    raw = request.args.get(name)
    if raw is None:
        return default
    # An unencoded "+" in a query string arrives as a space.
    return timestamp()(name, raw.replace(" ", "+"))


def query_range() -> tuple[datetime, datetime]:
    start = query_time("from", clock.now())
    end = query_time("to", start + DEFAULT_WINDOW)
    coverage.check_range(start, end)
    return start, end


SHIFT_FIELDS = {
    "peer_id": integer(minimum=1),
    "starts_at": timestamp(),
    "ends_at": timestamp(),
    "role": optional(choice(*SHIFT_ROLES), SHIFT_PEER),
    "note": optional(text(max_len=200, min_len=0), ""),
}


# An edit names only what changes.
SHIFT_EDIT_FIELDS = {
    "peer_id": optional(integer(minimum=1)),
    "starts_at": optional(timestamp()),
    "ends_at": optional(timestamp()),
    "role": optional(choice(*SHIFT_ROLES)),
    "note": optional(text(max_len=200, min_len=0)),
}


@bp.post("/shifts")
@roles_required(*COORDINATORS)
def create_shift() -> tuple[Response, int]:
    data = body(SHIFT_FIELDS)
    shift = roster.create_shift(
        current_user, data["peer_id"], data["role"], data["starts_at"], data["ends_at"], data["note"]
    )
    return ok(201, shift=shift_json(shift))


@bp.get("/shifts")
@roles_required(*ANY_SIGNED_IN)
def list_shifts() -> tuple[Response, int]:
    start, end = query_range()
    user_id = request.args.get("peer_id", type=int)
    include_cancelled = request.args.get("include_cancelled") == "true"
    shifts = roster.shifts_between(start, end, user_id=user_id, include_cancelled=include_cancelled)
    return ok(shifts=[shift_json(s) for s in shifts], **{"from": hours.iso(start), "to": hours.iso(end)})


@bp.get("/shifts/<int:shift_id>")
@roles_required(*ANY_SIGNED_IN)
def get_shift(shift_id: int) -> tuple[Response, int]:
    return ok(shift=shift_json(roster.get_shift(shift_id)))


@bp.patch("/shifts/<int:shift_id>")
@roles_required(*COORDINATORS)
def edit_shift(shift_id: int) -> tuple[Response, int]:
    data = body(SHIFT_EDIT_FIELDS)
    shift = roster.update_shift(
        current_user,
        shift_id,
        user_id=data["peer_id"],
        role=data["role"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        note=data["note"],
    )
    return ok(shift=shift_json(shift))


@bp.delete("/shifts/<int:shift_id>")
@roles_required(*COORDINATORS)
def cancel_shift(shift_id: int) -> tuple[Response, int]:
    return ok(shift=shift_json(roster.cancel_shift(current_user, shift_id)))


@bp.post("/shifts/template")
@roles_required(*COORDINATORS)
def apply_template() -> tuple[Response, int]:
    data = body(
        {
            "peer_id": integer(minimum=1),
            "role": optional(choice(*SHIFT_ROLES), SHIFT_PEER),
            "weekdays": list_of(integer(minimum=0, maximum=6), min_items=1, max_items=7),
            "start": text(max_len=5),
            "end": text(max_len=5),
            "from": text(max_len=10),
            "to": text(max_len=10),
            "note": optional(text(max_len=200, min_len=0), ""),
        }
    )
    result = roster.apply_template(
        current_user,
        data["peer_id"],
        data["role"],
        data["weekdays"],
        hours.parse_clock(data["start"], "start"),
        hours.parse_clock(data["end"], "end"),
        parse_day(data["from"], "from"),
        parse_day(data["to"], "to"),
        data["note"],
    )
    return ok(
        201 if result.created else 200, created=[shift_json(s) for s in result.created], conflicts=result.conflicts
    )


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(name, f"{name} must be a date like 2026-12-01.") from None


@bp.get("/coverage")
@roles_required(*ANY_SIGNED_IN)
def get_coverage() -> tuple[Response, int]:
    start, end = query_range()
    return ok(**coverage.coverage(start, end))


@bp.get("/status")
@public
def status() -> tuple[Response, int]:
    return ok(**coverage.public_status(queue_status.waiting_count()))


# Drop and swap requests -----------------------------------------------------------------


@bp.post("/shifts/<int:shift_id>/requests")
@roles_required(*STAFF)
def request_change(shift_id: int) -> tuple[Response, int]:
    data = body(
        {
            "kind": choice("drop", "swap"),
            "swap_with_id": optional(integer(minimum=1)),
            "swap_shift_id": optional(integer(minimum=1)),
            "note": optional(text(max_len=500, min_len=0, multiline=True), ""),
        }
    )
    change = roster.request_change(
        current_user, shift_id, data["kind"], data["swap_with_id"], data["swap_shift_id"], data["note"]
    )
    return ok(201, request=request_json(change))


@bp.get("/shift-requests")
@roles_required(*STAFF)
def list_requests() -> tuple[Response, int]:
    status_filter = request.args.get("status")
    mine_only = not current_user.has_role(*COORDINATORS)
    changes = roster.requests(status=status_filter, user_id=current_user.id if mine_only else None)
    return ok(requests=[request_json(c) for c in changes])


@bp.post("/shift-requests/<int:request_id>/decision")
@roles_required(*COORDINATORS)
def decide_request(request_id: int) -> tuple[Response, int]:
    data = body({"approve": boolean(), "note": optional(text(max_len=500, min_len=0, multiline=True), "")})
    return ok(request=request_json(roster.decide_change(current_user, request_id, data["approve"], data["note"])))


@bp.post("/shift-requests/<int:request_id>/withdraw")
@roles_required(*STAFF)
def withdraw_request(request_id: int) -> tuple[Response, int]:
    body({})
    return ok(request=request_json(roster.withdraw_change(current_user, request_id)))


# Availability, hours, calendar ----------------------------------------------------------


@bp.post("/me/availability")
@roles_required(*PEERS)
def set_availability() -> tuple[Response, int]:
    data = body({"available": boolean()})
    roster.set_available(current_user, data["available"])
    return ok(available=data["available"])


def hours_json() -> dict[str, Any]:
    settings = hours.settings()
    return {
        "timezone": hours.zone().key,
        "min_peers": settings.min_peers,
        "weekly": {
            str(day): [[hours.format_clock(a), hours.format_clock(b)] for a, b in spans]
            for day, spans in hours.weekly_hours().items()
        },
        "exceptions": [exception_json(e) for e in hours.exceptions_from(clock.now().astimezone(hours.zone()).date())],
    }


def exception_json(row: HoursException) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.day.isoformat(),
        "opens": hours.format_clock(row.opens) if row.opens is not None else None,
        "closes": hours.format_clock(row.closes) if row.closes is not None else None,
        "note": row.note,
    }


@bp.get("/settings/hours")
@roles_required(*ANY_SIGNED_IN)
def get_hours() -> tuple[Response, int]:
    return ok(**hours_json())


@bp.put("/settings/hours")
@roles_required(*COORDINATORS)
def put_hours() -> tuple[Response, int]:
    data = body(
        {
            "timezone": optional(text(max_len=64)),
            "min_peers": optional(integer(minimum=1, maximum=50)),
            "weekly": optional(lambda name, value: value),
        }
    )
    if data["timezone"] is not None or data["min_peers"] is not None:
        hours.update_settings(min_peers=data["min_peers"], timezone=data["timezone"])
    if data["weekly"] is not None:
        hours.set_weekly_hours(parse_weekly(data["weekly"]))
    return ok(**hours_json())


def parse_weekly(value: Any) -> dict[int, list[tuple[int, int]]]:
    if not isinstance(value, dict):
        raise invalid("weekly", 'weekly maps a weekday ("0" Monday to "6" Sunday) to [["09:00", "17:00"], ...].')
    weekly: dict[int, list[tuple[int, int]]] = {}
    for key, spans in value.items():
        if key not in {str(d) for d in range(7)} or not isinstance(spans, list) or len(spans) > 6:
            raise invalid("weekly", 'weekly maps a weekday ("0" Monday to "6" Sunday) to [["09:00", "17:00"], ...].')
        weekly[int(key)] = []
        for span in spans:
            if not (isinstance(span, list) and len(span) == 2 and all(isinstance(v, str) for v in span)):
                raise invalid("weekly", 'Each opening is ["HH:MM", "HH:MM"].')
            weekly[int(key)].append((hours.parse_clock(span[0], "weekly"), hours.parse_clock(span[1], "weekly")))
    return weekly


@bp.post("/settings/hours/exceptions")
@roles_required(*COORDINATORS)
def add_exception() -> tuple[Response, int]:
    data = body(
        {
            "date": text(max_len=10),
            "opens": optional(text(max_len=5)),
            "closes": optional(text(max_len=5)),
            "note": optional(text(max_len=200, min_len=0), ""),
        }
    )
    opens = hours.parse_clock(data["opens"], "opens") if data["opens"] else None
    closes = hours.parse_clock(data["closes"], "closes") if data["closes"] else None
    row = hours.add_exception(parse_day(data["date"], "date"), opens, closes, data["note"])
    return ok(201, exception=exception_json(row))


@bp.delete("/settings/hours/exceptions/<int:exception_id>")
@roles_required(*COORDINATORS)
def remove_exception(exception_id: int) -> tuple[Response, int]:
    hours.remove_exception(exception_id)
    return ok()


@bp.get("/me/calendar")
@roles_required(*STAFF)
def my_calendar() -> tuple[Response, int]:
    token = calendar.token_for(current_user)
    return ok(url=url_for("shifts.ics_feed", token=token, _external=True))


@bp.post("/me/calendar/reset")
@roles_required(*STAFF)
def reset_calendar() -> tuple[Response, int]:
    body({})
    token = calendar.reset_token(current_user)
    return ok(url=url_for("shifts.ics_feed", token=token, _external=True))
