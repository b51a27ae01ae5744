"""Forums (categories) that threads live in. Threads, posts and moderation come with the
forums issue; the categories exist from the start so demo data and the API have them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.accounts import User
from warmline.models.types import UTCDateTime


class Forum(db.Model):
    __tablename__ = "forums"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(48), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(100))
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    position: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


PUBLISHED, PENDING, REJECTED, HIDDEN = "published", "pending", "rejected", "hidden"


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (sa.Index("ix_threads_forum_activity", "forum_id", "last_activity_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    forum_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("forums.id"))
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(150))
    content_warning: so.Mapped[str | None] = so.mapped_column(sa.String(150))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    last_activity_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
    # Visible once its first post is published.
    visible: so.Mapped[bool] = so.mapped_column(default=False)
    reply_count: so.Mapped[int] = so.mapped_column(default=0)

    forum: so.Mapped[Forum] = so.relationship(lazy="joined")
    author: so.Mapped[User] = so.relationship(lazy="joined")


class Post(db.Model):
    """Stored as the member wrote it (`body`) and rendered once, sanitised (`body_html`)."""

    __tablename__ = "posts"
    __table_args__ = (sa.Index("ix_posts_thread_status", "thread_id", "status", "id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    thread_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("threads.id"))
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    body_html: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=PUBLISHED)
    risk: so.Mapped[str] = so.mapped_column(sa.String(10), default="none")
    is_opening: so.Mapped[bool] = so.mapped_column(default=False)
    # Indexed: the reports and the detector's verdict counts take posts by when they were written.
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now, index=True)
    edited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    support_count: so.Mapped[int] = so.mapped_column(default=0)

    thread: so.Mapped[Thread] = so.relationship(lazy="joined")
    author: so.Mapped[User] = so.relationship(lazy="joined")


class PostRevision(db.Model):
    """The text a post had before an edit."""

    __tablename__ = "post_revisions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    post_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("posts.id"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    replaced_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (sa.UniqueConstraint("post_id", "member_id", name="uq_flags_post_member"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    post_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("posts.id"), index=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    reason: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class Support(db.Model):
    """ "Sending support": one per member per post."""

    __tablename__ = "post_support"

    post_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("posts.id"), primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)


class ReviewItem(db.Model):
    """One item per post in the moderators' queue (held, flagged, watched word, risk)."""

    __tablename__ = "review_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    post_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("posts.id"), unique=True)
    reasons: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    urgent: so.Mapped[bool] = so.mapped_column(default=False)
    open: so.Mapped[bool] = so.mapped_column(default=True, index=True)
    claimed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)

    post: so.Mapped[Post] = so.relationship(lazy="joined")


class ModerationAction(db.Model):
    """The moderation log: who did what to which post or member, when and why."""

    __tablename__ = "moderation_actions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    moderator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    post_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("posts.id"), index=True)
    member_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(16))
    reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class RiskVerdict(db.Model):
    """A moderator's word on the risk detector's reading of a post (services/risk_verdicts.py):
    right, a harmless post it read as a risk, or a risk it missed. One per post, the latest."""

    __tablename__ = "risk_verdicts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    post_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    moderator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    detector_level: so.Mapped[str] = so.mapped_column(sa.String(10))  # Post.risk when judged
    verdict: so.Mapped[str] = so.mapped_column(sa.String(10))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now, index=True)

    post: so.Mapped[Post] = so.relationship(lazy="joined")


class Notice(db.Model):
    """A private note to a member about their own post (held, approved, rejected, hidden)."""

    __tablename__ = "notices"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    post_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("posts.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    message: so.Mapped[str] = so.mapped_column(sa.String(600))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class WatchedWord(db.Model):
    __tablename__ = "watched_words"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    word: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(8))  # block | hold | flag
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class Silence(db.Model):
    __tablename__ = "silences"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    until: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    reason: so.Mapped[str] = so.mapped_column(sa.String(500))
    moderator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)


class HiddenForum(db.Model):
    """A forum (topic) a member chose not to see in their lists."""

    __tablename__ = "hidden_forums"

    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    forum_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
