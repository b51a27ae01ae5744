"""A browser locked by a quick exit shows the unlock screen before anything else, and the
API answers 423 `locked` (contract, "Pages"). The account page's forms about this device
(PIN, "stay signed in on this device") and deleting the account post here."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from warmline.errors import WarmlineError
from warmline.extensions import limiter
from warmline.permissions import MEMBERS, public, roles_required
from warmline.services import accounts, device_lock, member_account
from warmline.web.auth import account_page

bp = Blueprint("lock", __name__)

# What a locked browser may still reach: the unlock itself, the way out, and static files.
OPEN_WHEN_LOCKED = frozenset(
    {"static", "lock.unlock", "lock.forget", "api.unlock", "api.quick_exit", "api.csrf_token", "api.status"}
)


def locked_sign_in() -> accounts.SignIn | None:
    """The locked sign-in behind this request's cookie, if any (found by the user loader)."""
    current_user._get_current_object()  # noqa: SLF001  (runs the loader once)
    return g.get("locked_sign_in")


def locked_error(sign_in: accounts.SignIn) -> WarmlineError:
    return WarmlineError(
        "locked",
        _("This device is locked. Unlock it with your PIN or recovery code."),
        423,
        unlock=device_lock.lock_state(sign_in.user),
    )


def _safe_path(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("home.index")
    return target


def unlock_screen(sign_in: accounts.SignIn, error: WarmlineError | None = None, status: int = 200) -> tuple[str, int]:
    next_path = _safe_path(request.form.get("next") if request.method == "POST" else request.full_path.rstrip("?"))
    state = device_lock.lock_state(sign_in.user)
    return render_template("auth/unlock.html", state=state, error=error, next_path=next_path), status


@bp.before_app_request
def _enforce_lock() -> Response | tuple[object, int] | None:
    if request.endpoint in OPEN_WHEN_LOCKED:
        return None
    sign_in = locked_sign_in()
    if sign_in is None:
        return None
    if request.path.startswith("/api/"):
        return jsonify(locked_error(sign_in).to_dict()), 423
    # A page answers 200 with the unlock screen in place of itself (the API says 423).
    return unlock_screen(sign_in)


@bp.post("/unlock")
@public
@limiter.limit("10 per minute")
def unlock() -> Response | tuple[object, int]:
    sign_in = locked_sign_in()
    if sign_in is None:
        return redirect(_safe_path(request.form.get("next")))
    try:
        device_lock.unlock(
            sign_in,
            pin=request.form.get("pin", "").strip()[:16] or None,
            recovery_code=request.form.get("recovery_code", "").strip()[:64] or None,
        )
    except WarmlineError as error:
        return unlock_screen(sign_in, error, error.status)
    g.pop("locked_sign_in", None)
    return redirect(_safe_path(request.form.get("next")))


@bp.post("/unlock/forget")
@public
def forget() -> Response:
    sign_in = locked_sign_in()
    if sign_in is not None:
        device_lock.forget_device(sign_in)
    logout_user()
    return redirect(url_for("home.index"))


@bp.post("/account/pin")
@roles_required(*MEMBERS)
def set_pin() -> Response | tuple[str, int]:
    pin = request.form.get("pin", "").strip()[:16]
    try:
        device_lock.set_pin(current_user, pin or None)
    except WarmlineError as error:
        return account_page(pin_error=error), error.status
    return redirect(url_for("auth.account"))


@bp.post("/account/delete")
@roles_required(*MEMBERS)
def delete_account() -> Response | tuple[str, int]:
    if request.form.get("confirm") != "yes":
        return account_page(delete_unconfirmed=True), 400
    result = member_account.delete_account(current_user)
    logout_user()
    return render_template("auth/deleted.html", result=result)


@bp.post("/account/device")
@roles_required(*MEMBERS)
def keep_signed_in() -> Response:
    device_lock.set_keep_on_exit(current_user.auth_session_id, request.form.get("keep_signed_in") == "yes")
    return redirect(url_for("auth.account"))
