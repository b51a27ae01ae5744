"""Peer tools over HTTP (CONTRACT.md "Peer tools"): canned responses, the resource
directory, follow-up check-ins."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from warmline.models.peer_tools import MINE, SHARED
from warmline.permissions import COORDINATORS, MEMBERS, PEERS, public, roles_required
from warmline.services import canned, checkins, resources
from warmline.validation import choice, integer, optional, text, timestamp
from warmline.web.api import body, bp, ok

# Coordinators keep the shared replies, so they read and write them too.
CANNED_USERS = (*PEERS, *COORDINATORS)
CANNED_FIELDS = {
    "title": text(max_len=120),
    "body": text(max_len=2000, multiline=True),
    "shortcut": optional(text(max_len=33, min_len=0)),
}
RESOURCE_FIELDS = {
    wire: (text(max_len=size) if wire == "name" else optional(text(max_len=size, min_len=0, multiline=True), ""))
    for wire, size in resources.MAX_LENGTHS.items()
}
RESOURCE_FIELDS["category"] = text(max_len=32)


@bp.get("/canned-responses")
@roles_required(*CANNED_USERS)
def list_canned() -> tuple[Response, int]:
    return ok(responses=[canned.response_json(r) for r in canned.visible_to(current_user)])


@bp.post("/canned-responses")
@roles_required(*CANNED_USERS)
def create_canned() -> tuple[Response, int]:
    data = body({**CANNED_FIELDS, "scope": optional(choice(SHARED, MINE), MINE)})
    row = canned.create(current_user, data["title"], data["body"], data["shortcut"], data["scope"])
    return ok(201, response=canned.response_json(row))


@bp.put("/canned-responses/<int:response_id>")
@roles_required(*CANNED_USERS)
def update_canned(response_id: int) -> tuple[Response, int]:
    data = body(CANNED_FIELDS)
    row = canned.update(current_user, response_id, data["title"], data["body"], data["shortcut"])
    return ok(response=canned.response_json(row))


@bp.delete("/canned-responses/<int:response_id>")
@roles_required(*CANNED_USERS)
def delete_canned(response_id: int) -> tuple[Response, int]:
    canned.delete(current_user, response_id)
    return ok()


@bp.get("/resources")
@public
def list_resources() -> tuple[Response, int]:
    query = request.args.get("q", "")[:200]
    category = request.args.get("category") or None
    return ok(resources=[resources.resource_json(r) for r in resources.search(query, category)])


@bp.post("/resources")
@roles_required(*COORDINATORS)
def create_resource() -> tuple[Response, int]:
    row = resources.create(body(RESOURCE_FIELDS))
    return ok(201, resource=resources.resource_json(row))


# Follow-up check-ins -------------------------------------------------------------------------


@bp.post("/me/checkins")
@roles_required(*MEMBERS)
def request_checkin() -> tuple[Response, int]:
    data = body(
        {
            "conversation_id": integer(minimum=1),
            "when": optional(choice(checkins.TOMORROW_EVENING)),
            "at": optional(timestamp()),
        }
    )
    checkin = checkins.request(current_user, data["conversation_id"], when=data["when"], at=data["at"])
    return ok(201, checkin=checkins.member_json(checkin))


@bp.get("/me/checkins")
@roles_required(*MEMBERS)
def my_checkins() -> tuple[Response, int]:
    return ok(checkins=[checkins.member_json(c) for c in checkins.of_member(current_user)])


@bp.delete("/me/checkins/<int:checkin_id>")
@roles_required(*MEMBERS)
def cancel_checkin(checkin_id: int) -> tuple[Response, int]:
    return ok(checkin=checkins.member_json(checkins.cancel(current_user, checkin_id)))


@bp.get("/checkins")
@roles_required(*PEERS, *COORDINATORS)
def due_checkins() -> tuple[Response, int]:
    """The check-ins in the queue (due, not taken), those this peer took, and for
    coordinators those not taken within their shift."""
    data = {
        "due": [checkins.staff_json(c) for c in checkins.due()],
        "taken": [checkins.staff_json(c) for c in checkins.taken_by(current_user)],
    }
    if current_user.has_role(*COORDINATORS):
        data["missed"] = [checkins.staff_json(c) for c in checkins.missed()]
    return ok(**data)


@bp.post("/checkins/<int:checkin_id>/take")
@roles_required(*PEERS)
def take_checkin(checkin_id: int) -> tuple[Response, int]:
    return ok(checkin=checkins.staff_json(checkins.take(current_user, checkin_id)))


@bp.post("/checkins/<int:checkin_id>/message")
@roles_required(*PEERS)
def send_checkin(checkin_id: int) -> tuple[Response, int]:
    data = body({"body": text(max_len=checkins.BODY_MAX, multiline=True)})
    return ok(checkin=checkins.staff_json(checkins.send(current_user, checkin_id, data["body"])))


@bp.put("/checkins/<int:checkin_id>/handoff")
@roles_required(*PEERS)
def checkin_handoff(checkin_id: int) -> tuple[Response, int]:
    data = body({"note": text(max_len=2000, min_len=0, multiline=True)})
    return ok(checkin=checkins.staff_json(checkins.set_handoff_note(current_user, checkin_id, data["note"])))
