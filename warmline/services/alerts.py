"""Alerts about the forum that must reach people live: a post held as urgent (high or
imminent risk) goes to the moderators, the peers on shift and the on-call coordinator.

Written to the outbox in the post's own transaction (warmline/models/escalations.Outbox), so
it is delivered after the commit, on every process, and again by the sweeper after a crash."""

from __future__ import annotations

import sqlalchemy as sa

from warmline import bus, clock
from warmline.extensions import db
from warmline.models import Outbox, Post, User, UserRole
from warmline.services import roster

POST_URGENT = "post:urgent"
MODERATION_PAGE = "/moderation"  # a stable page path (CONTRACT.md), also right from the sweeper


def urgent_post_recipients() -> list[int]:
    """Every enabled moderator, the peers on shift now, and the on-call coordinator (every
    coordinator when nobody is on call, so the alert never goes nowhere)."""
    now = clock.now()
    moderators = db.session.scalars(
        sa.select(User.id).join(UserRole).where(UserRole.role == "moderator", User.disabled_at.is_(None)).distinct()
    )
    peers = [s.user_id for s in roster.on_shift(now)]
    on_call = [s.user_id for s in roster.on_shift(now, "on_call_coordinator")]
    if not on_call:
        from warmline.services.escalations import coordinator_ids

        on_call = coordinator_ids()
    return sorted({*moderators, *peers, *on_call})


def urgent_post_held(post: Post) -> None:
    """Inside the transaction that held `post` for review as urgent."""
    payload = {
        "post_id": post.id,
        "thread_id": post.thread_id,
        "risk": post.risk,
        "url": MODERATION_PAGE,
        "to": urgent_post_recipients(),
    }
    db.session.add(Outbox(kind=POST_URGENT, payload=payload))
    bus.announce("outbox.pending")
