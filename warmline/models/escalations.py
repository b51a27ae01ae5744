"""The escalation record: append-only, hash-chained. An escalation and every later step
(follow-ups, outcome, acknowledgement, co-sign, closing) are rows that are never updated or
deleted; one chain (`ledger_seq`, `prev_hash`, `hash`) runs through both tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.accounts import User
from warmline.models.types import UTCDateTime

# The 988 Lifeline's ladder, least invasive first (docs/escalation.md maps each step).
ACTIONS = ("supervisor_consult", "safety_plan", "warm_handoff_988", "mobile_crisis", "emergency_services", "other")
CONSENT = ("consented", "declined", "unable")
ESCALATION_RISKS = ("low", "moderate", "high", "imminent")
NEEDS_OUTCOME_TO_CLOSE = ("mobile_crisis", "emergency_services")
ENTRY_KINDS = (
    "note",
    "external_contact",
    "outcome",
    "acknowledged",
    "cosign",
    "followup_assigned",
    "followup_completed",
    "correction",
    "debrief",
    "alert_broadened",
    "closed",
)


class Escalation(db.Model):
    __tablename__ = "escalations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ledger_seq: so.Mapped[int] = so.mapped_column(unique=True)
    conversation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("conversations.id"), index=True)
    peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    member_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    risk_level: so.Mapped[str] = so.mapped_column(sa.String(10))
    action: so.Mapped[str] = so.mapped_column(sa.String(24))
    consent: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now, index=True)
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))

    peer: so.Mapped[User] = so.relationship(foreign_keys=[peer_id], lazy="joined")
    member: so.Mapped[User | None] = so.relationship(foreign_keys=[member_id], lazy="joined")
    entries: so.Mapped[list[EscalationEntry]] = so.relationship(
        order_by="EscalationEntry.ledger_seq", lazy="selectin", viewonly=True
    )


class EscalationEntry(db.Model):
    __tablename__ = "escalation_entries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ledger_seq: so.Mapped[int] = so.mapped_column(unique=True)
    escalation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("escalations.id"), index=True)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(24))
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))

    author: so.Mapped[User | None] = so.relationship(lazy="joined")


class EscalationCheckpoint(db.Model):
    """Where the keyed chain starts: the rows before it (`legacy_rows`) keep their unkeyed
    links; this row and every later one are linked under the ledger key named by `key_id`."""

    __tablename__ = "escalation_checkpoints"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ledger_seq: so.Mapped[int] = so.mapped_column(unique=True)
    legacy_rows: so.Mapped[int]
    key_id: so.Mapped[str] = so.mapped_column(sa.String(16))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))


class EscalationRead(db.Model):
    """Every read of escalation records: who, when, what (a list, one record, the CSV)."""

    __tablename__ = "escalation_reads"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reader_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    escalation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("escalations.id"), index=True)
    what: so.Mapped[str] = so.mapped_column(sa.String(16))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class Outbox(db.Model):
    """Alerts written in the same transaction as what they announce, delivered after the
    commit and again by the sweeper, so a crash in between loses none."""

    __tablename__ = "outbox"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    payload: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    delivered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
