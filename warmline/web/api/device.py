"""This device: the quick exit's lock, unlocking it, the member's PIN, and "stay signed in
on this device" (warmline/services/device_lock.py)."""

from __future__ import annotations

from flask import Response
from flask_login import current_user, logout_user

from warmline.errors import WarmlineError
from warmline.extensions import limiter
from warmline.permissions import MEMBERS, public, roles_required
from warmline.services import device_lock, member_account
from warmline.validation import boolean, optional, text
from warmline.web.api import body, bp, ok
from warmline.web.api.sessions import user_json
from warmline.web.lock import locked_sign_in


@bp.post("/me/quick-exit")
@public
def quick_exit() -> tuple[Response, int]:
    """Sent by the page as it leaves (a keepalive fetch): lock this browser."""
    if not current_user.is_authenticated:
        return ok(locked=locked_sign_in() is not None)
    return ok(locked=device_lock.quick_exit(current_user, current_user.auth_session_id))


@bp.post("/me/unlock")
@public
@limiter.limit("10 per minute")
def unlock() -> tuple[Response, int]:
    data = body({"pin": optional(text(max_len=16)), "recovery_code": optional(text(max_len=64))})
    sign_in = locked_sign_in()
    if sign_in is None:
        raise WarmlineError("not_locked", "This device is not locked.", 409)
    member = device_lock.unlock(sign_in, pin=data["pin"], recovery_code=data["recovery_code"])
    return ok(user=user_json(member))


@bp.put("/me/pin")
@roles_required(*MEMBERS)
def set_pin() -> tuple[Response, int]:
    data = body({"pin": optional(text(max_len=16))})
    device_lock.set_pin(current_user, data["pin"])
    return ok()


@bp.put("/me/device")
@roles_required(*MEMBERS)
def set_device() -> tuple[Response, int]:
    data = body({"keep_signed_in": boolean()})
    device_lock.set_keep_on_exit(current_user.auth_session_id, data["keep_signed_in"])
    return ok(keep_signed_in=data["keep_signed_in"])


@bp.delete("/me")
@roles_required(*MEMBERS)
def delete_me() -> tuple[Response, int]:
    """A member deletes their own account (warmline/services/member_account.py)."""
    result = member_account.delete_account(current_user)
    logout_user()
    return ok(
        transcripts_deleted=result.transcripts_deleted,
        transcripts_kept=result.transcripts_kept,
        posts_removed=result.posts_removed,
    )
