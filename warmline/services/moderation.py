"""The moderators' review queue (Discourse-style: one item per post, with its reasons),
claims so two moderators don't work one item, actions with notices to the author, silences,
watched words, and the moderation log every action writes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from warmline import clock
from warmline.errors import conflict, invalid, not_found
from warmline.extensions import db
from warmline.i18n import local_time
from warmline.models import ModerationAction, Notice, Post, ReviewItem, Silence, User, WatchedWord
from warmline.models.forums import HIDDEN, PUBLISHED, REJECTED
from warmline.services import forum, risk_verdicts
from warmline.services.hours import in_words, iso

ACTIONS = ("approve", "reject", "hide", "restore")
WATCH_ACTIONS = ("block", "hold", "flag")


def queue() -> list[ReviewItem]:
    """Open items, urgent first, then oldest first."""
    return list(
        db.session.scalars(
            sa.select(ReviewItem)
            .where(ReviewItem.open.is_(True))
            .order_by(ReviewItem.urgent.desc(), ReviewItem.created_at, ReviewItem.id)
        )
    )


def author_history(author_ids: list[int]) -> dict[int, dict[str, int]]:
    """Post count and earlier moderation actions per author, in two queries for the queue."""
    if not author_ids:
        return {}
    posts = dict(
        db.session.execute(
            sa.select(Post.author_id, sa.func.count()).where(Post.author_id.in_(author_ids)).group_by(Post.author_id)
        ).all()
    )
    actions = dict(
        db.session.execute(
            sa.select(ModerationAction.member_id, sa.func.count())
            .where(ModerationAction.member_id.in_(author_ids))
            .group_by(ModerationAction.member_id)
        ).all()
    )
    return {a: {"posts": posts.get(a, 0), "earlier_actions": actions.get(a, 0)} for a in author_ids}


def _item_for(post_id: int) -> ReviewItem | None:
    return db.session.scalar(sa.select(ReviewItem).where(ReviewItem.post_id == post_id))


def claim(moderator: User, item_id: int) -> ReviewItem:
    """Take an item for 15 minutes (configurable); someone else's live claim is a conflict."""
    item = db.session.get(ReviewItem, item_id)
    if item is None or not item.open:
        raise not_found("That review item")
    now = clock.now()
    expiry = timedelta(minutes=current_app.config["FORUM_CLAIM_MINUTES"])
    taken = db.session.execute(
        sa.update(ReviewItem)
        .where(
            ReviewItem.id == item.id,
            sa.or_(
                ReviewItem.claimed_by_id.is_(None),
                ReviewItem.claimed_by_id == moderator.id,
                ReviewItem.claimed_at < now - expiry,
            ),
        )
        .values(claimed_by_id=moderator.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        db.session.rollback()
        raise conflict("claimed", "Another moderator is working on this item.")
    db.session.commit()
    return db.session.get(ReviewItem, item_id, populate_existing=True)


def _log(moderator: User, action: str, reason: str, post: Post | None = None, member_id: int | None = None) -> None:
    db.session.add(
        ModerationAction(
            moderator_id=moderator.id,
            post_id=post.id if post else None,
            member_id=member_id or (post.author_id if post else None),
            action=action,
            reason=reason,
        )
    )


def act(moderator: User, post_id: int, action: str, note: str = "", risk_verdict: str | None = None) -> Post:
    """Approve, reject, hide or restore a post, telling its author; with `risk_verdict`, also
    the moderator's word on the risk detector's reading of it (services/risk_verdicts.py)."""
    post = db.session.get(Post, post_id)
    if post is None:
        raise not_found("That post")
    if action not in ACTIONS:
        raise invalid("action", f"action is one of: {', '.join(ACTIONS)}.")
    item = _item_for(post.id)
    if item is not None and item.open and item.claimed_by_id not in (None, moderator.id):
        expiry = timedelta(minutes=current_app.config["FORUM_CLAIM_MINUTES"])
        if item.claimed_at and item.claimed_at > clock.now() - expiry:
            raise conflict("claimed", "Another moderator is working on this item.")
    if action == "reject" and not note.strip():
        raise invalid("note", "Give the author a reason when rejecting.")
    if risk_verdict:
        risk_verdicts.record(moderator, post, risk_verdict)
    forum.set_status(post, {"approve": PUBLISHED, "reject": REJECTED, "hide": HIDDEN, "restore": PUBLISHED}[action])
    now = clock.now()
    if item is not None:
        item.open = action in ("hide",)  # a hidden post stays in the queue for a restore or reject
        item.claimed_by_id = None
    # Written in the author's language: they read it, not the moderator.
    with force_locale(post.author.language or "en"):
        messages = {
            "approve": _("Your post was approved and is now visible."),
            "reject": _("Your post was not published. Reason: %(reason)s", reason=note.strip()),
            "hide": _("A moderator hid your post while it is reviewed."),
            "restore": _("Your post is visible again."),
        }
    db.session.add(
        Notice(member_id=post.author_id, post_id=post.id, kind=action, message=messages[action][:600], created_at=now)
    )
    _log(moderator, action, note, post)
    db.session.commit()
    return post


def silence(moderator: User, member_id: int, until: datetime, reason: str) -> Silence:
    member = db.session.get(User, member_id)
    if member is None or not member.is_member:
        raise not_found("That member")
    if not reason.strip():
        raise invalid("reason", "Give a reason for the silence.")
    if until <= clock.now():
        raise invalid("until", "A silence ends in the future.")
    row = Silence(member_id=member.id, until=until, reason=reason.strip(), moderator_id=moderator.id)
    db.session.add(row)
    with force_locale(member.language or "en"):
        message = _(
            "You can post again from %(when)s. Reason: %(reason)s",
            when=local_time(until, "%A %d %B, %H:%M %Z"),
            reason=reason.strip(),
        )
    db.session.add(Notice(member_id=member.id, kind="silenced", message=message[:600]))
    _log(moderator, "silence", f"until {in_words(until)}: {reason.strip()}", member_id=member.id)
    db.session.commit()
    return row


def add_watched_word(moderator: User, word: str, action: str) -> WatchedWord:
    word = word.strip()
    if not 1 <= len(word) <= 100:
        raise invalid("word", "A watched word is 1 to 100 characters.")
    if action not in WATCH_ACTIONS:
        raise invalid("action", f"action is one of: {', '.join(WATCH_ACTIONS)}.")
    if db.session.scalar(sa.select(WatchedWord.id).where(WatchedWord.word == word)) is not None:
        raise conflict("exists", "That word is already watched.")
    row = WatchedWord(word=word, action=action)
    db.session.add(row)
    _log(moderator, f"watch_{action}", word)
    db.session.commit()
    return row


def remove_watched_word(moderator: User, word_id: int) -> None:
    row = db.session.get(WatchedWord, word_id)
    if row is None:
        raise not_found("That watched word")
    _log(moderator, "unwatch", row.word)
    db.session.delete(row)
    db.session.commit()


def watched_words() -> list[WatchedWord]:
    return list(db.session.scalars(sa.select(WatchedWord).order_by(WatchedWord.word)))


def log(limit: int = 200) -> list[ModerationAction]:
    return list(db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id.desc()).limit(limit)))


# The log as people read it: "Morgan approved post #12".
ACTION_WORDS = {
    "approve": "approved",
    "reject": "rejected",
    "hide": "hid",
    "restore": "restored",
    "silence": "silenced",
    "unsilence": "lifted the silence of",
    "watch_block": "blocked the word",
    "watch_hold": "holds posts with the word",
    "watch_flag": "flags posts with the word",
    "unwatch": "stopped watching the word",
}


def readable_log(limit: int = 200) -> list[dict[str, Any]]:
    """The log with the moderator's and the member's names and the action in words."""
    moderator, member = so.aliased(User), so.aliased(User)
    rows = db.session.execute(
        sa.select(ModerationAction, moderator.handle, member.handle)
        .join(moderator, moderator.id == ModerationAction.moderator_id)
        .outerjoin(member, member.id == ModerationAction.member_id)
        .order_by(ModerationAction.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "at": action.at,
            "moderator": moderator_handle,
            "action": action.action,
            "words": ACTION_WORDS.get(action.action, action.action.replace("_", " ")),
            "post_id": action.post_id,
            "member": member_handle,
            "reason": action.reason,
        }
        for action, moderator_handle, member_handle in rows
    ]


def active_silences(now: datetime | None = None) -> list[tuple[Silence, str]]:
    """Silences still running, soonest to end first, with the member's handle."""
    now = now or clock.now()
    return [
        (row, handle)
        for row, handle in db.session.execute(
            sa.select(Silence, User.handle)
            .join(User, User.id == Silence.member_id)
            .where(Silence.until > now)
            .order_by(Silence.until)
        ).all()
    ]


def lift_silence(moderator: User, silence_id: int) -> Silence:
    """Ends a silence now; the record stays (it ended early, logged as who lifted it)."""
    row = db.session.get(Silence, silence_id)
    now = clock.now()
    if row is None or row.until <= now:
        raise not_found("That silence")
    row.until = now
    db.session.add(Notice(member_id=row.member_id, kind="unsilenced", message=_("You can post again.")))
    _log(moderator, "unsilence", "", member_id=row.member_id)
    db.session.commit()
    return row


def item_json(item: ReviewItem, history: dict[int, dict[str, int]]) -> dict[str, Any]:
    post = item.post
    return {
        "id": item.id,
        "post": {
            "id": post.id,
            "thread_id": post.thread_id,
            "status": post.status,
            "body_html": post.body_html,
            "author": {"id": post.author_id, "handle": post.author.handle, **history.get(post.author_id, {})},
            "created_at": iso(post.created_at),
        },
        "thread_title": post.thread.title,
        "reasons": item.reasons,
        "risk": post.risk,
        "urgent": item.urgent,
        "claimed_by": item.claimed_by_id,
        "created_at": iso(item.created_at),
    }
