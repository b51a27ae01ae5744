"""Jinja filters: times are shown in the organisation's time zone, in the reader's language."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from warmline.extensions import db
from warmline.i18n import local_time
from warmline.services import hours


def local(moment: datetime | str | None, fmt: str = "%a %d %b %H:%M") -> str:
    """A time (or an ISO string from the API layer) in the organisation's time zone."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return local_time(moment, fmt)


def org_timezone() -> str:
    """The zone's name for the page's scripts (static/js/times.js); the configured default
    when the database is down (the error page still renders)."""
    try:
        return hours.zone().key
    except SQLAlchemyError:
        db.session.rollback()
        return current_app.config["WARMLINE_TIMEZONE"]


def init_app(app: Flask) -> None:
    app.add_template_filter(local, "local")
    app.add_template_filter(hours.format_clock, "clock")
    app.add_template_global(org_timezone, "org_timezone")
