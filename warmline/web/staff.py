"""Staff pages: the list, adding a person (the invite link shown once), editing roles,
capacity and supervisor, disabling, credentials, two-factor resets; the invite page where a
newcomer sets a password; and a person's own two-factor set-up."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from warmline import auth, clock
from warmline.errors import WarmlineError, invalid, not_found
from warmline.extensions import db, limiter
from warmline.models import User
from warmline.models.accounts import ADMIN, CREDENTIAL_KINDS, STAFF_ROLES
from warmline.permissions import COORDINATORS, public, roles_required
from warmline.services import accounts, credentials, mfa, staff

bp = Blueprint("staff_pages", __name__)

KIND_LABELS = {"certified_peer_specialist": "Certified peer specialist", "npi": "NPI", "training": "Training"}


def _invite_url(token: str) -> str:
    return url_for("staff_pages.invite_page", token=token, _external=True)


def _capacity(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 3:
        raise invalid("chat_capacity", f"Capacity is 1 to {staff.CAPACITY_MAX} conversations at once.")
    return int(value)


def _optional_id(value: str | None, field: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise invalid(field, "Choose from the list.")
    return int(value)


def _day(value: str | None, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise invalid(field, "Pick a date.") from None


def _roles_from_form() -> list[str]:
    return [role for role in request.form.getlist("roles") if role in STAFF_ROLES]


def _grantable() -> list[str]:
    return [role for role in STAFF_ROLES if staff.may_grant(current_user, [role])]


def _list_page(error: WarmlineError | None = None, invite: dict[str, Any] | None = None, status: int = 200) -> Any:
    today = clock.now().date()
    people = staff.staff_members()
    return render_template(
        "staff/list.html",
        people=people,
        by_id={p.id: p for p in people},
        credentials_of={p.id: credentials.credentials_of(p.id) for p in people},
        is_valid=lambda c: credentials.is_valid(c, today),
        revoked_from=credentials.revoked_from,
        may_manage=lambda p: staff.may_manage(current_user, p),
        grantable=_grantable(),
        kind_labels=KIND_LABELS,
        mfa_required=mfa.required(),
        is_admin=current_user.has_role(ADMIN),
        invite=invite,
        error=error,
        form=request.form if request.method == "POST" and error else {},
        checked_roles=_roles_from_form() if request.method == "POST" and error else ["peer"],
    ), status


@bp.get("/staff")
@roles_required(*COORDINATORS)
def list_page() -> Any:
    return _list_page()


@bp.post("/staff")
@roles_required(*COORDINATORS)
def add() -> Any:
    try:
        user, token = staff.add_person(
            current_user,
            request.form.get("username", "")[:64],
            _roles_from_form(),
            request.form.get("handle", "").strip()[:32] or None,
            _capacity(request.form.get("chat_capacity")),
        )
    except WarmlineError as error:
        db.session.rollback()
        return _list_page(error=error, status=error.status)
    return _list_page(invite={"user": user, "url": _invite_url(token)}, status=201)


def _person(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or person.is_member:
        raise not_found("That staff member")
    return person


def _edit_page(person: User, error: WarmlineError | None = None, invite: str | None = None, status: int = 200) -> Any:
    today = clock.now().date()
    return render_template(
        "staff/edit.html",
        person=person,
        may_manage=staff.may_manage(current_user, person),
        grantable=_grantable(),
        all_roles=STAFF_ROLES,
        coordinators=[c for c in staff.coordinators() if c.id != person.id],
        credentials=credentials.credentials_of(person.id),
        is_valid=lambda c: credentials.is_valid(c, today),
        revoked_from=credentials.revoked_from,
        today=today,
        kind_labels=KIND_LABELS,
        kinds=CREDENTIAL_KINDS,
        future_shifts=staff.future_shifts(person.id),
        is_admin=current_user.has_role(ADMIN),
        invite_url=invite,
        error=error,
    ), status


@bp.get("/staff/<int:user_id>")
@roles_required(*COORDINATORS)
def edit_page(user_id: int) -> Any:
    return _edit_page(_person(user_id))


def _act(user_id: int, action: Any, done: str) -> Any:
    """Runs one service call for the edit page: back to it with a notice, or the error."""
    person = _person(user_id)
    try:
        action(person)
    except WarmlineError as error:
        db.session.rollback()
        return _edit_page(_person(user_id), error=error, status=error.status)
    flash(done)
    return redirect(url_for("staff_pages.edit_page", user_id=user_id))


@bp.post("/staff/<int:user_id>")
@roles_required(*COORDINATORS)
def update(user_id: int) -> Any:
    def change(person: User) -> None:
        roles = _roles_from_form()
        staff.update(
            current_user,
            person.id,
            roles=roles if roles != person.roles else None,
            chat_capacity=_capacity(request.form.get("chat_capacity")),
            supervisor_id=_optional_id(request.form.get("supervisor_id"), "supervisor_id"),
        )

    return _act(user_id, change, "Saved. A role change signs them out everywhere.")


@bp.post("/staff/<int:user_id>/disable")
@roles_required(*COORDINATORS)
def disable(user_id: int) -> Any:
    cancel = request.form.get("cancel_future_shifts") == "yes"
    return _act(
        user_id,
        lambda person: staff.update(current_user, person.id, enabled=False, cancel_future_shifts=cancel),
        "Disabled: signed out everywhere; conversations they held went back to the queue."
        + (" Their coming shifts are cancelled." if cancel else ""),
    )


@bp.post("/staff/<int:user_id>/enable")
@roles_required(*COORDINATORS)
def enable(user_id: int) -> Any:
    return _act(user_id, lambda person: staff.update(current_user, person.id, enabled=True), "Enabled again.")


@bp.post("/staff/<int:user_id>/invite")
@roles_required(*COORDINATORS)
def invite(user_id: int) -> Any:
    person = _person(user_id)
    try:
        token = staff.reinvite(current_user, person.id)
    except WarmlineError as error:
        db.session.rollback()
        return _edit_page(person, error=error, status=error.status)
    return _edit_page(_person(user_id), invite=_invite_url(token), status=201)


@bp.post("/staff/<int:user_id>/credentials")
@roles_required(*COORDINATORS)
def add_credential(user_id: int) -> Any:
    def add(person: User) -> None:
        staff.add_credential(
            current_user,
            person.id,
            request.form.get("kind", ""),
            request.form.get("number", "").strip()[:64],
            request.form.get("issuer", "").strip()[:120],
            _day(request.form.get("expires_on"), "expires_on"),
            _day(request.form.get("issued_on"), "issued_on"),
        )

    return _act(user_id, add, "Credential added.")


@bp.post("/staff/<int:user_id>/credentials/<int:credential_id>/revoke")
@roles_required(*COORDINATORS)
def revoke_credential(user_id: int, credential_id: int) -> Any:
    def revoke(person: User) -> None:
        staff.revoke_credential(current_user, person.id, credential_id, _day(request.form.get("from"), "from"))

    return _act(user_id, revoke, "Credential revoked.")


@bp.post("/staff/<int:user_id>/mfa/reset")
@roles_required(ADMIN)
def reset_mfa(user_id: int) -> Any:
    return _act(
        user_id,
        lambda person: mfa.reset(current_user, person),
        "Two-factor sign-in reset: they sign in with their password and set it up again.",
    )


@bp.post("/staff/settings/two-factor")
@roles_required(ADMIN)
def require_mfa() -> Any:
    required = request.form.get("required") == "yes"
    mfa.set_required(current_user, required)
    flash("Two-factor sign-in is now required of all staff." if required else "Two-factor sign-in is optional.")
    return redirect(url_for("staff_pages.list_page"))


# The invite page: public, the token is the key ------------------------------------------


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
def invite_page(token: str) -> Any:
    token = token[:128]
    try:
        person = staff.invite_user(token)
    except WarmlineError as error:
        return render_template("staff/invite.html", error=error, dead=True, rules=accounts.PASSWORD_RULES), error.status
    if request.method == "GET":
        return render_template("staff/invite.html", person=person, rules=accounts.PASSWORD_RULES)
    if current_user.is_authenticated:
        error = WarmlineError("already_signed_in", "You are signed in as someone else here: sign out first.", 409)
        return render_template("staff/invite.html", person=person, rules=accounts.PASSWORD_RULES, error=error), 409
    password = request.form.get("password", "")[: accounts.PASSWORD_MAX]
    try:
        if password != request.form.get("confirm", "")[: accounts.PASSWORD_MAX]:
            raise invalid("confirm", "The two passwords differ.")
        user, session_token = staff.accept_invite(token, password)
    except WarmlineError as error:
        db.session.rollback()
        return render_template(
            "staff/invite.html", person=person, rules=accounts.PASSWORD_RULES, error=error
        ), error.status
    auth.start(user, session_token)
    flash("Your password is set and you are signed in.")
    if mfa.needs_enrolment(user):
        return redirect(url_for("staff_pages.two_factor"))
    return redirect(url_for("auth.account"))


# Your own two-factor sign-in ------------------------------------------------------------


def _two_factor_page(error: WarmlineError | None = None, codes: list[str] | None = None, status: int = 200) -> Any:
    uri = mfa.pending_uri(current_user)
    return render_template(
        "staff/two_factor.html",
        pending_uri=uri,
        pending_key=parse_qs(urlsplit(uri).query)["secret"][0] if uri else None,
        qr=Markup(mfa.qr_svg(uri)) if uri else None,  # noqa: S704  (segno's SVG of our own URI)
        recovery_codes=codes,
        required=mfa.required(),
        error=error,
    ), status


@bp.get("/account/two-factor")
@roles_required(*STAFF_ROLES)
def two_factor() -> Any:
    return _two_factor_page()


@bp.post("/account/two-factor/start")
@roles_required(*STAFF_ROLES)
def two_factor_start() -> Any:
    try:
        mfa.begin(current_user)
    except WarmlineError as error:
        return _two_factor_page(error=error, status=error.status)
    return redirect(url_for("staff_pages.two_factor"))


@bp.post("/account/two-factor/confirm")
@roles_required(*STAFF_ROLES)
@limiter.limit("10 per minute")
def two_factor_confirm() -> Any:
    try:
        codes = mfa.confirm(current_user, request.form.get("code", "")[:16])
    except WarmlineError as error:
        return _two_factor_page(error=error, status=error.status)
    return _two_factor_page(codes=codes)


@bp.post("/account/two-factor/off")
@roles_required(*STAFF_ROLES)
@limiter.limit("10 per minute")
def two_factor_off() -> Any:
    try:
        mfa.turn_off(current_user, request.form.get("code", "")[:32])
    except WarmlineError as error:
        return _two_factor_page(error=error, status=error.status)
    flash("Two-factor sign-in is off.")
    return redirect(url_for("staff_pages.two_factor"))


# Enrolment first, when the organisation requires it --------------------------------------

# What a staff member without two-factor may still reach while it is required.
ENROLMENT_OPEN = {
    "staff_pages.two_factor",
    "staff_pages.two_factor_start",
    "staff_pages.two_factor_confirm",
    "auth.logout",
    "api.logout",
    "api.csrf_token",
    "api.me",
    "api.begin_mfa",
    "api.confirm_mfa",
    "static",
}


@bp.before_app_request
def _enrol_first() -> Any:
    if request.endpoint in ENROLMENT_OPEN or request.endpoint is None:
        return None
    if not current_user.is_authenticated or current_user.is_member or not mfa.needs_enrolment(current_user):
        return None
    if request.path.startswith("/api/"):
        error = WarmlineError("mfa_enrolment_required", "Set up two-factor sign-in first (POST /api/v1/me/mfa).", 403)
        return error.to_dict(), 403
    return redirect(url_for("staff_pages.two_factor"))


@bp.app_context_processor
def _expiring() -> dict[str, Any]:
    """Coordinators' landing page lists credentials expiring in the next 60 days."""

    def expiring_credentials() -> list[staff.Expiring]:
        return staff.expiring_credentials(clock.now().date())

    return {"expiring_credentials": expiring_credentials, "credential_labels": KIND_LABELS}
