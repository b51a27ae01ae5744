"""Every error in one place: the contract's JSON shape under /api/, a friendly page elsewhere,
never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from warmline.errors import WarmlineError
from warmline.extensions import db
from warmline.logs import audit

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("not_signed_in", _l("Please sign in first.")),
    403: ("forbidden", _l("You are not allowed to do that.")),
    404: ("not_found", _l("That page or item was not found.")),
    405: ("method_not_allowed", _l("That method is not allowed here.")),
    409: ("conflict", _l("That conflicts with the current state.")),
    413: ("payload_too_large", _l("That is too large to send.")),
    429: ("rate_limited", _l("Too many requests; please wait a moment and try again.")),
    500: ("server_error", _l("Something went wrong on our side. Please try again.")),
    503: ("unavailable", _l("The service is briefly unavailable. Please try again shortly.")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def respond(error: WarmlineError) -> Response | tuple[Response | str, int]:
    if wants_json():
        return jsonify(error.to_dict()), error.status
    if error.status == 401:
        return redirect(url_for("auth.login", next=request.path)), 302  # type: ignore[return-value]
    return render_template("errors/error.html", error=error), error.status


def _domain_error(error: WarmlineError) -> Response | tuple[Response | str, int]:
    db.session.rollback()
    return respond(error)


def _http_error(error: HTTPException) -> Response | tuple[Response | str, int]:
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("error", error.description or "Request failed."))
    return respond(WarmlineError(code, message, status))


def _csrf_error(error: CSRFError) -> Response | tuple[Response | str, int]:
    audit("csrf_failed", route=request.url_rule.rule if request.url_rule else None)
    message = _l("The security token is missing or expired. Reload the page and try again.")
    return respond(WarmlineError("csrf_failed", message, 400))


def _malformed(error: Exception) -> Response | tuple[Response | str, int]:
    """A value no validator caught (a form field that is not a number, a number or a date
    beyond what Python or the database holds): the sender's mistake, answered 400, never a
    500. Logged by type and route only, so a missed validator can still be found."""
    db.session.rollback()
    log.warning(
        "malformed input",
        extra={"error": type(error).__name__, "route": request.url_rule.rule if request.url_rule else None},
    )
    return respond(WarmlineError("bad_request", "Some of what was sent is not a valid value.", 400))


def _unexpected(error: Exception) -> Response | tuple[Response | str, int]:
    db.session.rollback()
    if _is_database_down(error):
        log.error("database unavailable", extra={"error": type(error).__name__})
        # Render as nobody: showing who is signed in would need the database that is down.
        g._login_user = AnonymousUserMixin()
        return respond(WarmlineError(*HTTP_CODES[503], 503))
    log.exception("unhandled error", extra={"route": request.url_rule.rule if request.url_rule else None})
    return respond(WarmlineError(*HTTP_CODES[500], 500))


def _is_database_down(error: Exception) -> bool:
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return isinstance(error, OperationalError | PoolTimeout)


def init_app(app: Flask) -> None:
    app.register_error_handler(WarmlineError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    from sqlalchemy.exc import DataError

    # ValueError covers int("x"), int("²"), date.fromisoformat("2026-13-45"), lone surrogates
    # (UnicodeEncodeError); OverflowError dates past year 9999; DataError numbers past a column.
    for malformed in (ValueError, OverflowError, DataError):
        app.register_error_handler(malformed, _malformed)
    app.register_error_handler(Exception, _unexpected)
