"""iCalendar feeds: each staff member's own shifts behind a secret URL token, so a phone
calendar can subscribe without signing in."""

from __future__ import annotations

import secrets
from datetime import UTC, timedelta

import sqlalchemy as sa

from warmline import clock
from warmline.extensions import db
from warmline.models import CalendarFeed, Shift, User
from warmline.services import roster

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=180)
ROLE_TITLES = {
    "peer": "Warmline peer shift",
    "moderator": "Warmline moderation shift",
    "on_call_coordinator": "Warmline on-call",
}


def token_for(user: User) -> str:
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(24))
        db.session.add(feed)
        db.session.commit()
    return feed.token


def reset_token(user: User) -> str:
    """A new URL; the old one stops working (e.g. after sharing it by mistake)."""
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.flush()
    return token_for(user)


def user_for_token(token: str) -> User | None:
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token == token))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    return user if user and user.is_active else None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _stamp(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return [line]
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return [parts[0]] + [" " + p for p in parts[1:]]


def feed(user: User, host: str) -> str:
    now = clock.now()
    shifts: list[Shift] = roster.shifts_between(
        now - FEED_PAST, now + FEED_FUTURE, user_id=user.id, include_cancelled=True
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Warmline//Shifts//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Warmline shifts",
    ]
    for shift in shifts:
        lines += [
            "BEGIN:VEVENT",
            f"UID:shift-{shift.id}@{host}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(shift.starts_at)}",
            f"DTEND:{_stamp(shift.ends_at)}",
            f"SUMMARY:{_escape(ROLE_TITLES.get(shift.role, 'Warmline shift'))}",
            f"STATUS:{'CANCELLED' if shift.cancelled_at else 'CONFIRMED'}",
        ]
        if shift.note:
            lines.append(f"DESCRIPTION:{_escape(shift.note)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
