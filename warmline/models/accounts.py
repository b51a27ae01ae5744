"""Accounts: anonymous members and staff, their roles, their sign-in sessions and sockets."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.types import UTCDateTime

MEMBER = "member"
PEER = "peer"
MODERATOR = "moderator"
COORDINATOR = "coordinator"
ADMIN = "admin"
# Reads and exports payer records; nobody else but admins sees a plan member id.
BILLING = "billing"
STAFF_ROLES = (PEER, MODERATOR, COORDINATOR, ADMIN, BILLING)


class User(db.Model):
    """A member (no username, no password: a handle and a hashed recovery code) or a staff
    account (username and password, one or more roles). Nothing here identifies a person."""

    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    handle: so.Mapped[str] = so.mapped_column(sa.String(32))
    # Case-folded handle: "Sam" and "sam" are one handle.
    handle_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    username: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    recovery_code_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    disabled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Conversations a peer holds at once; None is the organisation's default (trainees: 1).
    chat_capacity: so.Mapped[int | None] = so.mapped_column()
    # Staff alerts (console, coordinators, moderators) chime unless this person turned it off.
    alert_sound: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    # A peer's supervisor (a coordinator): named in reports and payer records.
    supervisor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    last_sign_in_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Two-factor sign-in (TOTP): the secret encrypted at rest (services/mfa.py), on once
    # confirmed; the last time-step accepted, so a code works once.
    mfa_secret: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    mfa_enabled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    mfa_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    # A member's short PIN to unlock this device after a quick exit (hashed), and the wrong
    # tries since it last worked: after PIN_TRIES only the recovery code unlocks.
    pin_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    pin_failures: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # The language a member chose for Warmline ("en", "es"); None: the browser's.
    language: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    # The languages a peer speaks, comma separated ("en,es"): "accept next" prefers a match.
    languages: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    role_rows: so.Mapped[list[UserRole]] = so.relationship(back_populates="user", cascade="all, delete-orphan")

    # Set by the user loader (not columns): the session this request is signed in with.
    session_token = None
    auth_session_id = None

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None

    @property
    def is_member(self) -> bool:
        return self.username is None

    @property
    def roles(self) -> list[str]:
        if self.is_member:
            return [MEMBER]
        return sorted(row.role for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    # Flask-Login's protocol. get_id is the session token (its alternative-token pattern),
    # so revoking the session row signs out a replayed cookie.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.roles}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True, index=True)
    user: so.Mapped[User] = so.relationship(back_populates="role_rows")


class AuthSession(db.Model):
    """One signed-in browser or client. The cookie carries the raw token; only its hash is
    kept. No address, no user agent: nothing that identifies a member's device."""

    __tablename__ = "auth_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_reason: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # Locked by a quick exit: nothing of the member's shows in this browser until they
    # unlock it with their PIN or recovery code.
    locked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # "Stay signed in on this device": a quick exit only leaves, and does not lock.
    keep_on_exit: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    user: so.Mapped[User] = so.relationship()


class LiveSocket(db.Model):
    """A Socket.IO connection that is open now, on whichever server process holds it: the
    table lets any process find (and disconnect) a user's sockets, and tells presence."""

    __tablename__ = "live_sockets"

    sid: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    auth_session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    process_id: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    connected_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


CERTIFIED_PEER_SPECIALIST = "certified_peer_specialist"
NPI = "npi"
TRAINING = "training"
CREDENTIAL_KINDS = (CERTIFIED_PEER_SPECIALIST, NPI, TRAINING)


class Credential(db.Model):
    """A staff member's certification, NPI or training. Payers pay only for peers holding an
    unexpired certified peer specialist credential on the day of the service."""

    __tablename__ = "staff_credentials"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    number: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    issuer: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    issued_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    # None: does not expire (an NPI).
    expires_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    # Midnight (UTC) of the first day it no longer counts (services/credentials.revoke); when it
    # was revoked is in the audit log.
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class StaffInvite(db.Model):
    """A one-time link where a new (or re-invited) staff member sets their own password.
    Only the token's hash is kept; a newer invite voids the older ones."""

    __tablename__ = "staff_invites"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    voided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])


class MfaRecoveryCode(db.Model):
    """A one-time code for signing in without the authenticator; kept hashed."""

    __tablename__ = "mfa_recovery_codes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
