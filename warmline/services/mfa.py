"""Two-factor sign-in for staff (TOTP, RFC 6238, with `pyotp`) and its recovery codes.

The secret is kept encrypted (Fernet, with a key derived from SECRET_KEY: rotating that
key means everyone enrols again); recovery codes are kept hashed and work once; a code is
accepted once, by remembering the last time-step used."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from warmline import clock
from warmline.errors import WarmlineError, forbidden
from warmline.extensions import db
from warmline.logs import audit
from warmline.models import MfaRecoveryCode, OrgSettings, User
from warmline.models.accounts import ADMIN
from warmline.services import accounts, hours

ISSUER = "Warmline"
RECOVERY_CODES = 10
# One step either side of now: a phone's clock a little off still works.
VALID_WINDOW = 1


def _cipher() -> Fernet:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"warmline two-factor secrets", hashlib.sha256)
    return Fernet(base64.urlsafe_b64encode(key.digest()))


def _secret_of(user: User) -> str | None:
    if not user.mfa_secret:
        return None
    try:
        return _cipher().decrypt(user.mfa_secret.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed since enrolment: treat as not enrolled
        return None


def _invalid_code() -> WarmlineError:
    return WarmlineError("invalid_code", "That code did not match. Check the time on your phone and try again.", 400)


def otpauth_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username or str(user.id), issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, drawn here: no outside service sees it."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


def _accept_totp(user: User, secret: str, code: str) -> bool:
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(clock.now())
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.mfa_last_step is not None and step <= user.mfa_last_step:
                return False  # used already (or an older one): a code works once
            user.mfa_last_step = step
            return True
    return False


def _accept_recovery_code(user: User, code: str) -> bool:
    wanted = accounts.digest(accounts.canonical_code(code))
    row = db.session.scalar(
        sa.select(MfaRecoveryCode).where(
            MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.code_hash == wanted, MfaRecoveryCode.used_at.is_(None)
        )
    )
    if row is None:
        return False
    row.used_at = clock.now()
    audit("mfa_recovery_code_used", user_id=user.id)
    return True


def accept_code(user: User, code: str) -> bool:
    """A current authenticator code or an unused recovery code; marks it used (the caller
    commits)."""
    secret = _secret_of(user)
    if secret is None:
        return False
    return _accept_totp(user, secret, code) or _accept_recovery_code(user, code)


def begin(user: User) -> tuple[str, str]:
    """A new secret, not yet in force: (secret, otpauth URI). Asking again replaces it."""
    if user.is_member:
        raise forbidden("Two-factor sign-in is for staff accounts.")
    if user.mfa_enabled:
        raise WarmlineError("mfa_already_enabled", "Two-factor sign-in is already on; turn it off first.", 409)
    secret = pyotp.random_base32()
    user.mfa_secret = _cipher().encrypt(secret.encode()).decode()
    user.mfa_last_step = None
    db.session.commit()
    return secret, otpauth_uri(user, secret)


def pending_uri(user: User) -> str | None:
    """The URI of an enrolment begun and not yet confirmed (the page shows its QR code)."""
    secret = _secret_of(user)
    return otpauth_uri(user, secret) if secret and not user.mfa_enabled else None


def confirm(user: User, code: str) -> list[str]:
    """The first code turns two-factor on; returns the recovery codes, shown only now."""
    secret = _secret_of(user)
    if user.mfa_enabled:
        raise WarmlineError("mfa_already_enabled", "Two-factor sign-in is already on.", 409)
    if secret is None:
        raise WarmlineError("mfa_not_started", "Start setting up two-factor sign-in first.", 409)
    if not _accept_totp(user, secret, code):
        raise _invalid_code()
    user.mfa_enabled_at = clock.now()
    codes = _new_recovery_codes(user)
    db.session.commit()
    audit("mfa_enabled", user_id=user.id)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = [accounts.new_one_time_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(
        MfaRecoveryCode(user_id=user.id, code_hash=accounts.digest(accounts.canonical_code(code))) for code in codes
    )
    return codes


def _clear(user: User) -> None:
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    db.session.execute(sa.delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))


def turn_off(user: User, code: str) -> None:
    """Only with a current code (or a recovery code): a stolen session alone cannot."""
    if not user.mfa_enabled:
        raise WarmlineError("mfa_not_enabled", "Two-factor sign-in is not on.", 409)
    if not accept_code(user, code):
        db.session.commit()
        raise _invalid_code()
    _clear(user)
    db.session.commit()
    audit("mfa_disabled", user_id=user.id)


def reset(actor: User, target: User) -> None:
    """An admin clears a colleague's lost device; they sign in with their password and
    enrol again. Logged."""
    if not actor.has_role(ADMIN):
        raise forbidden("Only an admin resets two-factor sign-in.")
    clear(target, by=actor.id)


def clear(target: User, by: int | None = None) -> None:
    """The reset itself (also `flask users reset-mfa`, when no admin can sign in)."""
    if target.is_member:
        raise forbidden("Two-factor sign-in is for staff accounts.")
    _clear(target)
    db.session.commit()
    audit("mfa_reset", user_id=target.id, by=by)


def required() -> bool:
    row = db.session.get(OrgSettings, 1)
    return bool(row and row.require_mfa)


def set_required(actor: User, value: bool) -> None:
    if not actor.has_role(ADMIN):
        raise forbidden("Only an admin sets whether two-factor sign-in is required.")
    hours.settings().require_mfa = value
    db.session.commit()
    audit("mfa_requirement_set", required=value)


def needs_enrolment(user: User) -> bool:
    """A staff member without two-factor while the organisation requires it."""
    return not user.is_member and not user.mfa_enabled and required()
