"""Staff accounts: adding people (with an invite), their roles, capacity, supervisor,
credentials, and two-factor sign-in. The rules are in services/staff.py and services/mfa.py."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask_login import current_user

from warmline import auth
from warmline.errors import WarmlineError, not_found
from warmline.extensions import db, limiter
from warmline.models import User
from warmline.models.accounts import ADMIN, CREDENTIAL_KINDS, STAFF_ROLES
from warmline.permissions import COORDINATORS, public, roles_required
from warmline.services import accounts, mfa, staff
from warmline.services.credentials import credential_json
from warmline.validation import boolean, choice, integer, iso_date, list_of, optional, text
from warmline.web.api import body, bp, ok

ROLES = list_of(choice(*STAFF_ROLES), min_items=1, max_items=len(STAFF_ROLES))
CAPACITY = integer(minimum=1, maximum=staff.CAPACITY_MAX)


def invite_url(token: str) -> str:
    return url_for("staff_pages.invite_page", token=token, _external=True)


@bp.post("/staff")
@roles_required(*COORDINATORS)
def add_staff() -> tuple[Response, int]:
    data = body(
        {
            "username": text(max_len=64),
            "roles": ROLES,
            "handle": optional(text(max_len=32)),
            "chat_capacity": optional(CAPACITY),
        }
    )
    user, token = staff.add_person(current_user, data["username"], data["roles"], data["handle"], data["chat_capacity"])
    return ok(201, user=staff.user_json(user), invite_url=invite_url(token))


@bp.get("/staff")
@roles_required(*COORDINATORS)
def list_staff() -> tuple[Response, int]:
    return ok(staff=[staff.staff_json(user) for user in staff.staff_members()])


@bp.patch("/staff/<int:user_id>")
@roles_required(*COORDINATORS)
def change_staff(user_id: int) -> tuple[Response, int]:
    fields = {
        "roles": optional(ROLES),
        "enabled": optional(boolean()),
        "chat_capacity": optional(CAPACITY),
        "supervisor_id": optional(integer(minimum=1, maximum=2**31 - 1)),
        "cancel_future_shifts": optional(boolean(), False),
    }
    data = body(fields)
    given = request.get_json(silent=True) or {}
    # null clears capacity (the organisation's default) and the supervisor; absent keeps them.
    cleared = {name: data[name] for name in ("chat_capacity", "supervisor_id") if name in given}
    user = staff.update(
        current_user,
        user_id,
        roles=data["roles"],
        enabled=data["enabled"],
        cancel_future_shifts=data["cancel_future_shifts"],
        **cleared,
    )
    return ok(user=staff.user_json(user))


@bp.post("/staff/<int:user_id>/invite")
@roles_required(*COORDINATORS)
def reinvite(user_id: int) -> tuple[Response, int]:
    body({})
    return ok(201, invite_url=invite_url(staff.reinvite(current_user, user_id)))


@bp.post("/invites/<token>")
@public
@limiter.limit("10 per minute")
def accept_invite(token: str) -> tuple[Response, int]:
    data = body({"password": text(max_len=accounts.PASSWORD_MAX, min_len=0, strip=False)})
    if current_user.is_authenticated:
        raise WarmlineError("already_signed_in", "You are already signed in; sign out first.", 409)
    user, session_token = staff.accept_invite(token[:128], data["password"])
    auth.start(user, session_token)
    return ok(user=staff.user_json(user))


@bp.post("/staff/<int:user_id>/credentials")
@roles_required(*COORDINATORS)
def add_credential(user_id: int) -> tuple[Response, int]:
    data = body(
        {
            "kind": choice(*CREDENTIAL_KINDS),
            "number": optional(text(max_len=64), ""),
            "issuer": optional(text(max_len=120), ""),
            "issued_on": optional(iso_date()),
            "expires_on": optional(iso_date()),
        }
    )
    credential = staff.add_credential(
        current_user, user_id, data["kind"], data["number"], data["issuer"], data["expires_on"], data["issued_on"]
    )
    return ok(201, credential=credential_json(credential))


@bp.post("/staff/<int:user_id>/credentials/<int:credential_id>/revoke")
@roles_required(*COORDINATORS)
def revoke_credential(user_id: int, credential_id: int) -> tuple[Response, int]:
    data = body({"from": optional(iso_date())})
    credential = staff.revoke_credential(current_user, user_id, credential_id, data["from"])
    return ok(credential=credential_json(credential))


# Two-factor sign-in ----------------------------------------------------------------------


@bp.post("/me/mfa")
@roles_required(*STAFF_ROLES)
def begin_mfa() -> tuple[Response, int]:
    body({})
    secret, uri = mfa.begin(current_user)
    return ok(secret=secret, otpauth_uri=uri)


@bp.post("/me/mfa/confirm")
@roles_required(*STAFF_ROLES)
@limiter.limit("10 per minute")
def confirm_mfa() -> tuple[Response, int]:
    data = body({"code": text(max_len=16)})
    return ok(recovery_codes=mfa.confirm(current_user, data["code"]))


@bp.delete("/me/mfa")
@roles_required(*STAFF_ROLES)
@limiter.limit("10 per minute")
def turn_off_mfa() -> tuple[Response, int]:
    data = body({"code": text(max_len=32)})
    mfa.turn_off(current_user, data["code"])
    return ok()


@bp.post("/staff/<int:user_id>/mfa/reset")
@roles_required(ADMIN)
def reset_mfa(user_id: int) -> tuple[Response, int]:
    body({})
    target = db.session.get(User, user_id)
    if target is None or target.is_member:
        raise not_found("That staff member")
    mfa.reset(current_user, target)
    return ok()


@bp.put("/settings/two-factor")
@roles_required(ADMIN)
def require_mfa() -> tuple[Response, int]:
    data: dict[str, Any] = body({"required": boolean()})
    mfa.set_required(current_user, data["required"])
    return ok(required=data["required"])
