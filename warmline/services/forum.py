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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from warmline import clock
from warmline.errors import WarmlineError, conflict, forbidden, invalid, not_found
from warmline.extensions import db
from warmline.i18n import local_time
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
from warmline.permissions import MODERATORS
from warmline.sanitize import render
from warmline.services import alerts, risk
from warmline.services.hours import iso
from warmline.validation import clean_text

TITLE_MAX, BODY_MAX, WARNING_MAX, REASON_MAX = 150, 10_000, 150, 300
OUTREACH = _l(
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


def is_trusted(user: User) -> bool:
    """Staff, and members whose first posts (FORUM_NEW_MEMBER_HOLD) are no longer held."""
    return not user.is_member or _published_count(user.id) >= current_app.config["FORUM_NEW_MEMBER_HOLD"]


def _has_link(text: str) -> bool:
    # What the sanitiser would turn into a link (Markdown links and bare addresses alike).
    return "<a " in render(text)


def decide(author: User, text: str, now: datetime) -> Decision:
    """Published or held, and why: the one decision for a new post and an edit alike.
    Refuses a silenced member and a blocked word."""
    silence = active_silence(author.id, now)
    if silence is not None:
        raise WarmlineError(
            "silenced",
            _(
                "You can post again from %(when)s. Reason: %(reason)s",
                when=local_time(silence.until, "%A %d %B, %H:%M %Z"),
                reason=silence.reason,
            ),
            403,
            until=iso(silence.until),
        )
    decision = Decision()
    for word in _watched(text):
        if word.action == "block":
            raise invalid("body", _("Posts can't include “%(word)s”. Please rephrase.", word=word.word))
        decision.review = True
        decision.reasons.append(f"watched word ({word.action}): {word.word}")
        if word.action == "hold":
            decision.status = PENDING
    assessment = risk.assess_here(text)
    decision.risk_level = assessment.level
    if decision.risk_level in ("high", "imminent"):
        decision.status, decision.urgent, decision.review = PENDING, True, True
        decision.reasons += [f"risk: {decision.risk_level}", assessment.reason()]
    elif assessment.overruled:
        # The rules' words, read by the model as harmless: published, and a moderator still
        # sees it among the items that are not urgent.
        decision.review = True
        decision.reasons += [f"risk: {decision.risk_level}", assessment.reason()]
    if author.is_member:
        published = _published_count(author.id)
        if published < current_app.config["FORUM_NEW_MEMBER_HOLD"]:
            decision.status, decision.review = PENDING, True
            decision.reasons.append("new member")
        if published < current_app.config["FORUM_LINK_HOLD"] and _has_link(text):
            decision.status, decision.review = PENDING, True
            decision.reasons.append("link from a new member")
    return decision


def _text(value: str, name: str, max_len: int, *, multiline: bool = False) -> str:
    """The same rule as the JSON API's (warmline/validation.py), for HTML forms too."""
    return clean_text(name, value or "", max_len=max_len, multiline=multiline)


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


def _file(post: Post, decision: Decision, *, edited: bool = False, held_now: bool = False) -> None:
    """Files the post for review as decided (reopening its item after an edit) and tells a
    member whose post is now held."""
    if decision.review:
        reasons = decision.reasons + (["edited"] if edited else [])
        item = db.session.scalar(sa.select(ReviewItem).where(ReviewItem.post_id == post.id)) if edited else None
        if item is None:
            db.session.add(ReviewItem(post_id=post.id, reasons=reasons, urgent=decision.urgent))
        else:
            item.reasons, item.open = [*item.reasons, *reasons], True
            item.urgent = item.urgent or decision.urgent
    if held_now:
        message = (
            (_("Your post is waiting for a moderator.") + " " + str(OUTREACH))
            if decision.urgent
            else _("Your post is waiting for a moderator to look at it; it will appear once approved.")
        )
        db.session.add(Notice(member_id=post.author_id, post_id=post.id, kind="held", message=message))
        if decision.urgent:
            alerts.urgent_post_held(post)


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
    _file(post, decision, held_now=post.status == PENDING)
    db.session.commit()
    return Written(thread, post, str(OUTREACH) if decision.urgent else None)


def get_forum(slug: str) -> Forum:
    forum = db.session.scalar(sa.select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise not_found(_("That forum"))
    return forum


def start_thread(author: User, slug: str, title: str, body: str, content_warning: str | None) -> Written:
    forum = get_forum(slug)
    title = _text(title, "title", TITLE_MAX)
    body = _text(body, "body", BODY_MAX, multiline=True)
    warning = clean_text("content_warning", content_warning or "", max_len=WARNING_MAX, min_len=0) or None
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
        raise not_found(_("That thread"))
    return thread


def reply(author: User, thread_id: int, body: str) -> Written:
    thread = get_thread(thread_id)
    if not thread.visible and thread.author_id != author.id:
        raise not_found(_("That thread"))
    body = _text(body, "body", BODY_MAX, multiline=True)
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
        raise not_found(_("That thread"))
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
        raise not_found(_("That post"))
    if post.author_id != author.id:
        raise forbidden(_("You can change only your own posts."))
    return post


def edit(author: User, post_id: int, body: str) -> Post:
    """An edit goes through the same decision as a new post: a published post that would now
    be held goes back to pending (and to the queue) until a moderator looks at it."""
    post = _own_post(author, post_id)
    if clock.now() - post.created_at > timedelta(minutes=current_app.config["FORUM_EDIT_MINUTES"]):
        raise conflict("edit_window_closed", _("Posts can be edited for 30 minutes after posting."))
    body = _text(body, "body", BODY_MAX, multiline=True)
    now = clock.now()
    text = f"{post.thread.title}\n{post.thread.content_warning or ''}\n{body}" if post.is_opening else body
    decision = decide(author, text, now)
    db.session.add(PostRevision(post_id=post.id, body=post.body))
    post.body, post.body_html, post.edited_at = body, render(body), now
    post.risk = decision.risk_level
    held_now = decision.status == PENDING and post.status == PUBLISHED
    if held_now:
        set_status(post, PENDING)
    _file(post, decision, edited=True, held_now=held_now)
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
        raise not_found(_("That post"))
    if db.session.get(Support, (post.id, member.id)) is None:
        db.session.add(Support(post_id=post.id, member_id=member.id))
        post.support_count += 1
        db.session.commit()
    return post.support_count


def flag_weight(user: User) -> float:
    """A moderator's flag hides at once; a member not trusted yet counts half."""
    if user.has_role(*MODERATORS):
        return float(current_app.config["FORUM_FLAGS_TO_HIDE"])
    return 1.0 if is_trusted(user) else 0.5


def withdraw_support(member: User, post_id: int) -> int:
    """Support taken back (pressed by mistake, or changed their mind)."""
    post = db.session.get(Post, post_id)
    if post is None:
        raise not_found(_("That post"))
    row = db.session.get(Support, (post.id, member.id))
    if row is not None:
        db.session.delete(row)
        post.support_count = max(post.support_count - 1, 0)
        db.session.commit()
    return post.support_count


def flag(member: User, post_id: int, reason: str) -> dict[str, Any]:
    """One flag per member per post; when the flags' weight reaches the configured number the
    post is hidden until reviewed."""
    post = db.session.get(Post, post_id)
    if post is None or post.status != PUBLISHED:
        raise not_found(_("That post"))
    if post.author_id == member.id:
        raise invalid("post", _("You can't flag your own post; you can edit or delete it."))
    reason = _text(reason, "reason", REASON_MAX)
    if db.session.scalar(sa.select(Flag.id).where(Flag.post_id == post.id, Flag.member_id == member.id)) is not None:
        raise conflict("already_flagged", _("You have already flagged this post. Thank you."))
    db.session.add(Flag(post_id=post.id, member_id=member.id, reason=reason))
    db.session.flush()
    flaggers = list(
        db.session.scalars(sa.select(User).join(Flag, Flag.member_id == User.id).where(Flag.post_id == post.id))
    )
    weight = sum(flag_weight(u) for u in flaggers)
    item = db.session.scalar(sa.select(ReviewItem).where(ReviewItem.post_id == post.id))
    if item is None:
        item = ReviewItem(post_id=post.id, reasons=[])
        db.session.add(item)
    item.reasons = [*item.reasons, f"flagged: {reason}"]
    item.open = True
    hidden = weight >= current_app.config["FORUM_FLAGS_TO_HIDE"]
    if hidden:
        set_status(post, HIDDEN)
    db.session.commit()
    return {"flags": len(flaggers), "weight": weight, "hidden": hidden}


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
