"""Sessions: anonymous members, staff sign-in, who am I, the CSRF token."""

from __future__ import annotations

from flask import Response
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from warmline import auth
from warmline.errors import WarmlineError
from warmline.extensions import limiter
from warmline.models import User
from warmline.permissions import ANY_SIGNED_IN, MEMBERS, STAFF, public, roles_required
from warmline.services import accounts, mfa
from warmline.services import preferences as prefs
from warmline.validation import boolean, optional, text
from warmline.web.api import body, bp, ok


def user_json(user: User) -> dict[str, object]:
    return {"id": user.id, "username": user.username, "handle": user.handle, "roles": user.roles}


def member_json(user: User) -> dict[str, object]:
    return {"id": user.id, "handle": user.handle}


def _refuse_if_signed_in() -> None:
    if current_user.is_authenticated:
        raise WarmlineError("already_signed_in", "You are already signed in; sign out first.", 409)


@bp.get("/csrf")
@public
def csrf_token() -> tuple[Response, int]:
    return ok(csrf_token=generate_csrf())


@bp.post("/members")
@public
@limiter.limit("20 per hour")
def create_member() -> tuple[Response, int]:
    data = body({"handle": optional(text(max_len=64))})
    _refuse_if_signed_in()
    member, code, token = accounts.join(data["handle"])
    auth.start(member, token)
    return ok(201, member=member_json(member), recovery_code=code, csrf_token=generate_csrf())


@bp.post("/members/recover")
@public
@limiter.limit("10 per minute")
def recover_member() -> tuple[Response, int]:
    data = body({"handle": text(max_len=64), "recovery_code": text(max_len=64)})
    _refuse_if_signed_in()
    member, code, token = accounts.recover(data["handle"], data["recovery_code"])
    auth.start(member, token)
    return ok(member=member_json(member), user=user_json(member), recovery_code=code, csrf_token=generate_csrf())


@bp.post("/login")
@public
@limiter.limit("10 per minute")
def login() -> tuple[Response, int]:
    data = body(
        {
            "username": text(max_len=64),
            "password": text(max_len=accounts.PASSWORD_MAX, strip=False),
            "otp": optional(text(max_len=32)),
        }
    )
    _refuse_if_signed_in()
    user, token = accounts.sign_in(data["username"], data["password"], data["otp"])
    auth.start(user, token)
    if mfa.needs_enrolment(user):  # the organisation requires two-factor: enrol before anything else
        return ok(user=user_json(user), mfa_setup_required=True, csrf_token=generate_csrf())
    return ok(user=user_json(user), csrf_token=generate_csrf())


@bp.post("/logout")
@public
def logout() -> tuple[Response, int]:
    body({})
    if current_user.is_authenticated:
        auth.stop(current_user)
    return ok()


@bp.get("/me")
@roles_required(*ANY_SIGNED_IN)
def me() -> tuple[Response, int]:
    return ok(user=user_json(current_user))


@bp.post("/me/recovery-code")
@roles_required(*MEMBERS)
def new_recovery_code() -> tuple[Response, int]:
    body({})
    return ok(recovery_code=accounts.new_recovery_code(current_user))


@bp.get("/me/preferences")
@roles_required(*STAFF)
def preferences() -> tuple[Response, int]:
    return ok(preferences=prefs.of(current_user))


@bp.patch("/me/preferences")
@roles_required(*STAFF)
def update_preferences() -> tuple[Response, int]:
    data = body({"alert_sound": optional(boolean())})
    return ok(preferences=prefs.update(current_user, alert_sound=data["alert_sound"]))
