"""Languages: members read Warmline in English or Spanish (Flask-Babel, catalogues under
warmline/translations/, compiled by `make`). Every member-facing string goes through `_()`.

The language is, first to last: the signed-in member's choice (kept on their account), the
choice made in this browser (a cookie, for someone not signed in), the browser's
Accept-Language, English."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from warmline.permissions import public

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
COOKIE = "warmline_language"
COOKIE_DAYS = 365

bp = Blueprint("language", __name__)


def supported(language: str | None) -> str | None:
    return language if language in LANGUAGES else None


def choose_locale(account_language: str | None, cookie_language: str | None, accept: Any) -> str:
    """The rule, on plain values (unit-tested): account, cookie, Accept-Language, English."""
    return (
        supported(account_language)
        or supported(cookie_language)
        or (accept.best_match(LANGUAGES) if accept is not None else None)
        or DEFAULT_LANGUAGE
    )


def _account_language() -> str | None:
    user = current_user._get_current_object() if current_user else None  # noqa: SLF001
    if user is None or not user.is_authenticated or not user.is_member:
        return None
    return user.language


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return choose_locale(_account_language(), request.cookies.get(COOKIE), request.accept_languages)


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


@bp.post("/language")
@public
def choose() -> Response:
    """The member's pick, remembered in this browser and, when signed in, on their account."""
    from warmline.services import languages

    language = supported(request.form.get("language")) or DEFAULT_LANGUAGE
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("home.index")
    if current_user.is_authenticated and current_user.is_member:
        languages.set_member_language(current_user, language)
    response = redirect(target)
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def init_app(app: Flask) -> None:
    # `{% trans %}` blocks are matched with their whitespace folded, as babel.cfg extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals["current_language"] = current_language
    app.register_blueprint(bp)
