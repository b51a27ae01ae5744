"""Sign-in pages: join anonymously, come back with a recovery code, staff login, account."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from warmline import auth
from warmline.errors import WarmlineError
from warmline.extensions import limiter
from warmline.models.accounts import ADMIN, BILLING, COORDINATOR, MODERATOR, PEER
from warmline.permissions import ANY_SIGNED_IN, MEMBERS, public, roles_required
from warmline.services import accounts, device_lock, mfa
from warmline.web.navigation import same_site_path

bp = Blueprint("auth", __name__)

# Where staff land after signing in, first match wins; an endpoint not built yet is skipped.
LANDING = [
    (PEER, "chat.console"),
    (COORDINATOR, "shifts.roster_page"),
    (MODERATOR, "moderation.queue_page"),
    (ADMIN, "staff_pages.list_page"),
    (BILLING, "billing.index"),
]


def _landing() -> str:
    for role, endpoint in LANDING:
        if current_user.has_role(role) and endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("home.index")


@bp.route("/join", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def join() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("auth/join.html")
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    chosen = request.form.get("handle", "").strip()[:64] or None
    try:
        member, code, token = accounts.join(chosen)
    except WarmlineError as error:
        return render_template("auth/join.html", error=error, handle=chosen), error.status
    auth.start(member, token)
    return render_template("auth/welcome.html", handle=member.handle, recovery_code=code, came_back=False)


@bp.route("/recover", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
def recover() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("auth/recover.html")
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    handle = request.form.get("handle", "")[:64]
    try:
        member, code, token = accounts.recover(handle, request.form.get("recovery_code", "")[:64])
    except WarmlineError as error:
        return render_template("auth/recover.html", error=error, handle=handle), error.status
    auth.start(member, token)
    return render_template("auth/welcome.html", handle=member.handle, recovery_code=code, came_back=True)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = same_site_path(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", next_url=next_url)
    username = request.form.get("username", "")[:64]
    otp = request.form.get("otp", "").strip()[:32] or None
    try:
        user, token = accounts.sign_in(username, request.form.get("password", "")[: accounts.PASSWORD_MAX], otp)
    except WarmlineError as error:
        # A right password and no (or a wrong) code: the same form again, asking for the code.
        return render_template(
            "auth/login.html",
            error=error,
            username=username,
            next_url=next_url,
            ask_otp=error.code == "mfa_required",
        ), error.status
    auth.start(user, token)
    if mfa.needs_enrolment(user):
        return redirect(url_for("staff_pages.two_factor"))
    return redirect(next_url or _landing())


@bp.post("/logout")
@public
def logout() -> Response:
    if current_user.is_authenticated:
        auth.stop(current_user)
    return redirect(url_for("home.index"))


def account_page(**extra: object) -> str:
    keep = current_user.is_member and device_lock.keeps_on_exit(current_user.auth_session_id)
    return render_template("auth/account.html", keep_on_exit=keep, **extra)


@bp.get("/account")
@roles_required(*ANY_SIGNED_IN)
def account() -> str:
    return account_page()


@bp.post("/account/recovery-code")
@roles_required(*MEMBERS)
def new_recovery_code() -> str:
    code = accounts.new_recovery_code(current_user)
    return render_template("auth/welcome.html", handle=current_user.handle, recovery_code=code, came_back=True)
