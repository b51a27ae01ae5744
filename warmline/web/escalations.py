"""Escalation pages: the coordinators' list (filters, overdue, CSV) and one record with its
transcript excerpt and every kind of follow-up. Each view is logged as a read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from warmline import clock
from warmline.errors import WarmlineError
from warmline.models.escalations import ESCALATION_RISKS
from warmline.permissions import COORDINATORS, STAFF, roles_required
from warmline.services import escalations, hours, roster, supervision
from warmline.services.hours import iso

bp = Blueprint("escalations", __name__, url_prefix="/escalations")

ACTION_LABELS = {
    "supervisor_consult": "Supervisor consulted",
    "safety_plan": "Safety plan",
    "warm_handoff_988": "Warm hand-off to 988",
    "mobile_crisis": "Mobile crisis team",
    "emergency_services": "Emergency services (911)",
    "other": "Other",
}


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("")
@roles_required(*COORDINATORS)
def list_page() -> str:
    start_day, end_day = _day("from"), _day("to")
    tz = hours.zone()
    found = escalations.search(
        start=hours.local_instant(start_day, 0, tz) if start_day else None,
        end=hours.local_instant(end_day + timedelta(days=1), 0, tz) if end_day else None,
        risk=request.args.get("risk") or None,
        action=request.args.get("action") or None,
        peer_id=request.args.get("peer_id", type=int),
        state=request.args.get("status") or None,
    )
    escalations.record_read(current_user, "list")
    rows = [(e, escalations.status_of(e)) for e in found]
    csv_args = {k: v for k, v in request.args.items() if k in ("risk", "action", "peer_id", "status") and v}
    if start_day:
        csv_args["from"] = iso(hours.local_instant(start_day, 0, tz))
    if end_day:
        csv_args["to"] = iso(hours.local_instant(end_day + timedelta(days=1), 0, tz))
    return render_template(
        "escalations/list.html",
        rows=rows,
        unacknowledged=[(e, s) for e, s in rows if s["state"] == "open"],
        risks=ESCALATION_RISKS,
        actions=ACTION_LABELS,
        peers=roster.staff_for("peer"),
        args=request.args,
        csv_url=url_for("api.export_csv", **csv_args),
    )


@bp.get("/<int:escalation_id>")
@roles_required(*STAFF)
def detail(escalation_id: int) -> str:
    escalation = escalations.get(escalation_id)
    if not escalations.can_read(current_user, escalation):
        abort(403)
    escalations.record_read(current_user, "detail", escalation.id)
    return render_template(
        "escalations/detail.html",
        e=escalation,
        status=escalations.status_of(escalation),
        excerpt=escalations.transcript_excerpt(escalation),
        actions=ACTION_LABELS,
        is_coordinator=current_user.has_role(*COORDINATORS),
        coordinators=roster.staff_for("on_call_coordinator"),
        monitor_sessions=supervision.sessions_for(escalation.conversation_id) if escalation.conversation_id else [],
    )


@bp.post("/<int:escalation_id>/entries")
@roles_required(*STAFF)
def add_entry(escalation_id: int) -> Response:
    form = request.form
    data: dict[str, Any] = {
        k: form[k].strip() for k in ("note", "outcome", "service", "reference") if form.get(k, "").strip()
    }
    if form.get("owner_id", "").isdigit():
        data["owner_id"] = int(form["owner_id"])
    for name in ("due_at", "contacted_at"):
        if form.get(name):
            try:
                day, time = form[name].split("T")
                data[name] = iso(hours.local_instant(date.fromisoformat(day), hours.parse_clock(time[:5], name)))
            except (ValueError, WarmlineError):
                flash(f"{name.replace('_', ' ')}: pick a date and time.", "error")
                return redirect(url_for("escalations.detail", escalation_id=escalation_id))
    try:
        escalations.append(current_user, escalation_id, form.get("kind", "note"), data)
        flash("Added to the record.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("escalations.detail", escalation_id=escalation_id))


def now_local_input() -> str:
    return clock.now().astimezone(hours.zone()).strftime("%Y-%m-%dT%H:%M")
