"""The schedule: hours of operation, shifts, swap/drop requests, availability, feeds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.accounts import User
from warmline.models.types import UTCDateTime

SHIFT_PEER = "peer"
SHIFT_MODERATOR = "moderator"
SHIFT_ON_CALL = "on_call_coordinator"
SHIFT_ROLES = (SHIFT_PEER, SHIFT_MODERATOR, SHIFT_ON_CALL)
# The account role a person needs to take a shift in each shift role.
ACCOUNT_ROLE_FOR_SHIFT = {SHIFT_PEER: "peer", SHIFT_MODERATOR: "moderator", SHIFT_ON_CALL: "coordinator"}


class OrgSettings(db.Model):
    """The organisation's one row of settings that coordinators edit."""

    __tablename__ = "org_settings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Overrides WARMLINE_TIMEZONE when set.
    timezone: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    min_peers: so.Mapped[int] = so.mapped_column(default=1)
    # Every staff account must sign in with two-factor (admins set it).
    require_mfa: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class OperatingHours(db.Model):
    """Weekly hours: on `weekday` (0 Monday), open from `opens` to `closes`, minutes past
    local midnight. Overnight hours are two rows (Mon 18:00-24:00, Tue 00:00-02:00)."""

    __tablename__ = "operating_hours"
    __table_args__ = (sa.CheckConstraint("opens >= 0 AND closes <= 1440 AND opens < closes", name="sane_minutes"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    weekday: so.Mapped[int] = so.mapped_column(index=True)
    opens: so.Mapped[int]
    closes: so.Mapped[int]


class HoursException(db.Model):
    """A dated exception (holiday, special hours). Any row for a date replaces that day's
    weekly hours; a row without times means closed all day."""

    __tablename__ = "hours_exceptions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    day: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    opens: so.Mapped[int | None]
    closes: so.Mapped[int | None]
    note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")


class Shift(db.Model):
    """A person on the roster from `starts_at` to `ends_at` (UTC). Cancelled shifts stay:
    the record of who was scheduled when is reported to payers."""

    __tablename__ = "shifts"
    __table_args__ = (sa.Index("ix_shifts_window", "starts_at", "ends_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(32))
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # Shifts made together from one weekly template share a series.
    series: so.Mapped[str | None] = so.mapped_column(sa.String(32), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    cancelled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id], lazy="joined")


class ShiftEvent(db.Model):
    """History of every change to a shift: who did what, when."""

    __tablename__ = "shift_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    shift_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("shifts.id"), index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(32))
    detail: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class ShiftChangeRequest(db.Model):
    """A person asks to drop a shift, or to hand it to someone else (a swap, optionally
    taking one of theirs in return). A coordinator approves or declines."""

    __tablename__ = "shift_change_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    shift_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("shifts.id"), index=True)
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(8))  # drop | swap
    swap_with_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    swap_shift_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("shifts.id"))
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="pending", index=True)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    decision_note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)

    shift: so.Mapped[Shift] = so.relationship(foreign_keys=[shift_id], lazy="joined")
    requested_by: so.Mapped[User] = so.relationship(foreign_keys=[requested_by_id], lazy="joined")
    swap_with: so.Mapped[User | None] = so.relationship(foreign_keys=[swap_with_id], lazy="joined")
    swap_shift: so.Mapped[Shift | None] = so.relationship(foreign_keys=[swap_shift_id], lazy="joined")


class PeerAvailability(db.Model):
    """A peer's "taking chats" switch. It counts only while they are on a peer shift, so a
    shift's end stops new chats without any timer."""

    __tablename__ = "peer_availability"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    available: so.Mapped[bool] = so.mapped_column(default=False)
    changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class CalendarFeed(db.Model):
    """The secret token in a person's iCalendar URL (read-only access to their own shifts)."""

    __tablename__ = "calendar_feeds"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
