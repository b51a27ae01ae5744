"""Forum threads, posts, flags and moderation over the JSON API (CONTRACT.md, Forums)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, request
from flask_login import current_user

from warmline import clock
from warmline.extensions import limiter
from warmline.models import Notice, Post, Thread
from warmline.permissions import ANY_SIGNED_IN, MEMBERS, MODERATORS, roles_required
from warmline.security import user_key
from warmline.services import forum, moderation, risk_verdicts
from warmline.services.hours import iso
from warmline.validation import choice, integer, optional, text, timestamp
from warmline.web.api import body, bp, ok

POST_LIMIT = "10 per minute;60 per hour"
FLAG_LIMIT = "20 per hour"


def thread_json(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "forum": thread.forum.slug,
        "title": thread.title,
        "content_warning": thread.content_warning,
        "author_handle": thread.author.handle,
        "created_at": iso(thread.created_at),
        "last_activity_at": iso(thread.last_activity_at),
        "reply_count": thread.reply_count,
    }


def post_json(post: Post, supported: set[int] | frozenset[int] = frozenset()) -> dict[str, Any]:
    removed = post.deleted_at is not None
    return {
        "id": post.id,
        "thread_id": post.thread_id,
        "status": post.status,
        "body_html": "" if removed else post.body_html,
        "removed": removed,
        "author_handle": post.author.handle,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at) if post.edited_at else None,
        "support_count": post.support_count,
        "supported": post.id in supported,
    }


def written_json(written: forum.Written) -> dict[str, Any]:
    data: dict[str, Any] = {"thread": thread_json(written.thread), "post": post_json(written.post)}
    if written.outreach:
        data["outreach"] = {
            "message": written.outreach,
            "chat_url": "/chat?from=forum",
            "resources": [{"call": "988", "text": "988"}, {"call": "911"}],
        }
    return data


def is_moderator() -> bool:
    return current_user.is_authenticated and current_user.has_role(*MODERATORS)


@bp.post("/forums/<slug>/threads")
@roles_required(*ANY_SIGNED_IN)
@limiter.limit(POST_LIMIT, key_func=user_key)
def start_thread(slug: str) -> tuple[Response, int]:
    data = body(
        {
            "title": text(max_len=forum.TITLE_MAX),
            "body": text(max_len=forum.BODY_MAX, multiline=True),
            "content_warning": optional(text(max_len=forum.WARNING_MAX, min_len=0)),
        }
    )
    return ok(
        201,
        **written_json(forum.start_thread(current_user, slug, data["title"], data["body"], data["content_warning"])),
    )


@bp.get("/threads/<int:thread_id>")
@roles_required(*ANY_SIGNED_IN)
def get_thread(thread_id: int) -> tuple[Response, int]:
    thread, posts, pages, supported = forum.thread_page(
        current_user, thread_id, request.args.get("page", 1, type=int), is_moderator()
    )
    return ok(thread=thread_json(thread), posts=[post_json(p, supported) for p in posts], pages=pages)


@bp.post("/threads/<int:thread_id>/posts")
@roles_required(*ANY_SIGNED_IN)
@limiter.limit(POST_LIMIT, key_func=user_key)
def reply(thread_id: int) -> tuple[Response, int]:
    data = body({"body": text(max_len=forum.BODY_MAX, multiline=True)})
    return ok(201, **written_json(forum.reply(current_user, thread_id, data["body"])))


@bp.patch("/posts/<int:post_id>")
@roles_required(*ANY_SIGNED_IN)
def edit_post(post_id: int) -> tuple[Response, int]:
    data = body({"body": text(max_len=forum.BODY_MAX, multiline=True)})
    return ok(post=post_json(forum.edit(current_user, post_id, data["body"])))


@bp.delete("/posts/<int:post_id>")
@roles_required(*ANY_SIGNED_IN)
def delete_post(post_id: int) -> tuple[Response, int]:
    return ok(post=post_json(forum.delete(current_user, post_id)))


@bp.post("/posts/<int:post_id>/support")
@roles_required(*ANY_SIGNED_IN)
def support(post_id: int) -> tuple[Response, int]:
    body({})
    return ok(support_count=forum.send_support(current_user, post_id))


@bp.delete("/posts/<int:post_id>/support")
@roles_required(*ANY_SIGNED_IN)
def withdraw_support(post_id: int) -> tuple[Response, int]:
    return ok(support_count=forum.withdraw_support(current_user, post_id))


@bp.post("/posts/<int:post_id>/flags")
@roles_required(*ANY_SIGNED_IN)
@limiter.limit(FLAG_LIMIT, key_func=user_key)
def flag(post_id: int) -> tuple[Response, int]:
    data = body({"reason": text(max_len=forum.REASON_MAX)})
    return ok(201, **forum.flag(current_user, post_id, data["reason"]))


@bp.get("/me/notices")
@roles_required(*MEMBERS)
def my_notices() -> tuple[Response, int]:
    def notice_json(n: Notice) -> dict[str, Any]:
        return {"id": n.id, "post_id": n.post_id, "kind": n.kind, "message": n.message, "created_at": iso(n.created_at)}

    return ok(notices=[notice_json(n) for n in forum.notices(current_user)])


@bp.get("/moderation/queue")
@roles_required(*MODERATORS)
def review_queue() -> tuple[Response, int]:
    items = moderation.queue()
    history = moderation.author_history(sorted({i.post.author_id for i in items}))
    return ok(items=[moderation.item_json(i, history) for i in items])


@bp.post("/moderation/items/<int:item_id>/claim")
@roles_required(*MODERATORS)
def claim(item_id: int) -> tuple[Response, int]:
    body({})
    item = moderation.claim(current_user, item_id)
    return ok(item={"id": item.id, "claimed_by": item.claimed_by_id})


@bp.post("/moderation/posts/<int:post_id>")
@roles_required(*MODERATORS)
def moderate(post_id: int) -> tuple[Response, int]:
    data = body(
        {
            "action": choice(*moderation.ACTIONS),
            "note": optional(text(max_len=500, min_len=0, multiline=True), ""),
            "risk_verdict": optional(choice(*risk_verdicts.VERDICTS), None),
        }
    )
    post = moderation.act(current_user, post_id, data["action"], data["note"], data["risk_verdict"])
    return ok(post=post_json(post))


@bp.post("/moderation/members/<int:member_id>/silence")
@roles_required(*MODERATORS)
def silence(member_id: int) -> tuple[Response, int]:
    data = body(
        {"days": optional(integer(minimum=1, maximum=365)), "until": optional(timestamp()), "reason": text(max_len=500)}
    )
    until = data["until"] or clock.now() + timedelta(days=data["days"] or 1)
    row = moderation.silence(current_user, member_id, until, data["reason"])
    return ok(201, silence={"member_id": row.member_id, "until": iso(row.until), "reason": row.reason})


@bp.get("/moderation/silences")
@roles_required(*MODERATORS)
def silences() -> tuple[Response, int]:
    return ok(
        silences=[
            {"id": row.id, "member_id": row.member_id, "handle": handle, "until": iso(row.until), "reason": row.reason}
            for row, handle in moderation.active_silences()
        ]
    )


@bp.delete("/moderation/silences/<int:silence_id>")
@roles_required(*MODERATORS)
def lift_silence(silence_id: int) -> tuple[Response, int]:
    row = moderation.lift_silence(current_user, silence_id)
    return ok(silence={"id": row.id, "member_id": row.member_id, "until": iso(row.until)})


@bp.get("/moderation/watched-words")
@roles_required(*MODERATORS)
def watched_words() -> tuple[Response, int]:
    return ok(words=[{"id": w.id, "word": w.word, "action": w.action} for w in moderation.watched_words()])


@bp.post("/moderation/watched-words")
@roles_required(*MODERATORS)
def add_watched_word() -> tuple[Response, int]:
    data = body({"word": text(max_len=100), "action": choice(*moderation.WATCH_ACTIONS)})
    row = moderation.add_watched_word(current_user, data["word"], data["action"])
    return ok(201, word={"id": row.id, "word": row.word, "action": row.action})


@bp.delete("/moderation/watched-words/<int:word_id>")
@roles_required(*MODERATORS)
def remove_watched_word(word_id: int) -> tuple[Response, int]:
    moderation.remove_watched_word(current_user, word_id)
    return ok()


@bp.get("/moderation/log")
@roles_required(*MODERATORS)
def moderation_log() -> tuple[Response, int]:
    return ok(
        actions=[
            {
                "id": a.id,
                "moderator_id": a.moderator_id,
                "post_id": a.post_id,
                "member_id": a.member_id,
                "action": a.action,
                "reason": a.reason,
                "at": iso(a.at),
            }
            for a in moderation.log()
        ]
    )
