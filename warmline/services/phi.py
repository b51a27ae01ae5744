"""Protected details of payer records: plan member ids, subscribers, diagnoses, and which
anonymous account is linked to which enrolment. This module is the ONLY code that encrypts
or decrypts them (Fernet, key from WARMLINE_PHI_KEY; keys being retired, WARMLINE_PHI_OLD_KEYS,
still read until `rotate_key` has re-encrypted everything); it checks the reader's role itself
(billing, admin) and logs every read (who, when, what; never the values) in `phi_reads`
and the structured audit log. Without a key the payer features are off and say so."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask_babel import gettext as _

from warmline import clock
from warmline.errors import WarmlineError, forbidden, invalid, not_found
from warmline.extensions import db
from warmline.logs import audit, audit_log
from warmline.models.accounts import User
from warmline.models.payers import ACTIVE, CONSENT, REVOKED, Enrolment, LinkCode, MemberLink, Payer, PhiRead
from warmline.permissions import BILLERS, allowed

KEY_HELP = (
    "Payer features are off: this server has no WARMLINE_PHI_KEY. Generate one with "
    "`flask --app wsgi billing new-key`, set WARMLINE_PHI_KEY in the environment (or .env) "
    "and restart; see docs/billing.md."
)
# Unambiguous letters and digits (no 0/O, 1/I/L) for a code read out over the phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12


def features_off() -> WarmlineError:
    return WarmlineError("payer_features_off", KEY_HELP, 503)


def enabled() -> bool:
    return bool(current_app.config.get("PHI_KEY"))


def check_key(key: str, name: str = "WARMLINE_PHI_KEY") -> None:
    """At start-up: a key that is set must be a Fernet key (a typo must not run silently)."""
    try:
        Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise RuntimeError(
            f"{name} is not a valid key (32 url-safe base64-encoded bytes); "
            "make one with `flask --app wsgi billing new-key`"
        ) from exc


def new_key() -> str:
    return Fernet.generate_key().decode()


def _keys() -> list[bytes]:
    """The current key first, then the old ones still read during a rotation."""
    key = current_app.config.get("PHI_KEY")
    if not key:
        raise features_off()
    return [key.encode(), *(old.encode() for old in current_app.config.get("PHI_OLD_KEYS") or ())]


def _seal(value: str) -> str:
    return Fernet(_keys()[0]).encrypt(value.encode()).decode()


def _unreadable() -> WarmlineError:
    # Never the token or the value: only that these keys cannot read it.
    return WarmlineError("phi_unreadable", "A protected detail cannot be read with this key.", 500)


def _readers(keys: list[bytes]) -> MultiFernet:
    """Reads with any of `keys`; writes (`rotate`) with the first."""
    return MultiFernet([Fernet(k) for k in keys])


def _open(token: str, readers: MultiFernet | None = None) -> str:
    if not token:
        return ""
    try:
        return (readers or _readers(_keys())).decrypt(token.encode()).decode()
    except InvalidToken:
        raise _unreadable() from None


def _member_key(member_id: int, key: bytes | None = None) -> str:
    """A keyed hash of the account id: lookups without storing the id in clear."""
    return hmac.new(key or _keys()[0], f"member-link:{member_id}".encode(), hashlib.sha256).hexdigest()


def _member_keys(member_id: int) -> list[str]:
    """The account's hash under each key: links made before a rotation finished are found too."""
    return [_member_key(member_id, key) for key in _keys()]


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").upper().encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def _require_biller(user: User) -> None:
    if not enabled():
        raise features_off()
    if not allowed(user, BILLERS):
        audit("phi_denied", reader_id=getattr(user, "id", None))
        raise forbidden("Only billing staff and admins read payer records.")


def _log_read(reader_id: int | None, what: str, enrolment_id: int | None = None, detail: str = "") -> None:
    db.session.add(PhiRead(reader_id=reader_id, at=clock.now(), what=what, enrolment_id=enrolment_id, detail=detail))
    if reader_id is None:
        _member_event("phi_read", what=what)
    else:
        audit("phi_read", reader_id=reader_id, what=what, enrolment_id=enrolment_id, detail=detail)


def _member_event(event: str, **fields: Any) -> None:
    """A member's own action, logged without the actor: the log must never tie an account
    to a plan or an enrolment."""
    audit_log.info(event, extra={"event": event, "actor": {"user_id": None, "roles": ["member"]}, **fields})


# Enrolments (billing staff) ----------------------------------------------------------------


def _issue_code(enrolment_id: int) -> str:
    """A new one-time code; earlier unused codes of the enrolment stop working."""
    now = clock.now()
    db.session.execute(
        sa.update(LinkCode).where(LinkCode.enrolment_id == enrolment_id, LinkCode.used_at.is_(None)).values(used_at=now)
    )
    code = _new_code()
    db.session.add(LinkCode(enrolment_id=enrolment_id, code_hash=_code_hash(code), created_at=now))
    return code


def create_enrolment(
    actor: User,
    payer_id: int,
    plan_member_id: str,
    consent: str,
    subscriber: dict[str, Any],
    diagnosis_code: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> tuple[Enrolment, str]:
    """An enrolment from a plan's referral, and its link code (shown once, kept hashed)."""
    _require_biller(actor)
    if db.session.get(Payer, payer_id) is None:
        raise not_found("That payer")
    if consent not in CONSENT:
        raise invalid("consent", "consent is written or verbal.")
    if starts_on and ends_on and ends_on < starts_on:
        raise invalid("ends_on", "An enrolment cannot end before it starts.")
    enrolment = Enrolment(
        payer_id=payer_id,
        plan_member_id_enc=_seal(plan_member_id),
        subscriber_enc=_seal(json.dumps(subscriber, sort_keys=True)),
        diagnosis_code_enc=_seal(diagnosis_code) if diagnosis_code else "",
        consent=consent,
        consent_recorded_by=actor.id,
        consent_recorded_at=clock.now(),
        starts_on=starts_on,
        ends_on=ends_on,
        status=ACTIVE,
    )
    db.session.add(enrolment)
    db.session.flush()
    code = _issue_code(enrolment.id)
    audit("enrolment_created", enrolment_id=enrolment.id, payer_id=payer_id)
    db.session.commit()
    return enrolment, code


def new_link_code(actor: User, enrolment_id: int) -> str:
    _require_biller(actor)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise not_found("That enrolment")
    if enrolment.status != ACTIVE:
        raise WarmlineError("enrolment_revoked", "This enrolment was revoked.", 409)
    code = _issue_code(enrolment.id)
    audit("link_code_issued", enrolment_id=enrolment.id)
    db.session.commit()
    return code


def revoke_enrolment(actor: User, enrolment_id: int) -> Enrolment:
    """Nothing from now on is billed under it; what was billed stays as it was."""
    _require_biller(actor)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise not_found("That enrolment")
    now = clock.now()
    if enrolment.status != REVOKED:
        enrolment.status, enrolment.revoked_at = REVOKED, now
        db.session.execute(
            sa.update(LinkCode)
            .where(LinkCode.enrolment_id == enrolment.id, LinkCode.used_at.is_(None))
            .values(used_at=now)
        )
        db.session.execute(
            sa.update(MemberLink)
            .where(MemberLink.enrolment_id == enrolment.id, MemberLink.unlinked_at.is_(None))
            .values(unlinked_at=now)
        )
        audit("enrolment_revoked", enrolment_id=enrolment.id)
    db.session.commit()
    return enrolment


def enrolments(actor: User, payer_id: int | None = None) -> list[Enrolment]:
    """The list (no protected detail is decrypted for it)."""
    _require_biller(actor)
    query = sa.select(Enrolment).order_by(Enrolment.id.desc())
    if payer_id is not None:
        query = query.where(Enrolment.payer_id == payer_id)
    return list(db.session.scalars(query))


def get_enrolment(actor: User, enrolment_id: int) -> Enrolment:
    _require_biller(actor)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise not_found("That enrolment")
    return enrolment


def read_log(actor: User, limit: int = 500) -> list[PhiRead]:
    """The latest reads, newest first (admins audit who read what)."""
    _require_biller(actor)
    return list(db.session.scalars(sa.select(PhiRead).order_by(PhiRead.id.desc()).limit(limit)))


def linked_enrolment_ids(actor: User) -> set[int]:
    """Enrolments with an account linked now (no account named)."""
    _require_biller(actor)
    return set(db.session.scalars(sa.select(MemberLink.enrolment_id).where(MemberLink.unlinked_at.is_(None))))


def details(reader: User, enrolment_ids: Iterable[int], purpose: str) -> dict[int, dict[str, Any]]:
    """The decrypted plan member id, subscriber and diagnosis of each enrolment; one logged
    read per enrolment."""
    _require_biller(reader)
    wanted = sorted(set(enrolment_ids))
    found: dict[int, dict[str, Any]] = {}
    for enrolment in db.session.scalars(sa.select(Enrolment).where(Enrolment.id.in_(wanted))):
        found[enrolment.id] = {
            "plan_member_id": _open(enrolment.plan_member_id_enc),
            "subscriber": json.loads(_open(enrolment.subscriber_enc)),
            "diagnosis_code": _open(enrolment.diagnosis_code_enc),
        }
        _log_read(reader.id, "enrolment", enrolment.id, purpose)
    db.session.commit()
    return found


@dataclass(frozen=True)
class Span:
    enrolment_id: int
    payer_id: int
    linked_at: datetime
    unlinked_at: datetime | None
    starts_on: date | None
    ends_on: date | None
    revoked_at: datetime | None

    def covers(self, at: datetime, on: date) -> bool:
        """Under this enrolment when asked at `at` (on the local day `on`)."""
        if at < self.linked_at or (self.unlinked_at is not None and at >= self.unlinked_at):
            return False
        if self.revoked_at is not None and at >= self.revoked_at:
            return False
        if self.starts_on is not None and on < self.starts_on:
            return False
        return self.ends_on is None or on <= self.ends_on


def links_of_members(reader: User, member_ids: Iterable[int], purpose: str) -> dict[int, list[Span]]:
    """Which enrolment each account was linked to, and when (billing staff only; logged)."""
    _require_biller(reader)
    keys = {hashed: member_id for member_id in set(member_ids) for hashed in _member_keys(member_id)}
    spans: dict[int, list[Span]] = {}
    if keys:
        rows = db.session.execute(
            sa.select(MemberLink, Enrolment)
            .join(Enrolment, Enrolment.id == MemberLink.enrolment_id)
            .where(MemberLink.member_key.in_(list(keys)))
        )
        for link, enrolment in rows:
            spans.setdefault(keys[link.member_key], []).append(
                Span(
                    enrolment.id,
                    enrolment.payer_id,
                    link.linked_at,
                    link.unlinked_at,
                    enrolment.starts_on,
                    enrolment.ends_on,
                    enrolment.revoked_at,
                )
            )
    _log_read(reader.id, "member_links", None, f"{len(set(member_ids))} accounts: {purpose}"[:200])
    db.session.commit()
    return spans


# The member's own link -------------------------------------------------------------------


def _open_link(member: User) -> MemberLink | None:
    return db.session.scalar(
        sa.select(MemberLink)
        .where(MemberLink.member_key.in_(_member_keys(member.id)), MemberLink.unlinked_at.is_(None))
        .limit(1)
    )


def _require_member(member: User) -> None:
    if not enabled():
        raise features_off()
    if not member.is_member:
        raise forbidden(_("Only a member links their own account."))


def link_member(member: User, code: str) -> MemberLink:
    """From now on this member's conversations are under the code's enrolment."""
    _require_member(member)
    row = db.session.scalar(
        sa.select(LinkCode).where(LinkCode.code_hash == _code_hash(code), LinkCode.used_at.is_(None)).limit(1)
    )
    enrolment = db.session.get(Enrolment, row.enrolment_id) if row else None
    if row is None or enrolment is None or enrolment.status != ACTIVE:
        raise WarmlineError("link_code_not_found", _("That code is not known or was used already."), 404)
    now = clock.now()
    row.used_at = now
    current = _open_link(member)
    if current is not None:
        current.unlinked_at = now
    link = MemberLink(
        member_key=_member_key(member.id), member_id_enc=_seal(str(member.id)), enrolment_id=enrolment.id, linked_at=now
    )
    db.session.add(link)
    _member_event("member_linked")
    db.session.commit()
    return link


def unlink_member(member: User) -> bool:
    """Nothing of theirs is billable from now on; past records stay as they were."""
    _require_member(member)
    link = _open_link(member)
    if link is not None:
        link.unlinked_at = clock.now()
        _member_event("member_unlinked")
    db.session.commit()
    return link is not None


def my_link(member: User) -> dict[str, Any] | None:
    """What the member may see of their own link: the plan's name, the service code, since when."""
    if not enabled() or not member.is_member:
        return None
    link = _open_link(member)
    if link is None:
        return None
    enrolment = db.session.get(Enrolment, link.enrolment_id)
    assert enrolment is not None
    _log_read(None, "own_link", None, "the member read their own link")
    db.session.commit()
    return {"payer": enrolment.payer.name, "service_code": enrolment.payer.service_code, "linked_at": link.linked_at}


# Key rotation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rotated:
    enrolments: int
    links: int
    old_keys: int  # keys it read with besides the current one: now free to remove


_SEALED_COLUMNS = ("plan_member_id_enc", "subscriber_enc", "diagnosis_code_enc")


def rotate_key() -> Rotated:
    """Re-encrypts every protected detail, and re-hashes every link, with the current key
    (WARMLINE_PHI_KEY), reading with it or the old ones (WARMLINE_PHI_OLD_KEYS); once done, the
    old keys can go. One transaction: a detail no key reads stops it with nothing changed.
    Logged as one read of everything, by no one (an operator's command), never the values."""
    keys = _keys()
    readers = _readers(keys)

    def resealed(token: str) -> str:
        return readers.rotate(token.encode()).decode() if token else token

    try:
        enrolments = list(db.session.scalars(sa.select(Enrolment)))
        for enrolment in enrolments:
            for column in _SEALED_COLUMNS:
                setattr(enrolment, column, resealed(getattr(enrolment, column)))
        links = list(db.session.scalars(sa.select(MemberLink)))
        for link in links:
            link.member_key = _member_key(int(_open(link.member_id_enc, readers)), keys[0])
            link.member_id_enc = resealed(link.member_id_enc)
    except (InvalidToken, WarmlineError):
        db.session.rollback()
        raise _unreadable() from None
    rotated = Rotated(len(enrolments), len(links), len(keys) - 1)
    db.session.add(
        PhiRead(
            reader_id=None,
            at=clock.now(),
            what="key_rotation",
            detail=f"re-encrypted {rotated.enrolments} enrolments and {rotated.links} links",
        )
    )
    audit("phi_key_rotated", enrolments=rotated.enrolments, links=rotated.links, old_keys=rotated.old_keys)
    db.session.commit()
    return rotated
