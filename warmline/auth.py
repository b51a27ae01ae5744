"""Flask-Login glue: the cookie carries a session token (its alternative-token pattern), so a
logout, a disabled account or a role change revokes a replayed cookie."""

from __future__ import annotations

from flask import Flask, session
from flask_login import login_user, logout_user

from warmline.extensions import login_manager
from warmline.models import User
from warmline.services import accounts


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    found = accounts.session_user(token)
    return found[0] if found else None


def start(user: User, token: str) -> None:
    """Put a session token, fresh from the account service, into this browser's cookie."""
    user.session_token = token
    login_user(user)


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
