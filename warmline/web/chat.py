"""Chat pages: the member's "Talk to a peer" and the peer console. The conversation itself
runs over Socket.IO from static/js/chat.js and console.js."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from warmline import clock
from warmline.errors import WarmlineError, not_found
from warmline.i18n import current_language
from warmline.models.surveys import HELPED, WOULD_OTHERWISE
from warmline.permissions import MEMBERS, PEERS, public, roles_required
from warmline.services import chat, checkins, coding, coverage, forum, queue_status, roster, surveys

bp = Blueprint("chat", __name__)


@bp.get("/chat")
@public
def member_page() -> str:
    """Open to all: a visitor is invited to join first; staff are sent to the console."""
    status = coverage.public_status(queue_status.waiting_count())
    is_member = current_user.is_authenticated and current_user.is_member
    unseen_checkins = checkins.unseen(current_user) if is_member else []
    if unseen_checkins:
        checkins.mark_seen(current_user)  # the notice shows once
    past = chat.member_conversations(current_user) if is_member else []
    return render_template(
        "chat/member.html",
        unseen_checkins=unseen_checkins,
        planned_checkins=[c for c in checkins.of_member(current_user) if c.status == "scheduled"] if is_member else [],
        status=status,
        wait_options_after=current_app.config["CHAT_WAIT_OPTIONS_AFTER"],
        retention_days=current_app.config["CHAT_RETENTION_DAYS"],
        past=past,
        surveyed=surveys.answered_ids([c.id for c in past]),
    )


@bp.get("/console")
@roles_required(*PEERS)
def console() -> str:
    now = clock.now()
    colleagues = [p for p in roster.staff_for("peer") if p.id != current_user.id]
    return render_template(
        "chat/console.html",
        on_shift=roster.is_on_shift(current_user.id, now),
        next_shift=roster.shifts_between(now, now.replace(year=now.year + 1), user_id=current_user.id)[:1],
        colleagues=colleagues,
        topic_codes=coding.codes(coding.TOPIC),
        referral_codes=coding.codes(coding.REFERRAL),
    )


@bp.get("/chat/transcripts/<int:conversation_id>")
@roles_required(*MEMBERS)
def transcript_page(conversation_id: int) -> str:
    """The member reads a past conversation on the page (not only as a download)."""
    try:
        conversation, messages = chat.transcript(current_user, conversation_id)
    except WarmlineError as error:
        # Someone else's conversation is simply not there, as far as this page says.
        raise not_found(_("That conversation")) from error
    return render_template("chat/transcript.html", conversation=conversation, messages=messages)


@bp.post("/chat/transcripts/<int:conversation_id>/delete")
@roles_required(*MEMBERS)
def delete_transcript(conversation_id: int) -> Response:
    try:
        chat.delete_transcript(current_user, conversation_id)
        flash(_("That transcript is deleted."))
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("chat.member_page"))


@bp.post("/chat/outreach")
@roles_required(*MEMBERS)
def outreach() -> Response:
    """One click from a held forum post into the chat queue, at that post's risk."""
    try:
        requested = chat.request_chat(
            current_user,
            "From the forums",
            known_risk=forum.outreach_risk(current_user),
            language=current_language(),
        )
        flash(_("You're in line for a peer.") if requested.position else _("You're talking with a peer."))
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("chat.member_page"))


@bp.route("/chat/conversations/<int:conversation_id>/survey", methods=["GET", "POST"])
@roles_required(*MEMBERS)
def survey_page(conversation_id: int) -> str | Response:
    """The survey for a past conversation (and the live chat's form without JS)."""
    try:
        conversation = surveys.own_conversation(current_user, conversation_id)
    except WarmlineError:
        abort(404)  # someone else's or none: the same answer
    if request.method == "GET":
        if not surveys.can_answer(conversation) or surveys.answered_ids([conversation.id]):
            flash(_("There is no survey to answer for that conversation."))
            return redirect(url_for("chat.member_page"))
        return render_template("chat/survey.html", conversation=conversation, survey_conversation_id=conversation.id)
    form = request.form
    helped, heard, otherwise = form.get("helped"), form.get("felt_heard"), form.get("would_otherwise") or None
    if helped not in HELPED or heard not in ("true", "false") or (otherwise and otherwise not in WOULD_OTHERWISE):
        abort(400)
    try:
        surveys.submit(
            current_user,
            conversation.id,
            helped=helped,
            felt_heard=heard == "true",
            would_otherwise=otherwise,
            comment=(form.get("comment") or "").strip()[: surveys.COMMENT_MAX],
        )
        flash(_("Thank you. Your answers help us run the line well."))
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("chat.member_page"))
