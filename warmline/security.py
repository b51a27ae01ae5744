"""Security baseline shared by every response: headers, cookies, and rate-limit keys that
never hold a client address."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def pseudonym(value: str) -> str:
    """A keyed hash: stable across processes sharing SECRET_KEY, not reversible to the input."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:24]


def client_key() -> str:
    """Rate-limit key for anonymous callers: a pseudonym of the address, never the address."""
    return "c:" + pseudonym(request.remote_addr or "unknown")


def user_key() -> str:
    """Rate-limit key for signed-in actions: the account, wherever it connects from."""
    if current_user.is_authenticated:
        return f"u:{current_user.id}"
    return client_key()


def add_security_headers(response: Response) -> Response:
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    # Static files may be cached; anything else may carry a signed-in user's data.
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request: Any) -> Any:
        # A socket event: Flask-SocketIO replaces the session with the socket's own copy
        # (taken at connect) right after this; decoding the cookie again for every chat
        # message was a tenth of the message path.
        kept = request.environ.get("saved_session")
        return kept if kept is not None else super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(add_security_headers)


class SafeJSONProvider(DefaultJSONProvider):
    """JSON whose text never holds markup: <, >, & and ' are written as \\u escapes, which
    every JSON parser reads back unchanged. A member's title cannot become markup even if a
    client or a proxy mistakes an API answer for HTML. Keys keep their order ("ok" first)."""

    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Request bodies: too deep a nesting or a lone surrogate is a ValueError, which Flask
        answers as a bad body (400), never a RecursionError or a database error later."""
        from warmline.validation import check_json_text

        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        check_json_text(data)
        return data

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
