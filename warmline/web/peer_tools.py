"""Peer-tools pages: the public resource directory, its upkeep for coordinators (add, edit,
retire, CSV in and out, the entries due a review), and the supervisors' monitor."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from warmline.errors import WarmlineError
from warmline.models.peer_tools import RESOURCE_CATEGORIES
from warmline.permissions import COORDINATORS, MEMBERS, PEERS, public, roles_required
from warmline.services import canned, checkins, resources, supervision

bp = Blueprint("peer_tools", __name__)
CSV_MAX_BYTES = 1_000_000


@bp.app_context_processor
def _checkin_notice() -> dict[str, object]:
    """`unseen_checkins_count()` for pages that tell a member a peer checked in (called only
    where a template asks, so other pages cost nothing)."""

    def unseen_checkins_count() -> int:
        if not (current_user.is_authenticated and current_user.is_member):
            return 0
        return len(checkins.unseen(current_user))

    return {"unseen_checkins_count": unseen_checkins_count}


@bp.get("/replies")
@roles_required(*PEERS, *COORDINATORS)
def replies() -> str:
    return render_template(
        "peer_tools/replies.html",
        replies=[canned.response_json(r) for r in canned.visible_to(current_user)],
        can_share=canned.can_keep_shared(current_user),
        form={},
        error=None,
    )


@bp.post("/replies")
@roles_required(*PEERS, *COORDINATORS)
def add_reply() -> str | Response:
    form = request.form
    try:
        if not form.get("title", "").strip() or not form.get("body", "").strip():
            raise WarmlineError("invalid", "A saved reply needs a title and its text.", 400)
        if len(form.get("title", "")) > 120 or len(form.get("body", "")) > 2000:
            raise WarmlineError("invalid", "Titles are at most 120 characters, replies at most 2,000.", 400)
        canned.create(
            current_user,
            form["title"].strip(),
            form["body"].strip(),
            form.get("shortcut") or None,
            form.get("scope") if form.get("scope") in ("shared", "mine") else "mine",
        )
    except WarmlineError as error:
        return render_template(
            "peer_tools/replies.html",
            replies=[canned.response_json(r) for r in canned.visible_to(current_user)],
            can_share=canned.can_keep_shared(current_user),
            form=form,
            error=error,
        ), error.status  # type: ignore[return-value]
    flash("Saved.")
    return redirect(url_for("peer_tools.replies"))


@bp.post("/replies/<int:response_id>/delete")
@roles_required(*PEERS, *COORDINATORS)
def delete_reply(response_id: int) -> Response:
    try:
        canned.delete(current_user, response_id)
        flash("Deleted.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("peer_tools.replies"))


@bp.get("/resources")
@public
def resources_page() -> str:
    query = request.args.get("q", "")[:200]
    category = request.args.get("category") or None
    if category not in RESOURCE_CATEGORIES:
        category = None
    return render_template(
        "peer_tools/resources.html",
        found=resources.search(query, category),
        q=query,
        category=category,
        categories=RESOURCE_CATEGORIES,
    )


@bp.get("/resources/manage")
@roles_required(*COORDINATORS)
def manage() -> str:
    return render_template(
        "peer_tools/manage.html",
        entries=resources.all_current(),
        stale=resources.needing_review(),
        categories=RESOURCE_CATEGORIES,
        form={},
        error=None,
    )


def _form_data() -> dict[str, str]:
    return {wire: request.form.get(wire, "") for wire in resources.WIRE_FIELDS}


@bp.post("/resources/manage")
@roles_required(*COORDINATORS)
def add() -> str | Response:
    try:
        row = resources.create(_form_data())
    except WarmlineError as error:
        return render_template(
            "peer_tools/manage.html",
            entries=resources.all_current(),
            stale=resources.needing_review(),
            categories=RESOURCE_CATEGORIES,
            form=request.form,
            error=error,
        ), 400  # type: ignore[return-value]
    flash(f"Added {row.name}.")
    return redirect(url_for("peer_tools.manage"))


@bp.get("/resources/manage/<int:resource_id>")
@roles_required(*COORDINATORS)
def edit_page(resource_id: int) -> str:
    row = resources.get(resource_id, include_retired=True)
    return render_template(
        "peer_tools/edit.html", entry=resources.resource_json(row), categories=RESOURCE_CATEGORIES, error=None
    )


@bp.post("/resources/manage/<int:resource_id>")
@roles_required(*COORDINATORS)
def edit(resource_id: int) -> str | Response:
    action = request.form.get("action", "save")
    try:
        if action == "reviewed":
            row = resources.mark_reviewed(resource_id)
            flash(f"{row.name}: marked as reviewed.")
        elif action == "retire":
            resources.retire(resource_id)
            flash("Removed from the directory.")
        else:
            row = resources.update(resource_id, _form_data())
            flash(f"Saved {row.name}.")
    except WarmlineError as error:
        if error.code == "not_found":
            raise
        entry = {**resources.resource_json(resources.get(resource_id, include_retired=True)), **request.form}
        return render_template("peer_tools/edit.html", entry=entry, categories=RESOURCE_CATEGORIES, error=error), 400  # type: ignore[return-value]
    return redirect(url_for("peer_tools.manage"))


@bp.post("/resources/import")
@roles_required(*COORDINATORS)
def import_csv() -> Response:
    upload = request.files.get("file")
    raw = upload.read(CSV_MAX_BYTES + 1) if upload else b""
    try:
        if not raw:
            raise WarmlineError("invalid", "Choose a CSV file to import.", 400)
        if len(raw) > CSV_MAX_BYTES:
            raise WarmlineError("too_large", "The file is over 1 MB.", 413)
        counts = resources.import_csv(raw.decode("utf-8-sig"))
        flash(f"Imported: {counts['added']} added, {counts['updated']} updated.")
    except UnicodeDecodeError:
        flash("The file is not UTF-8 text.", "error")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("peer_tools.manage"))


@bp.get("/resources/export.csv")
@roles_required(*COORDINATORS)
def export_csv() -> Response:
    response = Response(resources.export_csv(resources.all_current()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="warmline-resources.csv"'
    return response


@bp.get("/monitor")
@roles_required(*COORDINATORS)
def monitor() -> str:
    return render_template(
        "peer_tools/monitor.html",
        conversations=supervision.active_conversations(),
        missed_checkins=[checkins.staff_json(c) for c in checkins.missed()],
        me=current_user,
    )


@bp.post("/chat/checkins/<int:checkin_id>/cancel")
@roles_required(*MEMBERS)
def cancel_checkin(checkin_id: int) -> Response:
    try:
        checkins.cancel(current_user, checkin_id)
        flash(_("The check-in is cancelled."))
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("chat.member_page"))
