"""Peer tools over HTTP (CONTRACT.md "Peer tools"): canned responses and the resource
directory."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from warmline.models.peer_tools import MINE, SHARED
from warmline.permissions import COORDINATORS, PEERS, public, roles_required
from warmline.services import canned, resources
from warmline.validation import choice, optional, text
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
