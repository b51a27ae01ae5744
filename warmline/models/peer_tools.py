"""Peer tools: saved replies, the local resource directory (with its full-text index), and
the log of supervisors watching live chats."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.accounts import User
from warmline.models.types import UTCDateTime

SHARED, MINE = "shared", "mine"
RESOURCE_CATEGORIES = (
    "crisis",
    "food",
    "housing",
    "shelter",
    "peer_support",
    "recovery",
    "legal",
    "benefits",
    "health",
    "other",
)
# Filled from the resource fields; the full-text index reads these, in this order.
RESOURCE_SEARCH_FIELDS = ("name", "category", "phone", "text_line", "url", "hours", "area", "languages", "description")
# Kept by the migrations outside the models (SQLite's FTS5 table and its shadow tables, the
# PostgreSQL expression index): the model comparison and autogenerate leave them alone.
SEARCH_OBJECTS_PREFIX = ("resources_fts", "ix_resources_search")


def managed_by_models(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name`: False for the search objects the models cannot express."""
    return not (name and name.startswith(SEARCH_OBJECTS_PREFIX))


class CannedResponse(db.Model):
    """A saved reply: shared (kept by coordinators, `owner_id` None) or one peer's own."""

    __tablename__ = "canned_responses"
    __table_args__ = (sa.Index("ix_canned_responses_owner", "owner_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    # Typed in the reply box as "/hi"; stored without the slash, lower case.
    shortcut: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    updated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class Resource(db.Model):
    """A local service in the directory (food bank, shelter, crisis line, peer group...)."""

    __tablename__ = "resources"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    category: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    phone: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    # A text line ("text HOME to 741741"); `text` on the wire.
    text_line: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    hours: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    area: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    languages: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    # Last time someone checked the entry is still right (a stale one is listed for review).
    reviewed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    retired_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class MonitorSession(db.Model):
    """A supervisor reading a live conversation: who, which, from when to when, and whether
    they joined openly (the member was told). Listed on the escalation record."""

    __tablename__ = "monitor_sessions"
    __table_args__ = (sa.Index("ix_monitor_sessions_conversation", "conversation_id", "started_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conversation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("conversations.id", ondelete="CASCADE"))
    coordinator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    # The socket watching: its closing ends the session.
    socket_id: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    open_join: so.Mapped[bool] = so.mapped_column(default=False)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    coordinator: so.Mapped[User] = so.relationship(lazy="joined")


CHECKIN_SCHEDULED, CHECKIN_TAKEN, CHECKIN_SENT, CHECKIN_CANCELLED = "scheduled", "taken", "sent", "cancelled"


class CheckIn(db.Model):
    """A follow-up a member asked for at the end of a chat: at `due_at` it is a queue item of
    its own kind for the peers on shift (no presence timers: the member need not be there);
    a peer takes it and writes a message the member reads when they next open Warmline."""

    __tablename__ = "checkins"
    __table_args__ = (
        sa.Index("ix_checkins_status_due", "status", "due_at"),
        sa.Index("ix_checkins_member", "member_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("conversations.id", ondelete="SET NULL"))
    # The peer of the earlier chat, and their note for whoever checks in.
    peer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    handoff_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=CHECKIN_SCHEDULED)
    requested_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    taken_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    taken_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    seen_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    taken_by: so.Mapped[User | None] = so.relationship(foreign_keys=[taken_by_id], lazy="joined")
