"""The community guidelines: a page for everyone, an edit form for coordinators."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from warmline.errors import WarmlineError
from warmline.i18n import LANGUAGES, current_language
from warmline.permissions import COORDINATORS, public, roles_required
from warmline.services import texts

bp = Blueprint("guidelines", __name__)


@bp.get("/guidelines")
@public
def page() -> str:
    return render_template("guidelines.html", body=texts.guidelines(current_language()))


@bp.route("/guidelines/edit", methods=["GET", "POST"])
@roles_required(*COORDINATORS)
def edit() -> str | Response | tuple[str, int]:
    language = request.values.get("language", "en")
    if language not in LANGUAGES:
        language = "en"
    if request.method == "POST":
        try:
            texts.save_guidelines(current_user, language, request.form.get("body", "")[: texts.TEXT_MAX + 1])
        except WarmlineError as error:
            body = request.form.get("body", "")
            return render_template("guidelines_edit.html", body=body, language=language, error=error), error.status
        flash("The guidelines are saved.")
        return redirect(url_for("guidelines.edit", language=language))
    return render_template("guidelines_edit.html", body=texts.guidelines(language), language=language)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _guidelines() -> dict[str, object]:
        return {"guidelines_summary": lambda: texts.summary(current_language())}
