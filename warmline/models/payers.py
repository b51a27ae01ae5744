"""Payer records: health plans that pay for peer services, the enrolments of members they
refer, the one-time codes and links that tie an anonymous account to an enrolment, the read
log of protected details, and the claims exported.

Everything that identifies a person (plan member id, subscriber, diagnosis, which account is
linked) is stored encrypted, and only `warmline.services.phi` reads or writes it. The
anonymous account (`users`) holds none of it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.types import UTCDateTime

MIDPOINT, FLOOR = "midpoint", "floor"
ROUNDING = (MIDPOINT, FLOOR)
PLACES_OF_SERVICE = ("02", "10")  # telehealth outside / in the patient's home
CLAIM_FILING_CODES = ("MC", "CI", "HM", "16", "MB", "BL", "ZZ")
CONSENT = ("written", "verbal")
ACTIVE, REVOKED = "active", "revoked"
# X12 CLM05-3 claim frequency: original, replacement, void.
ORIGINAL, REPLACEMENT, VOID = "1", "7", "8"


class Payer(db.Model):
    __tablename__ = "payers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # The plan's payer id (NM1*PR09 in a claim file).
    payer_identifier: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    service_code: so.Mapped[str] = so.mapped_column(sa.String(10))
    # Comma-separated HCPCS modifiers, e.g. "HQ".
    modifiers: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    unit_minutes: so.Mapped[int] = so.mapped_column(default=15)
    rounding: so.Mapped[str] = so.mapped_column(sa.String(10), default=MIDPOINT)
    rate_per_unit: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(10, 2))
    max_units_per_day: so.Mapped[int | None] = so.mapped_column()
    place_of_service: so.Mapped[str] = so.mapped_column(sa.String(2), default="10")
    # SBR09 in a claim file: MC Medicaid, CI commercial, HM HMO, 16 Medicare Advantage HMO...
    claim_filing_code: so.Mapped[str] = so.mapped_column(sa.String(2), default="CI")
    case_rate_min_contacts: so.Mapped[int | None] = so.mapped_column()
    case_rate_min_minutes: so.Mapped[int | None] = so.mapped_column()
    # The billing provider (the organisation) as a claim file names it.
    provider_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    provider_npi: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    provider_tax_id: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    provider_address: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    provider_city: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    provider_state: so.Mapped[str] = so.mapped_column(sa.String(2), default="")
    provider_zip: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    provider_phone: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)

    @property
    def modifier_list(self) -> list[str]:
        return [m for m in self.modifiers.split(",") if m]


class Enrolment(db.Model):
    """A member a plan referred. The `*_enc` columns are encrypted tokens (services.phi)."""

    __tablename__ = "enrolments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    payer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("payers.id"), index=True)
    plan_member_id_enc: so.Mapped[str] = so.mapped_column(sa.Text)
    # JSON of first_name, last_name, birth_date, sex, address: what a claim needs.
    subscriber_enc: so.Mapped[str] = so.mapped_column(sa.Text)
    diagnosis_code_enc: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    consent: so.Mapped[str] = so.mapped_column(sa.String(10))
    consent_recorded_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    consent_recorded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    starts_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    ends_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=ACTIVE)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)

    payer: so.Mapped[Payer] = so.relationship(lazy="joined")


class LinkCode(db.Model):
    """A one-time code billing staff hand a referred member; only its hash is kept."""

    __tablename__ = "enrolment_link_codes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class MemberLink(db.Model):
    """An anonymous account tied to an enrolment from `linked_at` until `unlinked_at`.

    The account is named only by a keyed hash (for lookups) and an encrypted id: a copy of
    the database without the key does not say which account a plan referred."""

    __tablename__ = "member_links"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    member_id_enc: so.Mapped[str] = so.mapped_column(sa.Text)
    enrolment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    linked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    unlinked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class PhiRead(db.Model):
    """Who read which protected details, when and why (never the values)."""

    __tablename__ = "phi_reads"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reader_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    # e.g. "enrolment", "member_links", "claim_file".
    what: so.Mapped[str] = so.mapped_column(sa.String(32))
    enrolment_id: so.Mapped[int | None] = so.mapped_column()
    detail: so.Mapped[str] = so.mapped_column(sa.String(200), default="")


class ClaimFile(db.Model):
    """One exported 837P file; its id is the interchange control number."""

    __tablename__ = "claim_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    payer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("payers.id"), index=True)
    range_from: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    range_to: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    frequency: so.Mapped[str] = so.mapped_column(sa.String(1), default=ORIGINAL)
    created_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class ClaimRecord(db.Model):
    """An encounter claimed in a file (or replaced, or voided): a second export leaves out
    encounters whose latest record is an original or a replacement."""

    __tablename__ = "claim_records"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    file_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("claim_files.id"), index=True)
    conversation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("conversations.id"), index=True)
    payer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("payers.id"))
    enrolment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrolments.id"))
    frequency: so.Mapped[str] = so.mapped_column(sa.String(1))
    service_date: so.Mapped[date] = so.mapped_column(sa.Date)
    service_minutes: so.Mapped[int] = so.mapped_column()
    units: so.Mapped[int] = so.mapped_column()
    charge: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(10, 2))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
