"""Structured logging. One JSON object per line, so a newline a user typed cannot forge a
line. Nothing here takes a client address, a message body or a member's handle."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from warmline import clock

audit_log = logging.getLogger("warmline.audit")
request_log = logging.getLogger("warmline.request")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": clock.now().isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    # Their request lines carry the client address; ours replace them.
    for noisy in ("werkzeug", "engineio.server", "socketio.server", "geventwebsocket.handler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def loaded_user() -> Any:
    """The user this request already loaded, if any. Never loads one: logging must not touch
    the database (which may be the very thing that is down)."""
    if not has_request_context():
        return None
    user = g.get("_login_user")
    return user if user is not None and user.is_authenticated else None


def actor() -> dict[str, Any]:
    """Who is acting, by id and role only."""
    user = loaded_user()
    return {"user_id": user.id, "roles": user.roles} if user else {"user_id": None}


def audit(event: str, **fields: Any) -> None:
    """Authentication and authorisation events: who (by id), what, when; never a body."""
    audit_log.info(event, extra={"event": event, **{"actor": actor()}, **fields})


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.pop("request_started", None)
    fields: dict[str, Any] = {
        "method": request.method,
        # The route's pattern, not the path: ids and query strings stay out of the log.
        "route": request.url_rule.rule if request.url_rule else "<unmatched>",
        "status": response.status_code,
    }
    if started is not None:
        fields["ms"] = round((time.perf_counter() - started) * 1000, 1)
    user = loaded_user()
    if user is not None and not user.is_member:
        fields["user_id"] = user.id
    request_log.info("request", extra=fields)
    return response


def init_app(app: Flask) -> None:
    configure(logging.DEBUG if app.debug else logging.INFO)
    app.before_request(_start_timer)
    app.after_request(_log_request)
