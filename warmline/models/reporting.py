"""What the reports count that nothing else records: the coded lists coordinators keep for
contact notes (topics, referrals), the history of peers' availability, and chat requests
made while the line was closed (no member id)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.types import UTCDateTime

TOPIC, REFERRAL = "topic", "referral"
CODE_KINDS = (TOPIC, REFERRAL)


class ContactCode(db.Model):
    """One entry of a coded list. Retired entries stay, so past notes still count."""

    __tablename__ = "contact_codes"
    __table_args__ = (sa.UniqueConstraint("kind", "label", name="uq_contact_codes_kind_label"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    label: so.Mapped[str] = so.mapped_column(sa.String(80))
    retired_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class ContactNoteCode(db.Model):
    """A code chosen on one peer's contact note."""

    __tablename__ = "contact_note_codes"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["conversation_id", "peer_id"],
            ["contact_notes.conversation_id", "contact_notes.peer_id"],
            ondelete="CASCADE",
        ),
    )

    conversation_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    peer_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contact_codes.id"), primary_key=True, index=True)


class AvailabilityInterval(db.Model):
    """A peer switched on for chats from `started_at` until `ended_at` (open while on)."""

    __tablename__ = "availability_intervals"
    __table_args__ = (sa.Index("ix_availability_intervals_user_start", "user_id", "started_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)


class UnmetRequest(db.Model):
    """Someone asked for a chat while no peer was on shift. Only the time is kept."""

    __tablename__ = "unmet_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    requested_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now, index=True)
