"""Running the staff from the pages: who may add or change whom, invites, credentials.

Coordinators manage peers and moderators; only admins grant `coordinator`, `admin` and
`billing`. The actor is always explicit (flaskbb's rule), so pages, the API and tests ask
the same predicates. Each action is one transaction, committed here."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from warmline import clock
from warmline.errors import WarmlineError, forbidden, invalid, not_found
from warmline.extensions import db
from warmline.logs import audit
from warmline.models import Credential, Shift, StaffInvite, User
from warmline.models.accounts import ADMIN, COORDINATOR, MODERATOR, PEER
from warmline.services import accounts, credentials, hours, roster

INVITE_HOURS = 72
# What a coordinator may grant, and the only roles of accounts a coordinator may touch.
COORDINATOR_GRANTS = frozenset({PEER, MODERATOR})
CAPACITY_MAX = 10
EXPIRY_WARNING_DAYS = 60


# Who may do what ----------------------------------------------------------------------------


def may_grant(actor: User, roles: Iterable[str]) -> bool:
    if actor.has_role(ADMIN):
        return True
    return actor.has_role(COORDINATOR) and set(roles) <= COORDINATOR_GRANTS


def may_manage(actor: User, target: User) -> bool:
    """An admin manages any staff account; a coordinator only one whose roles all lie in
    peer and moderator (never a colleague coordinator, an admin or billing)."""
    if target.is_member:
        return False
    return may_grant(actor, target.roles)


def _check_grant(actor: User, roles: Iterable[str]) -> None:
    if not may_grant(actor, roles):
        raise forbidden("Only an admin grants the coordinator, admin and billing roles.")


def _managed(actor: User, user_id: int) -> User:
    target = db.session.get(User, user_id)
    if target is None or target.is_member:
        raise not_found("That staff member")
    if not may_manage(actor, target):
        raise forbidden("Only an admin changes a coordinator's, an admin's or a billing account.")
    return target


def _check_capacity(capacity: int | None) -> None:
    if capacity is not None and not 1 <= capacity <= CAPACITY_MAX:
        raise invalid("chat_capacity", f"Capacity is 1 to {CAPACITY_MAX} conversations at once.")


def _check_supervisor(supervisor_id: int | None, target: User) -> None:
    if supervisor_id is None:
        return
    supervisor = db.session.get(User, supervisor_id)
    if supervisor is None or supervisor.id == target.id or not supervisor.has_role(COORDINATOR):
        raise invalid("supervisor_id", "A supervisor is a coordinator (not the person themself).")


# Reading -----------------------------------------------------------------------------------


def staff_members() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.username.is_not(None)).order_by(User.username)))


def coordinators() -> list[User]:
    return [user for user in staff_members() if user.has_role(COORDINATOR) and user.is_active]


def staff_json(user: User, today: date | None = None) -> dict[str, Any]:
    today = today or clock.now().date()
    return {
        **user_json(user),
        "credentials": [credentials.credential_json(c, today) for c in credentials.credentials_of(user.id)],
        "supervisor_id": user.supervisor_id,
        "mfa_enabled": user.mfa_enabled,
        "last_sign_in_at": hours.iso(user.last_sign_in_at) if user.last_sign_in_at else None,
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "handle": user.handle,
        "roles": user.roles,
        "enabled": user.is_active,
        "chat_capacity": user.chat_capacity,
    }


@dataclass(frozen=True)
class Expiring:
    user: User
    credential: Credential


def expiring_credentials(today: date, within_days: int = EXPIRY_WARNING_DAYS) -> list[Expiring]:
    """Credentials of enabled staff that expire from today to `within_days` ahead, soonest
    first (an expired one is already shown as such on the staff page)."""
    rows = db.session.execute(
        sa.select(User, Credential)
        .join(Credential, Credential.user_id == User.id)
        .where(
            Credential.revoked_at.is_(None),
            Credential.expires_on >= today,
            Credential.expires_on <= today + timedelta(days=within_days),
            User.disabled_at.is_(None),
        )
        .order_by(Credential.expires_on, User.username)
    ).all()
    return [Expiring(user, credential) for user, credential in rows]


def future_shifts(user_id: int) -> list[Shift]:
    now = clock.now()
    return roster.shifts_between(now, now + timedelta(days=3650), user_id=user_id)


# Invites -------------------------------------------------------------------------------------


def _new_invite(actor: User | None, user: User) -> str:
    """A one-time token, kept hashed; any earlier invite of `user` stops working."""
    now = clock.now()
    db.session.execute(
        sa.update(StaffInvite)
        .where(StaffInvite.user_id == user.id, StaffInvite.used_at.is_(None), StaffInvite.voided_at.is_(None))
        .values(voided_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        StaffInvite(
            user_id=user.id,
            token_hash=accounts.digest(token),
            created_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + timedelta(hours=INVITE_HOURS),
        )
    )
    return token


def _invite_for(token: str) -> StaffInvite:
    invite = db.session.scalar(sa.select(StaffInvite).where(StaffInvite.token_hash == accounts.digest(token)))
    if invite is None or invite.used_at is not None or invite.voided_at is not None or not invite.user.is_active:
        raise WarmlineError("invite_not_found", "This invite link is not valid (it may have been used).", 404)
    if invite.expires_at <= clock.now():
        raise WarmlineError("invite_expired", "This invite link has expired: ask for a new one.", 410)
    return invite


def invite_user(token: str) -> User:
    """Who a live invite is for (the invite page greets them)."""
    return _invite_for(token).user


# Actions -------------------------------------------------------------------------------------


def add_person(
    actor: User,
    username: str,
    roles: Iterable[str],
    handle: str | None = None,
    chat_capacity: int | None = None,
) -> tuple[User, str]:
    """A new staff account without a password, and the invite token that lets them set it."""
    roles = list(roles)
    _check_grant(actor, roles)
    _check_capacity(chat_capacity)
    user = accounts.create_staff(username, None, roles, handle=handle)
    user.chat_capacity = chat_capacity
    token = _new_invite(actor, user)
    db.session.commit()
    audit("staff_added", user_id=user.id, roles=user.roles)
    return user, token


def reinvite(actor: User, user_id: int) -> str:
    target = _managed(actor, user_id)
    token = _new_invite(actor, target)
    db.session.commit()
    audit("staff_invited", user_id=target.id)
    return token


_UNSET: Any = object()


def update(
    actor: User,
    user_id: int,
    *,
    roles: Iterable[str] | None = None,
    enabled: bool | None = None,
    chat_capacity: int | None = _UNSET,
    supervisor_id: int | None = _UNSET,
    cancel_future_shifts: bool = False,
) -> User:
    """Roles, enabled, capacity, supervisor, in one transaction. Disabling and a role
    change sign the person out everywhere (accounts.sign_out_everywhere)."""
    target = _managed(actor, user_id)
    if roles is not None:
        roles = list(roles)
        _check_grant(actor, roles)
        accounts.set_roles(target, roles)
    if chat_capacity is not _UNSET:
        _check_capacity(chat_capacity)
        target.chat_capacity = chat_capacity
    if supervisor_id is not _UNSET:
        _check_supervisor(supervisor_id, target)
        target.supervisor_id = supervisor_id
    if enabled is False:
        accounts.disable_user(target)
    elif enabled is True:
        accounts.enable_user(target)
    db.session.commit()
    if enabled is False and cancel_future_shifts:
        # The roster's own action, shift by shift: each is recorded and announced as usual.
        for shift in future_shifts(target.id):
            roster.cancel_shift(actor, shift.id)
    audit(
        "staff_updated",
        user_id=target.id,
        roles=target.roles,
        enabled=target.is_active,
        changed=[
            name
            for name, value in (
                ("roles", roles),
                ("enabled", enabled),
                ("chat_capacity", chat_capacity),
                ("supervisor_id", supervisor_id),
            )
            if value is not None and value is not _UNSET
        ],
    )
    return target


def accept_invite(token: str, password: str) -> tuple[User, str]:
    """The invitee sets their password: the invite is used up and they are signed in."""
    invite = _invite_for(token)
    user = invite.user
    accounts.set_password(user, password)
    invite.used_at = clock.now()
    session_token = accounts.start_session(user)
    user.last_sign_in_at = clock.now()
    db.session.commit()
    audit("invite_accepted", user_id=user.id)
    return user, session_token


def add_credential(
    actor: User,
    user_id: int,
    kind: str,
    number: str = "",
    issuer: str = "",
    expires_on: date | None = None,
    issued_on: date | None = None,
) -> Credential:
    target = db.session.get(User, user_id)
    if target is None or target.is_member:
        raise not_found("That staff member")
    credential = credentials.add_credential(target.id, kind, number, issuer, expires_on, issued_on)
    audit("credential_added", user_id=target.id, kind=kind)
    return credential


def revoke_credential(actor: User, user_id: int, credential_id: int, from_day: date | None = None) -> Credential:
    """Revokes a staff member's credential from `from_day` (today by default)."""
    target = db.session.get(User, user_id)
    if target is None or target.is_member:
        raise not_found("That staff member")
    credential = credentials.revoke(target.id, credential_id, from_day or clock.now().date())
    ended = credentials.revoked_from(credential)
    audit("credential_revoked", user_id=target.id, kind=credential.kind, revoked_from=str(ended))
    return credential
