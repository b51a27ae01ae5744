"""Structured logging. One JSON object per line, so a newline a user typed cannot forge a
line. Nothing here takes a client address, a message body or a member's handle."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from warmline import clock

audit_log = logging.getLogger("warmline.audit")
request_log = logging.getLogger("warmline.request")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


# A client address as libraries print it: ('1.2.3.4', 5678), 1.2.3.4, [::1]:80, 2001:db8::1.
_ADDRESS = re.compile(
    r"\(\s*'[^']*'\s*,\s*\d+[^)]*\)"  # a socket address tuple, IPv4 or IPv6
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"  # dotted IPv4, maybe with a port
    r"|\[?(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:.])\]?(?::\d+)?"  # IPv6
)
ADDRESS_MASK = "<address>"


def scrub_addresses(text: str) -> str:
    """Any IP address (and socket address tuple) in a library's message becomes <address>."""
    return _ADDRESS.sub(ADDRESS_MASK, text)


class ScrubAddresses(logging.Filter):
    """On the one handler every log line goes through: no library's message keeps a client
    address (werkzeug, engineio, geventwebsocket, gunicorn, gevent's server)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("warmline."):
            return True  # ours never take an address; their ids and hashes stay as they are
        record.msg, record.args = scrub_addresses(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_addresses(record.exc_text)
            record.exc_info = None
        return True


class ServerErrorLog:
    """A file-like `error_log` for gevent's WSGI server (and its hub's error stream): each
    line it writes (e.g. "(from ('1.2.3.4', 5678)) Invalid HTTP method") becomes a JSON log
    line without the address."""

    def __init__(self, name: str = "gevent.server") -> None:
        self.log = logging.getLogger(name)

    def write(self, data: str) -> None:
        for line in str(data).splitlines():
            if line.strip():
                self.log.warning(scrub_addresses(line))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass


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
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, default=str)


def configure(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(ScrubAddresses())
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
