"""The member's survey after a conversation: one answer per conversation, never linked to
the peer's name anywhere a peer can see it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.types import UTCDateTime

HELPED = ("yes", "somewhat", "no")
WOULD_OTHERWISE = ("er", "911", "988", "crisis_line", "nothing", "not_sure")


class Survey(db.Model):
    __tablename__ = "conversation_surveys"

    # The primary key is the conversation: a second answer cannot be stored.
    conversation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    helped: so.Mapped[str] = so.mapped_column(sa.String(8))
    felt_heard: so.Mapped[bool]
    would_otherwise: so.Mapped[str | None] = so.mapped_column(sa.String(12))
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # The risk detector's level for the comment (a coordinator follows up a serious one).
    comment_risk: so.Mapped[str] = so.mapped_column(sa.String(10), default="none")
    answered_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
