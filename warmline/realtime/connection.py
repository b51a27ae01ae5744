"""Connecting to /chat: a signed-in user, a valid CSRF token, an allowed Origin (engineio
checks it against the page's own origin)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from warmline.errors import WarmlineError, not_signed_in
from warmline.extensions import socketio
from warmline.logs import audit
from warmline.permissions import COORDINATORS
from warmline.realtime import NAMESPACE, rooms
from warmline.services import chat, mfa, presence, supervision


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth: Any = None) -> None:
    if not current_user.is_authenticated:
        audit("socket_refused", reason="not_signed_in")
        raise ConnectionRefusedError(not_signed_in().to_dict())
    token = auth.get("csrf_token") if isinstance(auth, dict) else None
    try:
        validate_csrf(token)
    except ValidationError:
        audit("socket_refused", reason="csrf")
        raise ConnectionRefusedError(
            WarmlineError("csrf_failed", _("The security token is missing or expired. Reload the page.")).to_dict()
        ) from None
    if mfa.needs_enrolment(current_user):
        audit("socket_refused", reason="mfa_enrolment_required")
        raise ConnectionRefusedError(
            WarmlineError("mfa_enrolment_required", "Set up two-factor sign-in first.", 403).to_dict()
        )
    join_room(rooms.user(current_user.id))
    presence.socket_connected(request.sid, current_user.id, current_user.auth_session_id)
    chat.connection_changed(current_user.id)


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_reason: Any) -> None:
    user_id = presence.socket_disconnected(request.sid)
    if getattr(current_user, "is_authenticated", False) and current_user.has_role(*COORDINATORS):
        supervision.socket_closed(request.sid)  # a supervisor's page closed: that session ends
    if user_id is not None:
        chat.connection_changed(user_id)
