"""Escalation records over HTTP: coordinators list, export and review; coordinators and the
peer who escalated append follow-ups. There is no route that edits or deletes one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, request
from flask_login import current_user

from warmline.errors import forbidden
from warmline.models import Escalation, EscalationEntry
from warmline.models.escalations import ACTIONS, ESCALATION_RISKS
from warmline.permissions import COORDINATORS, STAFF, roles_required
from warmline.services import escalations
from warmline.services.hours import iso
from warmline.validation import choice, optional, parse, text, timestamp, whole_number
from warmline.web.api import body, bp, ok


def entry_json(entry: EscalationEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "data": entry.data,
        "created_at": iso(entry.created_at),
        "author": {"id": entry.author_id, "handle": entry.author.handle} if entry.author else None,
    }


def escalation_json(e: Escalation, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": e.id,
        "escalation_id": e.id,
        "conversation_id": e.conversation_id,
        "peer": {"id": e.peer_id, "handle": e.peer.handle},
        "member_handle": e.member.handle if e.member else None,
        "risk_level": e.risk_level,
        "action": e.action,
        "consent": e.consent,
        "notes": e.notes,
        "created_at": iso(e.created_at),
        "status": escalations.status_of(e),
        "hash": e.hash,
    }
    if detail:
        data["entries"] = [entry_json(x) for x in e.entries]
    return data


def _filters() -> dict[str, Any]:
    args = {k: v for k, v in request.args.items() if v != ""}
    for key in ("from", "to"):
        if key in args:
            args[key] = args[key].replace(" ", "+")
    clean = parse(
        args,
        {
            "from": optional(timestamp()),
            "to": optional(timestamp()),
            "risk": optional(choice(*ESCALATION_RISKS)),
            "action": optional(choice(*ACTIONS)),
            "peer_id": optional(whole_number()),
            "status": optional(choice("open", "acknowledged", "closed", "overdue")),
        },
    )
    return {
        "start": clean["from"],
        "end": clean["to"],
        "risk": clean["risk"],
        "action": clean["action"],
        "peer_id": clean["peer_id"],
        "state": clean["status"],
    }


@bp.get("/escalations")
@roles_required(*COORDINATORS)
def list_escalations() -> tuple[Response, int]:
    found = escalations.search(**_filters())
    escalations.record_read(current_user, "list")
    return ok(escalations=[escalation_json(e) for e in found])


@bp.get("/escalations.csv")
@roles_required(*COORDINATORS)
def export_csv() -> Response:
    found = escalations.search(**_filters())
    escalations.record_read(current_user, "csv")
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    response = Response(escalations.to_csv(found), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="escalations-{stamp}.csv"'
    return response


@bp.get("/escalations/<int:escalation_id>")
@roles_required(*STAFF)
def get_escalation(escalation_id: int) -> tuple[Response, int]:
    escalation = escalations.get(escalation_id)
    if not escalations.can_read(current_user, escalation):
        raise forbidden("Only coordinators and the peer who escalated can read this record.")
    escalations.record_read(current_user, "detail", escalation.id)
    return ok(escalation=escalation_json(escalation, detail=True))


@bp.post("/escalations/<int:escalation_id>/followups")
@roles_required(*STAFF)
def add_followup(escalation_id: int) -> tuple[Response, int]:
    """The contract's `{"note", "outcome"?}`; and `kind` with its fields (extension)."""
    data = body(
        {
            "note": optional(text(max_len=4000, min_len=0, multiline=True), ""),
            "outcome": optional(text(max_len=500)),
            "kind": optional(choice(*[k for k in escalations.ENTRY_KINDS if k != "alert_broadened"])),
            "service": optional(text(max_len=200)),
            "contacted_at": optional(timestamp()),
            "reference": optional(text(max_len=100)),
            "owner_id": optional(whole_number()),
            "due_at": optional(timestamp()),
        }
    )
    kind = data["kind"] or ("outcome" if data["outcome"] else "note")
    fields = {
        "note": data["note"],
        "outcome": data["outcome"],
        "service": data["service"],
        "reference": data["reference"],
        "contacted_at": iso(data["contacted_at"]) if data["contacted_at"] else None,
        "owner_id": data["owner_id"],
        "due_at": iso(data["due_at"]) if data["due_at"] else None,
    }
    entry = escalations.append(
        current_user, escalation_id, kind, {k: v for k, v in fields.items() if v not in (None, "")}
    )
    return ok(201, entry=entry_json(entry))
