"""Engine settings per database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the socket handlers read while one writes; the timeout waits out a writer
    # instead of failing with "database is locked"; SQLite enforces foreign keys only if asked.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def engine_options(app: Flask) -> None:
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Size the pool to the handlers that run at once (PERF.md: a deep overflow queue
        # only moved the wait into the pool).
        options.setdefault("pool_size", app.config["DB_POOL_SIZE"])
        options.setdefault("max_overflow", app.config["DB_POOL_SIZE"])
        options.setdefault("pool_timeout", 5)
        # A connection the server dropped (a restart) is found before use, not by a user.
        # (SQLite is a file: nothing to ping.)
        options.setdefault("pool_pre_ping", True)
        # An unreachable database answers an error within seconds, never a hang.
        options.setdefault("connect_args", {"connect_timeout": 3})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
