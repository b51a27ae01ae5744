"""Flask-Login glue: the cookie carries a session token (its alternative-token pattern), so a
logout, a disabled account or a role change revokes a replayed cookie.

A socket's events reuse the sign-in and the user looked up when it connected (kept in the
socket's environ) instead of loading them for every event, which cost more than storing a
message.
Revoking a session closes its sockets on every process at once; the lookup is repeated every
SOCKET_SESSION_RECHECK seconds (one indexed query) and at expiry all the same, in case a close
was lost."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g, request, session
from flask_login import login_user, logout_user

from warmline import clock
from warmline.extensions import db, login_manager
from warmline.models import User
from warmline.services import accounts

_SOCKET_SIGN_IN = "warmline.socket_sign_in"
_monotonic = time.monotonic  # tests move it


@dataclass(frozen=True)
class _SocketSignIn:
    token: str
    # Detached, every attribute loaded, shared by the socket's events as is: they only read
    # it (a merge per event cost a tenth of the message path). The guard below refuses
    # attaching it to a session; code that must change the user loads its own copy.
    user: User
    auth_session_id: int
    expires_at: datetime
    recheck_at: float

    def usable(self, token: str) -> bool:
        return token == self.token and clock.now() < self.expires_at


@sa.event.listens_for(so.Session, "before_attach")
def _refuse_kept_user(_session: so.Session, instance: object) -> None:
    if getattr(instance, "_kept_for_socket", False):
        raise RuntimeError("a socket's signed-in user is shared by its events: load a copy (db.session.get)")


def _next_recheck() -> float:
    return _monotonic() + current_app.config["SOCKET_SESSION_RECHECK"]


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    on_socket = getattr(request, "sid", None) is not None
    kept = request.environ.get(_SOCKET_SIGN_IN) if on_socket else None
    if kept is not None and kept.usable(token):
        if _monotonic() < kept.recheck_at:
            return kept.user
        if not accounts.session_still_valid(kept.auth_session_id):
            request.environ.pop(_SOCKET_SIGN_IN, None)
            return None
        request.environ[_SOCKET_SIGN_IN] = replace(kept, recheck_at=_next_recheck())
        return kept.user
    found = accounts.session_user(token)
    if found is not None and found.locked:
        # Locked by a quick exit: this browser is nobody until the member unlocks it
        # (warmline/web/lock.py shows the unlock screen; the API answers 423).
        g.locked_sign_in = found
        found = None
    if found is None:
        request.environ.pop(_SOCKET_SIGN_IN, None)
        return None
    user = found.user
    if not on_socket:
        return user
    user.roles  # noqa: B018  (loads the role rows with the user, so the kept copy is complete)
    db.session.expunge(user)
    user._kept_for_socket = True  # noqa: SLF001
    kept = _SocketSignIn(
        token,
        user,
        found.session_id,
        found.expires_at,
        _next_recheck(),
    )
    request.environ[_SOCKET_SIGN_IN] = kept
    return kept.user


def start(user: User, token: str) -> None:
    """Put a session token, fresh from the account service, into this browser's cookie."""
    user.session_token = token
    login_user(user)
    # A new CSRF token at sign-in: one seen before it (a shared computer, a planted cookie)
    # is worth nothing after. The JSON answers carry the new one.
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def stop(user: User) -> None:
    if user.session_token:
        accounts.sign_out(user, user.session_token)
    logout_user()
    session.pop("csrf_token", None)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # Flask-Login's session protection stores a hash of the client address in the cookie;
    # we revoke sessions server-side instead, and keep the address out of the cookie.
    login_manager.session_protection = None
    login_manager._session_identifier_generator = lambda: ""  # noqa: SLF001
    login_manager.login_view = None
