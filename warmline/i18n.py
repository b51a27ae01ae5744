"""Languages: members read Warmline in English or Spanish (Flask-Babel, catalogues under
warmline/translations/, compiled by `make`). Every member-facing string goes through `_()`.

The language is, first to last: the signed-in member's choice (kept on their account), the
choice made in this browser (a cookie, for someone not signed in), the browser's
Accept-Language, English."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
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
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

bp = Blueprint("language", __name__)


def supported(language: str | None) -> str | None:
    return language if language in LANGUAGES else None


def choose_locale(account_language: str | None, cookie_language: str | None, accept: Any) -> str:
    """The rule, on plain values (unit-tested): account, cookie, Accept-Language, English."""
    return supported(account_language) or supported(cookie_language) or _browser_language(accept) or DEFAULT_LANGUAGE


def _browser_language(accept: Any) -> str | None:
    """The browser's most preferred language we have, by its primary tag: "es-MX, en;q=0.5"
    is Spanish (werkzeug's best_match would pick the exact "en" first)."""
    for value, quality in accept or ():
        primary = value.split("-")[0].split("_")[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return None


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


# strftime's directives as CLDR patterns, for day and month names in the reader's language.
_CLDR = {
    "%A": "EEEE",
    "%a": "EEE",
    "%d": "d",
    "%e": "d",
    "%B": "MMMM",
    "%b": "MMM",
    "%m": "MM",
    "%Y": "y",
    "%H": "HH",
    "%M": "mm",
    "%I": "h",
    "%p": "a",
    "%Z": "zzz",
}


def _cldr_pattern(fmt: str) -> str:
    out, literal, i = [], "", 0
    while i < len(fmt):
        token = fmt[i : i + 2]
        if token in _CLDR:
            if literal:
                out.append("'" + literal.replace("'", "''") + "'" if any(c.isalpha() for c in literal) else literal)
                literal = ""
            out.append(_CLDR[token])
            i += 2
        else:
            literal += fmt[i]
            i += 1
    if literal:
        out.append("'" + literal.replace("'", "''") + "'" if any(c.isalpha() for c in literal) else literal)
    return "".join(out)


def local_time(moment: datetime, fmt: str = "%a %d %b %H:%M") -> str:
    """`moment` in the organisation's zone: strftime in English, CLDR names otherwise
    ("jueves 3 diciembre, 14:00")."""
    from warmline.services import hours

    here = moment.astimezone(hours.zone())
    language = current_language() if has_request_context() else DEFAULT_LANGUAGE
    if language == DEFAULT_LANGUAGE:
        return here.strftime(fmt)
    from babel.dates import format_datetime

    return format_datetime(here, _cldr_pattern(fmt), tzinfo=hours.zone(), locale=language)


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


def compile_catalogues(directory: Path) -> None:
    """Build a stale or missing .mo from its .po (`make` does it too; this covers a server or
    test run started without it). A read-only install keeps what it has."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in directory.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as source:
                catalogue = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalogue, use_fuzzy=True)
        except OSError:
            continue


def init_app(app: Flask) -> None:
    compile_catalogues(TRANSLATIONS)
    # `{% trans %}` blocks are matched with their whitespace folded, as babel.cfg extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals["current_language"] = current_language
    app.register_blueprint(bp)
