"""Canned responses: saved replies a peer inserts into the reply box and edits before
sending (never sent unseen). Shared ones are kept by coordinators; each peer keeps their
own, which nobody else sees."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from warmline import clock
from warmline.errors import WarmlineError, forbidden, invalid
from warmline.extensions import db
from warmline.models import CannedResponse, User
from warmline.models.peer_tools import MINE, SHARED
from warmline.permissions import COORDINATORS

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
LIMIT = 500


def can_keep_shared(user: User) -> bool:
    return user.has_role(*COORDINATORS)


def visible_to(user: User) -> list[CannedResponse]:
    """The shared replies and the user's own; the user's own shortcut wins over a shared one."""
    return list(
        db.session.scalars(
            sa.select(CannedResponse)
            .where(sa.or_(CannedResponse.owner_id.is_(None), CannedResponse.owner_id == user.id))
            .order_by(CannedResponse.owner_id.is_(None), sa.func.lower(CannedResponse.title), CannedResponse.id)
            .limit(LIMIT)
        )
    )


def normalise_shortcut(value: str | None) -> str | None:
    if not value:
        return None
    shortcut = value.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise invalid("shortcut", "A shortcut is 1 to 32 letters, digits, - or _ (typed as /hi).")
    return shortcut


def _check_shortcut_free(owner_id: int | None, shortcut: str | None, except_id: int | None = None) -> None:
    if shortcut is None:
        return
    taken = db.session.scalar(
        sa.select(CannedResponse.id).where(
            CannedResponse.shortcut == shortcut,
            CannedResponse.owner_id.is_(None) if owner_id is None else CannedResponse.owner_id == owner_id,
            CannedResponse.id != (except_id or 0),
        )
    )
    if taken is not None:
        raise WarmlineError("shortcut_taken", f"/{shortcut} is already used.", 409, field="shortcut")


def create(user: User, title: str, body: str, shortcut: str | None, scope: str) -> CannedResponse:
    if scope == SHARED and not can_keep_shared(user):
        raise forbidden("Only coordinators keep the shared replies.")
    owner_id = None if scope == SHARED else user.id
    key = normalise_shortcut(shortcut)
    _check_shortcut_free(owner_id, key)
    row = CannedResponse(owner_id=owner_id, title=title, body=body, shortcut=key)
    db.session.add(row)
    db.session.commit()
    return row


def _editable(user: User, response_id: int) -> CannedResponse:
    row = db.session.get(CannedResponse, response_id)
    # Someone else's private reply: answered as missing, so it is not even known to exist.
    if row is None or (row.owner_id is not None and row.owner_id != user.id):
        raise WarmlineError("not_found", "That saved reply was not found.", 404)
    if row.owner_id is None and not can_keep_shared(user):
        raise forbidden("Only coordinators keep the shared replies.")
    return row


def update(user: User, response_id: int, title: str, body: str, shortcut: str | None) -> CannedResponse:
    row = _editable(user, response_id)
    key = normalise_shortcut(shortcut)
    _check_shortcut_free(row.owner_id, key, except_id=row.id)
    row.title, row.body, row.shortcut, row.updated_at = title, body, key, clock.now()
    db.session.commit()
    return row


def delete(user: User, response_id: int) -> None:
    db.session.delete(_editable(user, response_id))
    db.session.commit()


def response_json(row: CannedResponse) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "body": row.body,
        "shortcut": row.shortcut,
        "scope": SHARED if row.owner_id is None else MINE,
    }
