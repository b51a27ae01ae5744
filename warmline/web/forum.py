"""Forum pages: forums, a forum's threads, a thread, notices; and the moderators' queue.
Plain forms that work without JavaScript; every text a member wrote is shown escaped, and
post bodies as the sanitiser stored them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from warmline import clock
from warmline.errors import WarmlineError
from warmline.extensions import limiter
from warmline.permissions import ANY_SIGNED_IN, COORDINATORS, MEMBERS, MODERATORS, public, roles_required
from warmline.security import user_key
from warmline.services import forum, forums, moderation, risk_verdicts
from warmline.web.api.forum_posts import FLAG_LIMIT, POST_LIMIT
from warmline.web.navigation import same_site_path

DETECTOR_WINDOW = timedelta(days=30)  # the moderation page's view of the risk detector

bp = Blueprint("forum", __name__)
moderation_bp = Blueprint("moderation", __name__)


def _viewer() -> Any:
    return current_user if current_user.is_authenticated else None


def _is_moderator() -> bool:
    return current_user.is_authenticated and current_user.has_role(*MODERATORS)


@bp.get("/forums")
@public
def index() -> str:
    hidden = forums.hidden_forum_ids(_viewer())
    everything = forums.all_forums()
    return render_template(
        "forum/index.html",
        forums=[f for f in everything if f.id not in hidden],
        hidden=[f for f in everything if f.id in hidden],
        error=None,
        form={},
    )


@bp.post("/forums/<slug>/hide")
@roles_required(*ANY_SIGNED_IN)
def hide(slug: str) -> Response:
    forums.set_hidden(current_user, slug, request.form.get("hidden") == "1")
    return redirect(url_for("forum.index"))


@bp.post("/forums/new")
@roles_required(*COORDINATORS)
def new_forum() -> Any:
    form = request.form
    try:
        created = forums.create_forum(form.get("slug", ""), form.get("title", ""), form.get("description", ""))
    except WarmlineError as error:
        return render_template(
            "forum/index.html", forums=forums.all_forums(), hidden=[], error=error, form=form
        ), error.status
    return redirect(url_for("forum.forum_page", slug=created.slug))


@bp.post("/posts/<int:post_id>/edit")
@roles_required(*ANY_SIGNED_IN)
def edit(post_id: int) -> Response:
    try:
        post = forum.edit(current_user, post_id, request.form.get("body", ""))
        flash(_("Your post was updated."))
        return redirect(url_for("forum.thread_page", thread_id=post.thread_id))
    except WarmlineError as error:
        flash(error.message, "error")
        return redirect(same_site_path(request.form.get("back"), url_for("forum.index")))


@bp.get("/forums/<slug>")
@public
def forum_page(slug: str) -> str:
    the_forum, threads, pages = forum.forum_threads(slug, _viewer(), request.args.get("page", 1, type=int))
    return render_template(
        "forum/forum.html",
        forum=the_forum,
        threads=threads,
        pages=pages,
        page=request.args.get("page", 1, type=int),
        form={},
        error=None,
    )


@bp.post("/forums/<slug>/threads")
@roles_required(*ANY_SIGNED_IN)
@limiter.limit(POST_LIMIT, key_func=user_key)
def start_thread(slug: str) -> Any:
    form = request.form
    try:
        written = forum.start_thread(
            current_user, slug, form.get("title", ""), form.get("body", ""), form.get("content_warning")
        )
    except WarmlineError as error:
        the_forum, threads, pages = forum.forum_threads(slug, _viewer(), 1)
        return render_template(
            "forum/forum.html", forum=the_forum, threads=threads, pages=pages, page=1, form=form, error=error
        ), error.status
    _after_write(written)
    return redirect(url_for("forum.thread_page", thread_id=written.thread.id))


def _after_write(written: forum.Written) -> None:
    if written.outreach:
        flash(written.outreach, "outreach")
    elif written.post.status == "pending":
        flash(_("Thank you. Your post will appear once a moderator has looked at it."))


@bp.get("/threads/<int:thread_id>")
@public
def thread_page(thread_id: int) -> str:
    thread, posts, pages, supported = forum.thread_page(
        _viewer(), thread_id, request.args.get("page", 1, type=int), _is_moderator()
    )
    return render_template(
        "forum/thread.html",
        thread=thread,
        posts=posts,
        pages=pages,
        supported=supported,
        page=request.args.get("page", 1, type=int),
        edit_window=timedelta(minutes=30),
        now=clock.now(),
    )


@bp.post("/threads/<int:thread_id>/posts")
@roles_required(*ANY_SIGNED_IN)
@limiter.limit(POST_LIMIT, key_func=user_key)
def reply(thread_id: int) -> Response:
    try:
        _after_write(forum.reply(current_user, thread_id, request.form.get("body", "")))
    except WarmlineError as error:
        flash(
            _("%(message)s Your text: %(text)s", message=error.message, text=request.form.get("body", "")[:500]),
            "error",
        )
    return redirect(url_for("forum.thread_page", thread_id=thread_id, page=10_000))


@bp.post("/posts/<int:post_id>/support")
@roles_required(*ANY_SIGNED_IN)
def support(post_id: int) -> Response:
    if request.form.get("undo"):
        forum.withdraw_support(current_user, post_id)
    else:
        forum.send_support(current_user, post_id)
    # Back to the same post, not the top of the thread (and only to a page of this site).
    back = same_site_path(request.form.get("back"))
    return redirect(f"{back}#post-{post_id}" if back else url_for("forum.index"))


@bp.post("/posts/<int:post_id>/flag")
@roles_required(*ANY_SIGNED_IN)
@limiter.limit(FLAG_LIMIT, key_func=user_key)
def flag(post_id: int) -> Response:
    try:
        forum.flag(current_user, post_id, request.form.get("reason", ""))
        flash(_("Thank you. A moderator will look at it."))
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(same_site_path(request.form.get("back"), url_for("forum.index")))


@bp.post("/posts/<int:post_id>/delete")
@roles_required(*ANY_SIGNED_IN)
def delete(post_id: int) -> Response:
    post = forum.delete(current_user, post_id)
    flash(_("Your post was removed."))
    return redirect(url_for("forum.thread_page", thread_id=post.thread_id))


@bp.get("/notices")
@roles_required(*MEMBERS)
def notices() -> str:
    return render_template("forum/notices.html", notices=forum.notices(current_user))


@moderation_bp.get("/moderation")
@roles_required(*MODERATORS)
def queue_page() -> str:
    items = moderation.queue()
    history = moderation.author_history(sorted({i.post.author_id for i in items}))
    now = clock.now()
    return render_template(
        "forum/moderation.html",
        items=items,
        history=history,
        words=moderation.watched_words(),
        log=moderation.readable_log(50),
        silences=moderation.active_silences(),
        now=now,
        detector=risk_verdicts.summary(now - DETECTOR_WINDOW, now),
        verdicts_for=risk_verdicts.allowed,
    )


@moderation_bp.post("/moderation/items/<int:item_id>/claim")
@roles_required(*MODERATORS)
def claim(item_id: int) -> Response:
    try:
        moderation.claim(current_user, item_id)
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("moderation.queue_page"))


@moderation_bp.post("/moderation/posts/<int:post_id>")
@roles_required(*MODERATORS)
def act(post_id: int) -> Response:
    try:
        moderation.act(
            current_user,
            post_id,
            request.form.get("action", ""),
            request.form.get("note", ""),
            request.form.get("risk_verdict") or None,
        )
        flash("Done.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("moderation.queue_page"))


@moderation_bp.post("/moderation/members/<int:member_id>/silence")
@roles_required(*MODERATORS)
def silence(member_id: int) -> Response:
    try:
        days = max(1, min(365, int(request.form.get("days", "1"))))
        moderation.silence(current_user, member_id, clock.now() + timedelta(days=days), request.form.get("reason", ""))
        flash(f"Silenced for {days} day{'s' if days != 1 else ''}.")
    except (WarmlineError, ValueError) as error:
        flash(getattr(error, "message", "Give a number of days."), "error")
    return redirect(url_for("moderation.queue_page"))


@moderation_bp.post("/moderation/silences/<int:silence_id>/lift")
@roles_required(*MODERATORS)
def lift_silence(silence_id: int) -> Response:
    try:
        moderation.lift_silence(current_user, silence_id)
        flash("Silence lifted.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("moderation.queue_page"))


@moderation_bp.post("/moderation/watched-words")
@roles_required(*MODERATORS)
def watch() -> Response:
    try:
        if request.form.get("remove"):
            moderation.remove_watched_word(current_user, int(request.form["remove"]))
        else:
            moderation.add_watched_word(current_user, request.form.get("word", ""), request.form.get("action", ""))
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("moderation.queue_page"))
