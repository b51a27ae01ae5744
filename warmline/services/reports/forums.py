"""Forum activity over the range: new threads and replies, members posting, how soon a new
thread is answered, moderation actions, and how long held posts wait for review."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import ModerationAction, Post, ReviewItem, Thread, User
from warmline.services.reports.base import Range, count_if, nearest_rank, number, seconds_between


class ForumReport:
    def __init__(self, report_range: Range) -> None:
        self.range = report_range

    def _within(self, column: Any) -> Any:
        return sa.and_(column >= self.range.start, column < self.range.end)

    def summary(self) -> dict[str, Any]:
        p = Post
        members_active = (
            sa.select(sa.func.count(sa.distinct(p.author_id)))
            .join(User, User.id == p.author_id)
            .where(self._within(p.created_at), User.username.is_(None))
            .scalar_subquery()
        )
        actions = (
            sa.select(sa.func.count()).select_from(ModerationAction).where(self._within(ModerationAction.at))
        ).scalar_subquery()
        row = db.session.execute(
            sa.select(
                count_if(p.is_opening.is_(True)).label("threads"),
                count_if(p.is_opening.is_(False)).label("replies"),
                members_active.label("members_active"),
                actions.label("moderation_actions"),
            ).where(self._within(p.created_at))
        ).one()
        return {
            "new_threads": int(row.threads),
            "replies": int(row.replies),
            "members_active": int(row.members_active or 0),
            "moderation_actions": int(row.moderation_actions or 0),
            "moderation_by_action": self.moderation_by_action(),
            "median_first_reply_seconds": self.median_first_reply(),
            "held_posts": self.held_posts(),
        }

    def moderation_by_action(self) -> dict[str, int]:
        m = ModerationAction
        rows = db.session.execute(sa.select(m.action, sa.func.count()).where(self._within(m.at)).group_by(m.action))
        return {action: n for action, n in rows}

    def median_first_reply(self) -> float | None:
        """Threads started in the range: the median time to the first reply by someone else."""
        t, reply = Thread, sa.orm.aliased(Post)
        first_reply = (
            sa.select(sa.func.min(reply.created_at))
            .where(reply.thread_id == t.id, reply.is_opening.is_(False), reply.author_id != t.author_id)
            .scalar_subquery()
        )
        waits = sa.select(seconds_between(t.created_at, first_reply).label("value")).where(self._within(t.created_at))
        return number(db.session.scalar(nearest_rank(waits.subquery("reply_waits"), 1, 2)))

    def held_posts(self) -> dict[str, Any]:
        """Posts held for review in the range; how long until a moderator acted on them."""
        r, m = ReviewItem, ModerationAction
        reviewed_at = sa.select(sa.func.min(m.at)).where(m.post_id == r.post_id, m.at >= r.created_at).scalar_subquery()
        waits = sa.select(seconds_between(r.created_at, reviewed_at).label("value")).where(self._within(r.created_at))
        held = db.session.execute(
            sa.select(sa.func.count(), count_if(r.open.is_(True))).where(self._within(r.created_at))
        ).one()
        return {
            "held": int(held[0]),
            "still_open": int(held[1]),
            "median_review_seconds": number(db.session.scalar(nearest_rank(waits.subquery("review_waits"), 1, 2))),
        }
