"""Staff credentials: certified peer specialist, NPI, trainings. A plain service so staff
pages, reports and payer records ask the same question the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa

from warmline import clock
from warmline.errors import conflict, invalid, not_found
from warmline.extensions import db
from warmline.models.accounts import CERTIFIED_PEER_SPECIALIST, CREDENTIAL_KINDS, Credential


def revoked_from(credential: Credential) -> date | None:
    """The first day a revoked credential no longer counts (services before it still do)."""
    return credential.revoked_at.date() if credential.revoked_at is not None else None


def is_valid(credential: Credential, on: date) -> bool:
    """Held on `on`: issued by then (when known), not yet expired, and not revoked from that day
    or earlier."""
    ended = revoked_from(credential)
    if ended is not None and on >= ended:
        return False
    if credential.issued_on is not None and credential.issued_on > on:
        return False
    return credential.expires_on is None or credential.expires_on >= on


def add_credential(
    user_id: int,
    kind: str,
    number: str = "",
    issuer: str = "",
    expires_on: date | None = None,
    issued_on: date | None = None,
) -> Credential:
    if kind not in CREDENTIAL_KINDS:
        raise invalid("kind", f"kind is one of: {', '.join(CREDENTIAL_KINDS)}.")
    if issued_on and expires_on and expires_on < issued_on:
        raise invalid("expires_on", "A credential cannot expire before it was issued.")
    credential = Credential(
        user_id=user_id, kind=kind, number=number, issuer=issuer, expires_on=expires_on, issued_on=issued_on
    )
    db.session.add(credential)
    db.session.commit()
    return credential


def revoke(user_id: int, credential_id: int, from_day: date) -> Credential:
    """Ends a credential from `from_day`: a lapsed or withdrawn certification (from today), or one
    entered in error (from its first day). Services before that day keep it, so claims already
    sent still match their records."""
    credential = db.session.get(Credential, credential_id)
    if credential is None or credential.user_id != user_id:
        raise not_found("That credential")
    if credential.revoked_at is not None:
        raise conflict("already_revoked", f"Already revoked from {revoked_from(credential)}.")
    credential.revoked_at = datetime.combine(from_day, time.min, tzinfo=UTC)
    db.session.commit()
    return credential


def credentials_of(user_id: int) -> list[Credential]:
    """All of them, revoked ones too: whether one counts depends on the day (`is_valid`)."""
    return list(
        db.session.scalars(
            sa.select(Credential).where(Credential.user_id == user_id).order_by(Credential.kind, Credential.expires_on)
        )
    )


def certified_peer_credential(user_id: int, on: date) -> Credential | None:
    """The certified peer specialist credential `user_id` held on `on`, if any (the one
    valid longest when several are)."""
    held = [c for c in credentials_of(user_id) if c.kind == CERTIFIED_PEER_SPECIALIST and is_valid(c, on)]
    return max(held, key=lambda c: c.expires_on or date.max, default=None)


def holds_certified_peer_credential(user_id: int, on: date) -> bool:
    return certified_peer_credential(user_id, on) is not None


def credential_json(credential: Credential, on: date | None = None) -> dict[str, Any]:
    return {
        "id": credential.id,
        "kind": credential.kind,
        "number": credential.number,
        "issuer": credential.issuer,
        "issued_on": credential.issued_on.isoformat() if credential.issued_on else None,
        "expires_on": credential.expires_on.isoformat() if credential.expires_on else None,
        "valid": is_valid(credential, on or clock.now().date()),
        "revoked_from": ended.isoformat() if (ended := revoked_from(credential)) else None,
    }
