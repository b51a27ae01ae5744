"""Warmline chat: conversations between a member and a peer, their messages, the peer's
contact note, hand-offs, and the leases that make periodic work run once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.accounts import User
from warmline.models.types import UTCDateTime

WAITING, ACTIVE, ENDED = "waiting", "active", "ended"
RISK_LEVELS = ("none", "low", "moderate", "high", "imminent")


def risk_rank(level: str) -> int:
    return RISK_LEVELS.index(level)


class Conversation(db.Model):
    __tablename__ = "conversations"
    __table_args__ = (
        sa.Index("ix_conversations_queue", "status", "front_of_queue", "risk_rank", "queued_at"),
        sa.Index("ix_conversations_member_status", "member_id", "status"),
        sa.Index("ix_conversations_peer_status", "peer_id", "status"),
        # Reports select conversations by when they were requested.
        sa.Index("ix_conversations_requested_at", "requested_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    peer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=WAITING)
    topic: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # The member's language when they asked ("en", "es"): shown on the peers' queue.
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en", server_default="en")
    risk: so.Mapped[str] = so.mapped_column(sa.String(10), default="none")
    risk_rank: so.Mapped[int] = so.mapped_column(default=0)
    # Yes to the intake question ("thinking about suicide or in danger right now?").
    intake_danger: so.Mapped[bool] = so.mapped_column(default=False)
    # Put back at the front (peer lost, unanswered): served before first-time waiters.
    front_of_queue: so.Mapped[bool] = so.mapped_column(default=False)
    requested_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    queued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    assigned_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    first_assigned_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    peer_replied_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    ended_by: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    end_reason: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # Since when the party has had no open socket (grace periods run from here).
    member_gone_since: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    peer_gone_since: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_seq: so.Mapped[int] = so.mapped_column(default=0)
    # The member asked for the same peer as last time (services/continuity.py): offered to
    # them first for a short while.
    same_peer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Kept past the retention period (an escalation needs the transcript).
    retain: so.Mapped[bool] = so.mapped_column(default=False)
    transcript_deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    member: so.Mapped[User] = so.relationship(foreign_keys=[member_id], lazy="joined")
    peer: so.Mapped[User | None] = so.relationship(foreign_keys=[peer_id], lazy="joined")


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        sa.UniqueConstraint("conversation_id", "sender_id", "client_id", name="uq_messages_client_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conversation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: so.Mapped[int]
    client_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    sender_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    sender_role: so.Mapped[str] = so.mapped_column(sa.String(10))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    sent_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    # A resource card a peer shared (its body is the card as text, for transcripts).
    resource_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("resources.id", ondelete="SET NULL"))

    sender: so.Mapped[User | None] = so.relationship(lazy="joined")


class ChatRiskReading(db.Model):
    """A reading of the risk detector that raised a conversation's risk, and the peer's word on
    it (services/risk_verdicts.py): right, or harmless. No text: the message scored is linked,
    and goes when the transcript is deleted."""

    __tablename__ = "chat_risk_readings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conversation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("messages.id", ondelete="SET NULL"))
    detector_level: so.Mapped[str] = so.mapped_column(sa.String(10))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now, index=True)
    verdict: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    judged_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    judged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class ContactNote(db.Model):
    """A peer's short record of a contact (never shown to the member). Every peer who held
    the conversation may write one; after a hand-over the last peer's note is the billing note."""

    __tablename__ = "contact_notes"

    conversation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("conversations.id"), primary_key=True)
    peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    topics: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    referral: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Minutes of service this peer documents (None: the conversation's own length).
    service_minutes: so.Mapped[int | None] = so.mapped_column()
    # Peer-rated distress, 0-10, at the start and the end of the contact.
    distress_start: so.Mapped[int | None] = so.mapped_column()
    distress_end: so.Mapped[int | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    updated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class Handoff(db.Model):
    """A conversation passed from one peer to another, with a note the member never sees."""

    __tablename__ = "handoffs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conversation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("conversations.id"), index=True)
    from_peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    to_peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class Lease(db.Model):
    """Who runs a piece of periodic work until when: one holder across all processes."""

    __tablename__ = "leases"

    name: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    holder: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class ServerProcess(db.Model):
    """A live server process, by heartbeat: a process that stops beating is dead, and its
    sockets (and the presence they gave) are cleared."""

    __tablename__ = "server_processes"

    id: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    heartbeat_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
