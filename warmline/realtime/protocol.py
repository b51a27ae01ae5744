"""The /chat event protocol: every client event takes an ack and answers `{"ok": true, ...}`
or the contract's error shape. `on_event` declares the roles and the payload next to the
handler; the registry lets the permission matrix test cover every event."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from warmline.errors import WarmlineError
from warmline.extensions import db, socketio
from warmline.permissions import roles_required
from warmline.realtime import NAMESPACE, ratelimit
from warmline.validation import parse

log = logging.getLogger(__name__)

# event name -> roles (the permission matrix reads this)
REGISTRY: dict[str, tuple[str, ...]] = {}
# event name -> the payload's field names (the socket fuzz test reads this)
FIELDS: dict[str, tuple[str, ...]] = {}

Handler = Callable[[dict[str, Any]], Mapping[str, Any] | None]


def server_error() -> dict[str, Any]:
    return WarmlineError("server_error", _("Something went wrong on our side. Please try again."), 500).to_dict()


def unavailable() -> dict[str, Any]:
    return WarmlineError("unavailable", _("The service is briefly unavailable. Please try again."), 503).to_dict()


def _size(payload: Any) -> float:
    try:
        return len(json.dumps(payload))
    except (RecursionError, TypeError, ValueError):  # nested past reason, or not JSON at all
        return float("inf")


def too_large() -> WarmlineError:
    return WarmlineError("payload_too_large", "That is too large to send.", 413)


def on_event(
    name: str, *roles: str, fields: Mapping[str, Any], rate: str = "CHAT_EVENT_RATE"
) -> Callable[[Handler], Handler]:
    """Registers `handler` for `name`: roles checked, payload parsed (unknown fields refused),
    rate limited per user (`rate` names a config key), errors answered in the contract's shape."""

    def decorate(handler: Handler) -> Handler:
        def limited(payload: Any) -> Mapping[str, Any] | None:
            ratelimit.check(current_app.config[rate], name, current_user.id)
            if _size(payload) > current_app.config["SOCKET_MESSAGE_MAX"]:
                raise too_large()
            return handler(parse(payload, fields))

        guarded = roles_required(*roles)(wraps(handler)(limited))

        @wraps(handler)
        def receive(payload: Any = None) -> dict[str, Any]:
            try:
                result = guarded(payload)
                return {"ok": True, **(result or {})}
            except WarmlineError as error:
                db.session.rollback()
                return error.to_dict()
            except (OperationalError, PoolTimeout):
                db.session.rollback()
                log.error("database unavailable", extra={"event": name})
                return unavailable()
            except Exception:
                db.session.rollback()
                log.exception("socket event failed", extra={"event": name})
                return server_error()

        REGISTRY[name] = roles
        FIELDS[name] = tuple(fields)
        socketio.on_event(name, receive, namespace=NAMESPACE)
        return handler

    return decorate
