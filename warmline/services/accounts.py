"""Accounts and sign-in sessions: anonymous members, staff, roles, revocation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from warmline import bus, clock
from warmline.errors import WarmlineError, conflict, invalid
from warmline.extensions import db
from warmline.logs import audit
from warmline.models import AuthSession, LiveSocket, User, UserRole
from warmline.models.accounts import ADMIN, STAFF_ROLES
from warmline.services import chat, handles, roster, signin_backoff

PASSWORD_MIN, PASSWORD_MAX = 12, 256
USERNAME_PATTERN = "letters, digits, '_', '-' or '.', 3 to 64 characters"
# 16 characters from 32 unambiguous symbols: 80 bits, so a fast hash is safe to store.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_GENERATE_ATTEMPTS = 20
# Checked against when the username is unknown, so a miss takes as long as a wrong password.
_DUMMY_PASSWORD_HASH = generate_password_hash("not-a-real-password")

BAD_CREDENTIALS = _l("That sign-in did not work. Check the details and try again.")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_one_time_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def canonical_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _handle_taken(handle: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.handle_key == handles.key(handle))) is not None


def _unused_generated_handle() -> str:
    for _attempt in range(_GENERATE_ATTEMPTS):
        candidate = handles.generate()
        if not _handle_taken(candidate):
            return candidate
    raise WarmlineError("handle_unavailable", _("Could not find a free handle; please try again."), 503)


def create_member(handle: str | None = None) -> tuple[User, str]:
    """A new anonymous member and their recovery code, which is shown once and kept hashed."""
    if handle is None:
        handle = _unused_generated_handle()
    else:
        handle = handles.normalise(handle)
        if _handle_taken(handle):
            raise conflict("handle_taken", _("That handle is taken; please choose another."))
    code = new_one_time_code()
    member = User(
        handle=handle,
        handle_key=handles.key(handle),
        recovery_code_hash=digest(canonical_code(code)),
    )
    db.session.add(member)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # a concurrent request took the same handle
        db.session.rollback()
        raise conflict("handle_taken", _("That handle is taken; please choose another.")) from None
    return member, code


def recover_member(handle: str, recovery_code: str) -> tuple[User, str]:
    """Sign a member back in by handle and code. The code is used up: a new one replaces it."""
    member = db.session.scalar(
        sa.select(User).where(User.handle_key == handles.key(handle.strip()), User.username.is_(None))
    )
    given = digest(canonical_code(recovery_code))
    stored = member.recovery_code_hash if member and member.recovery_code_hash else digest("")
    if member is None or not hmac.compare_digest(given, stored) or not member.is_active:
        raise WarmlineError("bad_credentials", BAD_CREDENTIALS, 401)
    return member, regenerate_recovery_code(member)


def recovery_code_matches(member: User, recovery_code: str) -> bool:
    """Whether `recovery_code` is the member's, without using it up (unlocking a device)."""
    given = digest(canonical_code(recovery_code))
    return bool(member.recovery_code_hash) and hmac.compare_digest(given, member.recovery_code_hash or "")


def hash_secret(secret: str) -> str:
    """A slow salted hash, for passwords and members' PINs."""
    return _hash_password(secret)


def regenerate_recovery_code(member: User) -> str:
    code = new_one_time_code()
    member.recovery_code_hash = digest(canonical_code(code))
    return code


def _check_roles(roles: Iterable[str]) -> list[str]:
    wanted = sorted(set(roles))
    unknown = [role for role in wanted if role not in STAFF_ROLES]
    if not wanted or unknown:
        raise invalid("roles", f"Roles are one or more of: {', '.join(STAFF_ROLES)}.")
    return wanted


PASSWORD_RULES = f"A password is {PASSWORD_MIN} to {PASSWORD_MAX} characters long."


def check_password(password: str) -> None:
    """The one password rule, for sign-in, the CLI and invites alike."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise invalid("password", PASSWORD_RULES)


def _hash_password(password: str) -> str:
    # Werkzeug's scrypt in production; the test suite sets a cheaper method.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_staff(username: str, password: str | None, roles: Iterable[str], handle: str | None = None) -> User:
    """A staff account. Its handle (shown to members) defaults to the username. Without a
    password nobody can sign in as it until its invite sets one (services/staff.py)."""
    username = username.strip()
    if not (3 <= len(username) <= 64 and all(ch.isascii() and (ch.isalnum() or ch in "_-.") for ch in username)):
        raise invalid("username", f"A username is {USERNAME_PATTERN}.")
    if password is not None:
        check_password(password)
    wanted = _check_roles(roles)
    display = handles.staff_handle(handle or username)
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise conflict("username_taken", "That username is taken.")
    if _handle_taken(display):
        raise conflict("handle_taken", _("That handle is taken; please choose another."))
    user = User(
        username=username,
        handle=display,
        handle_key=handles.key(display),
        password_hash=_hash_password(password) if password is not None else None,
        role_rows=[UserRole(role=role) for role in wanted],
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate_staff(username: str, password: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    stored = user.password_hash if user and user.password_hash else _DUMMY_PASSWORD_HASH
    # An account an invite has not yet given a password never matches, not even the dummy.
    if not check_password_hash(stored, password) or user is None or not user.password_hash or not user.is_active:
        raise WarmlineError("bad_credentials", BAD_CREDENTIALS, 401)
    return user


def _enabled_admins_besides(user: User) -> int:
    # The admins' rows stay locked to the commit (PostgreSQL), so two admins disabling each
    # other at once cannot both see the other one left.
    admins = db.session.scalars(
        sa.select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == ADMIN, User.disabled_at.is_(None))
        .with_for_update(of=User)
    ).all()
    return sum(1 for admin_id in admins if admin_id != user.id)


def _keep_an_admin(user: User) -> None:
    """Refuses to leave the organisation without an enabled admin (nobody could then grant
    the role again without a shell on the server)."""
    if user.has_role(ADMIN) and user.is_active and _enabled_admins_besides(user) == 0:
        raise conflict("last_admin", "This is the last enabled admin: make someone else an admin first.")


def set_roles(user: User, roles: Iterable[str]) -> bool:
    """Change a staff account's roles; its sessions end, so no old privilege lingers.
    Returns whether anything changed (the same roles again signs nobody out)."""
    if user.is_member:
        raise invalid("roles", "Members have no staff roles.")
    wanted = _check_roles(roles)
    if wanted == user.roles:
        return False
    if ADMIN not in wanted:
        _keep_an_admin(user)
    user.role_rows = [UserRole(role=role) for role in wanted]
    sign_out_everywhere(user, "role_change")
    return True


def set_password(user: User, password: str) -> None:
    check_password(password)
    user.password_hash = _hash_password(password)
    sign_out_everywhere(user, "password_change")


def disable_user(user: User) -> None:
    if user.disabled_at is not None:
        return
    _keep_an_admin(user)
    user.disabled_at = clock.now()
    sign_out_everywhere(user, "disabled")


def enable_user(user: User) -> None:
    user.disabled_at = None


def sign_out_everywhere(user: User, reason: str) -> None:
    """Disabling, a role change, a password change: every session of `user` ends, their
    sockets close on every process once this commits, and the conversations they held go
    back to the front of the queue at once (the member hears `chat:requeued`), so nobody
    waits on a peer who can no longer answer. Their availability switch goes off too."""
    for conversation in chat.active_for_peer(user.id):
        chat.requeue(conversation, "peer_signed_out")
    roster.pause_taking_chats(user)
    revoke_user_sessions(user, reason)


def find_staff(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise WarmlineError("not_found", f"No staff account named {username!r}.", 404)
    return user


# Sessions --------------------------------------------------------------------------------


def start_session(user: User) -> str:
    """A new sign-in for `user`; returns the raw token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    lifetime = _session_lifetime(user)
    db.session.add(AuthSession(token_hash=digest(token), user=user, expires_at=clock.now() + lifetime))
    user.session_token = token
    return token


def _session_lifetime(user: User) -> timedelta:
    if user.is_member:
        return timedelta(days=current_app.config["MEMBER_SESSION_DAYS"])
    return timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])


@dataclass(frozen=True)
class SignIn:
    user: User
    session_id: int
    expires_at: datetime
    # Locked by a quick exit (warmline/services/device_lock.py): signed in, but nothing of
    # theirs shows until the member unlocks.
    locked: bool = False


def _live() -> tuple[sa.ColumnElement[bool], ...]:
    """What makes a sign-in usable: the session unrevoked and unexpired, the account enabled
    (its user joined in)."""
    return (AuthSession.revoked_at.is_(None), AuthSession.expires_at > clock.now(), User.disabled_at.is_(None))


def session_user(token: str) -> SignIn | None:
    """The user behind a live token (unrevoked, unexpired, account enabled), in one query
    that loads the user and only the session's id and expiry: it runs on every request."""
    row = db.session.execute(
        sa.select(User, AuthSession.id, AuthSession.expires_at, AuthSession.locked_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == digest(token), *_live())
    ).first()
    if row is None:
        return None
    user, session_id, expires_at, locked_at = row
    user.session_token = token
    user.auth_session_id = session_id
    return SignIn(user, session_id, expires_at, locked_at is not None)


def session_still_valid(auth_session_id: int) -> bool:
    """`session_user`'s checks for a session already looked up, without loading anything."""
    return (
        db.session.scalar(
            sa.select(AuthSession.id)
            .join(User, AuthSession.user_id == User.id)
            .where(AuthSession.id == auth_session_id, AuthSession.locked_at.is_(None), *_live())
        )
        is not None
    )


def end_session(token: str, reason: str = "logout") -> None:
    auth_session = db.session.scalar(sa.select(AuthSession).where(AuthSession.token_hash == digest(token)))
    if auth_session is None or auth_session.revoked_at is not None:
        return
    auth_session.revoked_at = clock.now()
    auth_session.revoked_reason = reason
    _disconnect_sockets(sa.select(LiveSocket.sid).where(LiveSocket.auth_session_id == auth_session.id))


def revoke_user_sessions(user: User, reason: str) -> None:
    db.session.execute(
        sa.update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason)
    )
    _disconnect_sockets(sa.select(LiveSocket.sid).where(LiveSocket.user_id == user.id))


def _disconnect_sockets(sids_query: sa.Select[tuple[str]]) -> None:
    sids = list(db.session.scalars(sids_query))
    if sids:
        bus.announce("sockets.disconnect", sids=sids)


# Actions: each is one transaction, committed here, announced after the commit. ------------


def join(handle: str | None = None) -> tuple[User, str, str]:
    """A new member, signed in: (member, recovery code, session token)."""
    member, code = create_member(handle)
    token = start_session(member)
    db.session.commit()
    audit("member_joined", user_id=member.id, chose_handle=handle is not None)
    return member, code, token


def recover(handle: str, recovery_code: str) -> tuple[User, str, str]:
    """A member back on a new device: (member, their new recovery code, session token)."""
    try:
        member, code = recover_member(handle, recovery_code)
    except WarmlineError:
        audit("recovery_failed")
        raise
    token = start_session(member)
    db.session.commit()
    audit("member_recovered", user_id=member.id)
    return member, code, token


def sign_in(username: str, password: str, otp: str | None = None) -> tuple[User, str]:
    """Every staff sign-in route comes here, so the per-account backoff holds for all:
    username and password, then the two-factor code when the account has it on (a
    missing or wrong code is `mfa_required`; a code is accepted once)."""
    from warmline.services import mfa

    signin_backoff.check(username)
    try:
        user = authenticate_staff(username, password)
    except WarmlineError as error:
        audit("login_failed")
        delay = signin_backoff.failed(username)
        if delay:
            message = f"{error.message} Please wait {delay} seconds before the next try."
            raise WarmlineError(error.code, message, error.status, **error.extra, retry_after=delay) from None
        raise
    if user.mfa_enabled and not (otp and mfa.accept_code(user, otp)):
        db.session.commit()  # a used recovery code or time-step stays used
        audit("login_failed", user_id=user.id, reason="mfa")
        if otp:  # a wrong code counts like a wrong password; asking for one does not
            signin_backoff.failed(username)
        raise WarmlineError(
            "mfa_required", "Enter the 6-digit code from your authenticator app (or a recovery code).", 401
        )
    signin_backoff.clear(username)
    token = start_session(user)
    user.last_sign_in_at = clock.now()
    db.session.commit()
    audit("login_succeeded", user_id=user.id)
    return user, token


def sign_out(user: User, token: str) -> None:
    end_session(token)
    db.session.commit()
    audit("logout", user_id=user.id)


def new_recovery_code(member: User) -> str:
    if not member.is_member:
        raise invalid("user", "Only members have recovery codes.")
    code = regenerate_recovery_code(member)
    db.session.commit()
    audit("recovery_code_regenerated", user_id=member.id)
    return code
