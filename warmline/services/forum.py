"""Forum writing and reading: threads and replies, the rules that decide whether a post is
published or held, edits with history, soft deletes, "sending support", and flags."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from warmline import clock
from warmline.errors import WarmlineError, conflict, forbidden, invalid, not_found
from warmline.extensions import db
from warmline.models import (
    Flag,
    Forum,
    Notice,
    Post,
    PostRevision,
    ReviewItem,
    Silence,
    Support,
    Thread,
    User,
    WatchedWord,
)
from warmline.models.forums import HIDDEN, PENDING, PUBLISHED
from warmline.sanitize import render
from warmline.services import risk
from warmline.services.hours import iso

TITLE_MAX, BODY_MAX, WARNING_MAX, REASON_MAX = 150, 10_000, 150, 300
OUTREACH = (
    "It sounds like you're going through something really hard. You don't have to wait for a reply here: "
    "talk to a peer now, or call or text 988 any time. If you are in danger, call 911."
)


@dataclass
class Decision:
    status: str = PUBLISHED
    reasons: list[str] = field(default_factory=list)
    urgent: bool = False
    risk_level: str = "none"
    review: bool = False


def active_silence(member_id: int, now: datetime) -> Silence | None:
    return db.session.scalar(
        sa.select(Silence)
        .where(Silence.member_id == member_id, Silence.until > now)
        .order_by(Silence.until.desc())
        .limit(1)
    )


def _published_count(user_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Post).where(Post.author_id == user_id, Post.status == PUBLISHED)
        )
        or 0
    )


def _watched(text: str) -> list[WatchedWord]:
    lowered = text.casefold()
    return [
        w
        for w in db.session.scalars(sa.select(WatchedWord))
        if re.search(rf"(?<!\w){re.escape(w.word.casefold())}(?!\w)", lowered)
    ]


def decide(author: User, text: str, now: datetime) -> Decision:
    """Published or held, and why. Refuses a silenced member and a blocked word."""
    silence = active_silence(author.id, now)
    if silence is not None:
        raise WarmlineError(
            "silenced",
            f"You can post again from {iso(silence.until)}. Reason: {silence.reason}",
            403,
            until=iso(silence.until),
        )
    decision = Decision()
    for word in _watched(text):
        if word.action == "block":
            raise invalid("body", f"Posts can't include “{word.word}”. Please rephrase.")
        decision.review = True
        decision.reasons.append(f"watched word ({word.action}): {word.word}")
        if word.action == "hold":
            decision.status = PENDING
    assessment = risk.assess_here(text)
    decision.risk_level = assessment.level
    if decision.risk_level in ("high", "imminent"):
        decision.status, decision.urgent, decision.review = PENDING, True, True
        decision.reasons += [f"risk: {decision.risk_level}", assessment.reason()]
    if author.is_member and _published_count(author.id) < current_app.config["FORUM_NEW_MEMBER_HOLD"]:
        decision.status, decision.review = PENDING, True
        decision.reasons.append("new member")
    return decision


def _text(value: str, name: str, max_len: int) -> str:
    value = (value or "").strip()
    if not value:
        raise invalid(name, f"{name} is required.")
    if len(value) > max_len:
        raise invalid(name, f"{name} is at most {max_len:,} characters.")
    return value


def set_status(post: Post, status: str) -> None:
    """The one place a post changes status: the thread's visibility (it shows while its
    opening post is published) and its reply count follow."""
    was_published, post.status = post.status == PUBLISHED, status
    now_published = status == PUBLISHED
    if was_published == now_published:
        return
    thread = post.thread
    if post.is_opening:
        thread.visible = now_published
    else:
        thread.reply_count = max(0, thread.reply_count + (1 if now_published else -1))
    if now_published:
        thread.last_activity_at = max(thread.last_activity_at, post.created_at)


def _publish_effects(post: Post, now: datetime) -> None:
    post.status = PENDING  # so set_status sees the change to published
    set_status(post, PUBLISHED)
    post.thread.last_activity_at = now


def _file(post: Post, decision: Decision) -> None:
    if decision.review:
        db.session.add(ReviewItem(post_id=post.id, reasons=decision.reasons, urgent=decision.urgent))
    if post.status == PENDING:
        message = (
            ("Your post is waiting for a moderator. " + OUTREACH)
            if decision.urgent
            else "Your post is waiting for a moderator to look at it; it will appear once approved."
        )
        db.session.add(Notice(member_id=post.author_id, post_id=post.id, kind="held", message=message))


@dataclass
class Written:
    thread: Thread
    post: Post
    outreach: str | None


def _write(author: User, thread: Thread, body: str, decision: Decision, now: datetime, *, opening: bool) -> Written:
    """Stores a post as decided (rendered once, here), files it for review, commits."""
    post = Post(
        thread_id=thread.id,
        author_id=author.id,
        body=body,
        body_html=render(body),
        status=decision.status,
        risk=decision.risk_level,
        is_opening=opening,
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    if post.status == PUBLISHED:
        _publish_effects(post, now)
    _file(post, decision)
    db.session.commit()
    return Written(thread, post, OUTREACH if decision.urgent else None)


def get_forum(slug: str) -> Forum:
    forum = db.session.scalar(sa.select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise not_found("That forum")
    return forum


def start_thread(author: User, slug: str, title: str, body: str, content_warning: str | None) -> Written:
    forum = get_forum(slug)
    title = _text(title, "title", TITLE_MAX)
    body = _text(body, "body", BODY_MAX)
    warning = (content_warning or "").strip() or None
    if warning and len(warning) > WARNING_MAX:
        raise invalid("content_warning", f"content_warning is at most {WARNING_MAX} characters.")
    now = clock.now()
    decision = decide(author, f"{title}\n{warning or ''}\n{body}", now)
    thread = Thread(
        forum_id=forum.id,
        author_id=author.id,
        title=title,
        content_warning=warning,
        created_at=now,
        last_activity_at=now,
    )
    db.session.add(thread)
    db.session.flush()
    return _write(author, thread, body, decision, now, opening=True)


def get_thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise not_found("That thread")
    return thread


def reply(author: User, thread_id: int, body: str) -> Written:
    thread = get_thread(thread_id)
    if not thread.visible and thread.author_id != author.id:
        raise not_found("That thread")
    body = _text(body, "body", BODY_MAX)
    now = clock.now()
    decision = decide(author, body, now)
    return _write(author, thread, body, decision, now, opening=False)


def can_see(viewer: User | None, post: Post, moderator: bool) -> bool:
    if moderator or post.status == PUBLISHED:
        return True
    return viewer is not None and post.status == PENDING and post.author_id == viewer.id


def _paginate(
    model: Any, where: list[Any], order_by: list[Any], page: int, options: tuple[Any, ...] = ()
) -> tuple[list[Any], int]:
    """One page of `model` rows (FORUM_PAGE_SIZE), in two queries: a count and the page.
    A page past the end shows the last page."""
    size = current_app.config["FORUM_PAGE_SIZE"]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        sa.select(model).options(*options).where(*where).order_by(*order_by).offset((page - 1) * size).limit(size)
    )
    return list(rows), pages


def thread_page(
    viewer: User | None, thread_id: int, page: int, moderator: bool = False
) -> tuple[Thread, list[Post], int, set[int]]:
    """One page of a thread in a fixed number of queries, however many posts it has."""
    thread = get_thread(thread_id)
    if not thread.visible and not moderator and (viewer is None or thread.author_id != viewer.id):
        raise not_found("That thread")
    visible = sa.or_(
        Post.status == PUBLISHED, sa.and_(Post.status == PENDING, Post.author_id == (viewer.id if viewer else -1))
    )
    condition = sa.true() if moderator else visible
    # The thread is loaded already; of each author only the handle is shown.
    only_needed = (so.lazyload(Post.thread), so.joinedload(Post.author).load_only(User.id, User.handle))
    posts, pages = _paginate(Post, [Post.thread_id == thread.id, condition], [Post.id], page, only_needed)
    supported: set[int] = set()
    if viewer is not None and posts:
        supported = set(
            db.session.scalars(
                sa.select(Support.post_id).where(
                    Support.member_id == viewer.id, Support.post_id.in_([p.id for p in posts])
                )
            )
        )
    return thread, posts, pages, supported


def forum_threads(slug: str, viewer: User | None, page: int) -> tuple[Forum, list[Thread], int]:
    forum = get_forum(slug)
    condition = sa.or_(Thread.visible.is_(True), Thread.author_id == (viewer.id if viewer else -1))
    threads, pages = _paginate(
        Thread, [Thread.forum_id == forum.id, condition], [Thread.last_activity_at.desc(), Thread.id.desc()], page
    )
    return forum, threads, pages


def _own_post(author: User, post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        raise not_found("That post")
    if post.author_id != author.id:
        raise forbidden("You can change only your own posts.")
    return post


def edit(author: User, post_id: int, body: str) -> Post:
    post = _own_post(author, post_id)
    if clock.now() - post.created_at > timedelta(minutes=current_app.config["FORUM_EDIT_MINUTES"]):
        raise conflict("edit_window_closed", "Posts can be edited for 30 minutes after posting.")
    body = _text(body, "body", BODY_MAX)
    decision = decide(author, body, clock.now())
    db.session.add(PostRevision(post_id=post.id, body=post.body))
    post.body, post.body_html, post.edited_at = body, render(body), clock.now()
    if decision.urgent and post.status == PUBLISHED:
        set_status(post, PENDING)
        decision.review = True
    if decision.review and db.session.scalar(sa.select(ReviewItem).where(ReviewItem.post_id == post.id)) is None:
        db.session.add(ReviewItem(post_id=post.id, reasons=decision.reasons + ["edited"], urgent=decision.urgent))
    db.session.commit()
    return post


def delete(author: User, post_id: int) -> Post:
    """Soft delete: the post stays in the thread as "removed by author"."""
    post = _own_post(author, post_id)
    post.deleted_at = clock.now()
    post.body_html = ""
    db.session.commit()
    return post


def send_support(member: User, post_id: int) -> int:
    post = db.session.get(Post, post_id)
    if post is None or post.status != PUBLISHED or post.deleted_at is not None:
        raise not_found("That post")
    if db.session.get(Support, (post.id, member.id)) is None:
        db.session.add(Support(post_id=post.id, member_id=member.id))
        post.support_count += 1
        db.session.commit()
    return post.support_count


def flag(member: User, post_id: int, reason: str) -> dict[str, Any]:
    """One flag per member per post; at the configured number the post is hidden until reviewed."""
    post = db.session.get(Post, post_id)
    if post is None or post.status != PUBLISHED:
        raise not_found("That post")
    if post.author_id == member.id:
        raise invalid("post", "You can't flag your own post; you can edit or delete it.")
    reason = _text(reason, "reason", REASON_MAX)
    if db.session.scalar(sa.select(Flag.id).where(Flag.post_id == post.id, Flag.member_id == member.id)) is not None:
        raise conflict("already_flagged", "You have already flagged this post. Thank you.")
    db.session.add(Flag(post_id=post.id, member_id=member.id, reason=reason))
    db.session.flush()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Flag).where(Flag.post_id == post.id)) or 0
    item = db.session.scalar(sa.select(ReviewItem).where(ReviewItem.post_id == post.id))
    if item is None:
        item = ReviewItem(post_id=post.id, reasons=[])
        db.session.add(item)
    item.reasons = [*item.reasons, f"flagged: {reason}"]
    item.open = True
    hidden = count >= current_app.config["FORUM_FLAGS_TO_HIDE"]
    if hidden:
        set_status(post, HIDDEN)
    db.session.commit()
    return {"flags": count, "hidden": hidden}


def notices(member: User) -> list[Notice]:
    return list(
        db.session.scalars(sa.select(Notice).where(Notice.member_id == member.id).order_by(Notice.id.desc()).limit(100))
    )


def outreach_risk(member: User, within: timedelta = timedelta(hours=24)) -> str:
    """The risk of the member's latest post held as urgent (the server's own record, never
    what a client claims), for the one-click offer to talk to a peer."""
    level = db.session.scalar(
        sa.select(Post.risk)
        .join(ReviewItem, ReviewItem.post_id == Post.id)
        .where(Post.author_id == member.id, ReviewItem.urgent.is_(True), Post.created_at > clock.now() - within)
        .order_by(Post.id.desc())
        .limit(1)
    )
    return level or "none"
