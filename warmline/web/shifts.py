"""Shift pages: the coordinators' roster (week view, gaps, forms, requests), a person's own
schedule, hours of operation, and the iCalendar feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from warmline import clock
from warmline.errors import WarmlineError, invalid
from warmline.models.shifts import SHIFT_PEER, SHIFT_ROLES
from warmline.permissions import COORDINATORS, STAFF, public, roles_required
from warmline.services import calendar, chat, coverage, escalations, hours, roster

bp = Blueprint("shifts", __name__, url_prefix="/shifts")

ROLE_LABELS = {"peer": "Peer", "moderator": "Moderator", "on_call_coordinator": "On-call coordinator"}


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def form_day(value: str | None, name: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise invalid(name, f"Pick a date for {name}.") from None


def form_window(form: Any) -> tuple[datetime, datetime]:
    """Local date + start and end times; an end at or before the start is the next day."""
    day = form_day(form.get("date"), "date")
    start = hours.parse_clock(form.get("start", ""), "start")
    end = hours.parse_clock(form.get("end", ""), "end")
    if end <= start:
        end += hours.MINUTES_PER_DAY
    return hours.local_instant(day, start, field="start"), hours.local_instant(day, end, field="end")


def form_person(form: Any) -> int:
    try:
        return int(form.get("peer_id", ""))
    except ValueError:
        raise invalid("peer_id", "Choose a person.") from None


def roster_context(day: date) -> dict[str, Any]:
    monday = week_start(day)
    tz = hours.zone()
    start, end = hours.local_instant(monday, 0, tz), hours.local_instant(monday + timedelta(days=7), 0, tz)
    shifts = roster.shifts_between(start, end)
    days = [monday + timedelta(days=i) for i in range(7)]
    by_day: dict[date, list[Any]] = {d: [] for d in days}
    people: dict[int, dict[str, Any]] = {}
    for shift in shifts:
        local_day = shift.starts_at.astimezone(tz).date()
        by_day.setdefault(local_day, []).append(shift)
        person = people.setdefault(shift.user_id, {"handle": shift.user.handle, "days": {d: [] for d in days}})
        person["days"].setdefault(local_day, []).append(shift)
    now = clock.now()
    return {
        "monday": monday,
        "days": days,
        "by_day": by_day,
        "people": sorted(people.values(), key=lambda p: p["handle"].lower()),
        "week_coverage": coverage.coverage(start, end),
        "upcoming": coverage.coverage(now, now + timedelta(days=7)),
        "previous_week": (monday - timedelta(days=7)).isoformat(),
        "next_week": (monday + timedelta(days=7)).isoformat(),
        "timezone": tz.key,
        "role_labels": ROLE_LABELS,
    }


def gap_times(gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**g, "start": datetime.fromisoformat(g["starts_at"]), "end": datetime.fromisoformat(g["ends_at"])}
        for g in gaps
    ]


def people_for_forms() -> dict[str, list[Any]]:
    return {role: roster.staff_for(role) for role in SHIFT_ROLES}


@bp.get("")
@roles_required(*STAFF)
def roster_page() -> str:
    day = (
        date.fromisoformat(request.args["week"])
        if request.args.get("week", "").count("-") == 2
        else clock.now().astimezone(hours.zone()).date()
    )
    return render_roster(day)


def render_roster(day: date, error: WarmlineError | None = None, form: Any = None, status: int = 200) -> Any:
    context = roster_context(day)
    is_coordinator = current_user.has_role(*COORDINATORS)
    return render_template(
        "shifts/roster.html",
        **context,
        gap_times=gap_times,
        is_coordinator=is_coordinator,
        people_by_role=people_for_forms() if is_coordinator else {},
        pending=roster.requests(status="pending") if is_coordinator else [],
        over_time=chat.over_time(clock.now()) if is_coordinator else [],
        unacknowledged=escalations.search(state="open") if is_coordinator else [],
        error=error,
        form=form or {},
    ), status


@bp.post("/new")
@roles_required(*COORDINATORS)
def create() -> Any:
    try:
        starts_at, ends_at = form_window(request.form)
        shift = roster.create_shift(
            current_user,
            form_person(request.form),
            request.form.get("role", SHIFT_PEER),
            starts_at,
            ends_at,
            request.form.get("note", "")[:200],
        )
    except WarmlineError as error:
        day = _form_day_or_today(request.form.get("date"))
        return render_roster(day, error=error, form=request.form, status=error.status)
    flash(f"Shift added for {shift.user.handle}.")
    return redirect(url_for("shifts.roster_page", week=shift.starts_at.astimezone(hours.zone()).date().isoformat()))


def _form_day_or_today(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return clock.now().astimezone(hours.zone()).date()


@bp.route("/<int:shift_id>/edit", methods=["GET", "POST"])
@roles_required(*COORDINATORS)
def edit(shift_id: int) -> Any:
    shift = roster.get_shift(shift_id)
    error = None
    if request.method == "POST":
        try:
            starts_at, ends_at = form_window(request.form)
            roster.update_shift(
                current_user,
                shift_id,
                user_id=form_person(request.form),
                role=request.form.get("role"),
                starts_at=starts_at,
                ends_at=ends_at,
                note=request.form.get("note", "")[:200],
            )
            flash("Shift updated.")
            return redirect(url_for("shifts.roster_page", week=starts_at.astimezone(hours.zone()).date().isoformat()))
        except WarmlineError as caught:
            error = caught
    tz = hours.zone()
    form = (
        request.form
        if request.method == "POST"
        else {
            "peer_id": str(shift.user_id),
            "role": shift.role,
            "date": shift.starts_at.astimezone(tz).date().isoformat(),
            "start": shift.starts_at.astimezone(tz).strftime("%H:%M"),
            "end": shift.ends_at.astimezone(tz).strftime("%H:%M"),
            "note": shift.note,
        }
    )
    return render_template(
        "shifts/edit.html",
        shift=shift,
        form=form,
        error=error,
        people_by_role=people_for_forms(),
        role_labels=ROLE_LABELS,
    ), (error.status if error else 200)


@bp.post("/<int:shift_id>/cancel")
@roles_required(*COORDINATORS)
def cancel(shift_id: int) -> Response:
    shift = roster.cancel_shift(current_user, shift_id)
    flash(f"Shift for {shift.user.handle} cancelled.")
    return redirect(url_for("shifts.roster_page", week=shift.starts_at.astimezone(hours.zone()).date().isoformat()))


@bp.route("/template", methods=["GET", "POST"])
@roles_required(*COORDINATORS)
def template() -> Any:
    result, error = None, None
    if request.method == "POST":
        form = request.form
        try:
            weekdays = [int(d) for d in form.getlist("weekdays")]
            result = roster.apply_template(
                current_user,
                form_person(form),
                form.get("role", SHIFT_PEER),
                weekdays,
                hours.parse_clock(form.get("start", ""), "start"),
                hours.parse_clock(form.get("end", ""), "end"),
                form_day(form.get("from"), "from"),
                form_day(form.get("to"), "to"),
                form.get("note", "")[:200],
            )
        except (WarmlineError, ValueError) as caught:
            error = caught if isinstance(caught, WarmlineError) else invalid("weekdays", "Pick weekdays from the list.")
    return render_template(
        "shifts/template.html",
        result=result,
        error=error,
        form=request.form,
        people_by_role=people_for_forms(),
        role_labels=ROLE_LABELS,
        weekdays=hours.WEEKDAYS,
    ), (error.status if error else 200)


@bp.get("/mine")
@roles_required(*STAFF)
def mine() -> str:
    now = clock.now()
    return render_template(
        "shifts/mine.html",
        upcoming=roster.shifts_between(now, now + timedelta(days=60), user_id=current_user.id),
        requests=roster.requests(user_id=current_user.id),
        colleagues={
            role: [p for p in people if p.id != current_user.id] for role, people in people_for_forms().items()
        },
        calendar_url=url_for("shifts.ics_feed", token=calendar.token_for(current_user), _external=True),
        on_shift=roster.is_on_shift(current_user.id, now),
        available=roster.switched_on(current_user.id),
        role_labels=ROLE_LABELS,
    )


@bp.post("/<int:shift_id>/request")
@roles_required(*STAFF)
def request_change(shift_id: int) -> Response:
    form = request.form
    try:
        swap_with = int(form["swap_with_id"]) if form.get("kind") == "swap" and form.get("swap_with_id") else None
        roster.request_change(current_user, shift_id, form.get("kind", ""), swap_with, None, form.get("note", "")[:500])
        flash("Request sent to the coordinators.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("shifts.mine"))


@bp.post("/requests/<int:request_id>/decide")
@roles_required(*COORDINATORS)
def decide(request_id: int) -> Response:
    try:
        change = roster.decide_change(
            current_user, request_id, request.form.get("decision") == "approve", request.form.get("note", "")[:500]
        )
        flash(f"Request {change.status}.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("shifts.roster_page"))


@bp.post("/requests/<int:request_id>/withdraw")
@roles_required(*STAFF)
def withdraw(request_id: int) -> Response:
    try:
        roster.withdraw_change(current_user, request_id)
        flash("Request withdrawn.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("shifts.mine"))


@bp.post("/availability")
@roles_required("peer")
def availability() -> Response:
    try:
        roster.set_available(current_user, request.form.get("available") == "on")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(
        request.referrer if (request.referrer or "").startswith(request.host_url) else url_for("shifts.mine")
    )


@bp.post("/calendar/reset")
@roles_required(*STAFF)
def calendar_reset() -> Response:
    calendar.reset_token(current_user)
    flash("Your calendar link changed; the old one no longer works.")
    return redirect(url_for("shifts.mine"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*COORDINATORS)
def settings() -> Any:
    error = None
    if request.method == "POST":
        try:
            if request.form.get("action") == "exception":
                opens, closes = request.form.get("opens"), request.form.get("closes")
                hours.add_exception(
                    form_day(request.form.get("date"), "date"),
                    hours.parse_clock(opens, "opens") if opens else None,
                    hours.parse_clock(closes, "closes") if closes else None,
                    request.form.get("note", "")[:200],
                )
            elif request.form.get("action") == "remove_exception":
                hours.remove_exception(int(request.form.get("exception_id", "0")))
            else:
                weekly = {d: parse_spans(request.form.get(f"day{d}", ""), d) for d in range(7)}
                hours.update_settings(
                    min_peers=int(request.form.get("min_peers") or 1), timezone=request.form.get("timezone") or None
                )
                hours.set_weekly_hours(weekly)
            flash("Saved.")
            return redirect(url_for("shifts.settings"))
        except WarmlineError as caught:
            error = caught
    weekly = hours.weekly_hours()
    return render_template(
        "shifts/settings.html",
        error=error,
        weekdays=hours.WEEKDAYS,
        form=request.form,
        weekly_text={
            d: ", ".join(f"{hours.format_clock(a)}-{hours.format_clock(b)}" for a, b in weekly[d]) for d in range(7)
        },
        settings=hours.settings(),
        timezone=hours.zone().key,
        exceptions=hours.exceptions_from(clock.now().astimezone(hours.zone()).date()),
    ), (error.status if error else 200)


def parse_spans(text: str, weekday: int) -> list[tuple[int, int]]:
    """'09:00-13:00, 18:00-24:00' -> [(540, 780), (1080, 1440)]."""
    spans = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "-" not in part:
            raise invalid("hours", f"{hours.WEEKDAYS[weekday]}: write hours like 09:00-17:00.")
        opens, closes = part.split("-", 1)
        spans.append((hours.parse_clock(opens, "hours"), hours.parse_clock(closes, "hours")))
    return spans


@bp.get("/calendar/<token>.ics")
@public
def ics_feed(token: str) -> Response:
    user = calendar.user_for_token(token)
    if user is None:
        abort(404)
    return Response(calendar.feed(user, request.host), mimetype="text/calendar")
