"""The organisation's clock: its time zone, its hours of operation, and turning local wall
times into UTC instants correctly across daylight-saving changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from warmline.errors import invalid
from warmline.extensions import db
from warmline.models import HoursException, OperatingHours, OrgSettings

MINUTES_PER_DAY = 1440
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Interval:
    starts_at: datetime
    ends_at: datetime

    def to_json(self) -> dict[str, str]:
        return {"starts_at": iso(self.starts_at), "ends_at": iso(self.ends_at)}


def iso(moment: datetime) -> str:
    """UTC on the wire, with its offset."""
    return moment.astimezone(UTC).isoformat()


def settings() -> OrgSettings:
    row = db.session.get(OrgSettings, 1)
    if row is None:
        row = OrgSettings(id=1, min_peers=1)
        db.session.add(row)
        db.session.flush()
    return row


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid("timezone", f"Unknown time zone {name!r}; use a name like America/New_York.") from None


def zone() -> ZoneInfo:
    """The organisation's time zone, read once per request (pages format many times)."""
    cached = g.get("warmline_zone") if has_app_context() else None
    if cached is not None:
        return cached
    row = db.session.get(OrgSettings, 1)
    tz = ZoneInfo((row.timezone if row and row.timezone else None) or current_app.config["WARMLINE_TIMEZONE"])
    if has_app_context():
        g.warmline_zone = tz
    return tz


def local_instant(day: date, minute: int, tz: ZoneInfo | None = None, field: str = "time") -> datetime:
    """The UTC instant of `minute` past local midnight on `day` (1440 is the next midnight).

    A wall time that does not exist (clocks spring forward) is refused; one that happens
    twice (clocks fall back) is the first of the two."""
    tz = tz or zone()
    day = day + timedelta(days=minute // MINUTES_PER_DAY)
    minute %= MINUTES_PER_DAY
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    instant = wall.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise invalid(field, f"{wall:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks change).")
    return instant


def parse_clock(value: str, field: str) -> int:
    """'18:30' -> minutes past midnight; '24:00' is the end of the day."""
    try:
        hours, minutes = value.strip().split(":")
        total = int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError):
        raise invalid(field, f"{field} must be a time like 18:30.") from None
    if not 0 <= int(minutes) < 60 or not 0 <= total <= MINUTES_PER_DAY:
        raise invalid(field, f"{field} must be a time from 00:00 to 24:00.")
    return total


def in_words(moment: datetime) -> str:
    """A time as people read it, in the organisation's zone: "Tue 8 Dec at 18:09 EST". For
    messages and notices; the wire keeps `iso`."""
    local = moment.astimezone(zone())
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M} {local:%Z}".strip()


def format_clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def day_windows(
    day: date, weekly: dict[int, list[tuple[int, int]]], exceptions: dict[date, list[HoursException]]
) -> list[tuple[int, int]]:
    if day in exceptions:
        return [(e.opens, e.closes) for e in exceptions[day] if e.opens is not None and e.closes is not None]
    return weekly.get(day.weekday(), [])


def operating_intervals(start: datetime, end: datetime) -> list[Interval]:
    """Hours of operation within [start, end), as merged UTC intervals."""
    tz = zone()
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    weekly: dict[int, list[tuple[int, int]]] = {}
    for row in db.session.scalars(sa.select(OperatingHours).order_by(OperatingHours.opens)):
        weekly.setdefault(row.weekday, []).append((row.opens, row.closes))
    exceptions: dict[date, list[HoursException]] = {}
    for row in db.session.scalars(sa.select(HoursException).where(HoursException.day.between(first, last))):
        exceptions.setdefault(row.day, []).append(row)
    pieces = []
    day = first
    while day <= last:
        for opens, closes in day_windows(day, weekly, exceptions):
            a, b = max(local_instant(day, opens, tz), start), min(local_instant(day, closes, tz), end)
            if a < b:
                pieces.append(Interval(a, b))
        day += timedelta(days=1)
    return merge(pieces)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for piece in sorted(intervals, key=lambda i: i.starts_at):
        if merged and piece.starts_at <= merged[-1].ends_at:
            if piece.ends_at > merged[-1].ends_at:
                merged[-1] = Interval(merged[-1].starts_at, piece.ends_at)
        else:
            merged.append(piece)
    return merged


def is_open_hours(moment: datetime) -> bool:
    return bool(operating_intervals(moment, moment + timedelta(seconds=1)))


# Editing (coordinators) -----------------------------------------------------------------


def set_weekly_hours(windows: dict[int, list[tuple[int, int]]]) -> None:
    """Replace the weekly hours. `windows[weekday]` is a list of (opens, closes) minutes."""
    for weekday, spans in windows.items():
        if weekday not in range(7):
            raise invalid("weekday", "Weekdays are 0 (Monday) to 6 (Sunday).")
        for opens, closes in spans:
            if not 0 <= opens < closes <= MINUTES_PER_DAY:
                raise invalid("hours", f"{WEEKDAYS[weekday]}: opening must be before closing.")
        for (_, previous_close), (next_open, _) in zip(sorted(spans), sorted(spans)[1:], strict=False):
            if next_open < previous_close:
                raise invalid("hours", f"{WEEKDAYS[weekday]}: the opening times overlap.")
    db.session.execute(sa.delete(OperatingHours))
    for weekday, spans in windows.items():
        for opens, closes in spans:
            db.session.add(OperatingHours(weekday=weekday, opens=opens, closes=closes))
    db.session.commit()


def weekly_hours() -> dict[int, list[tuple[int, int]]]:
    hours: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for row in db.session.scalars(sa.select(OperatingHours).order_by(OperatingHours.weekday, OperatingHours.opens)):
        hours[row.weekday].append((row.opens, row.closes))
    return hours


def add_exception(day: date, opens: int | None, closes: int | None, note: str) -> HoursException:
    if (opens is None) != (closes is None):
        raise invalid("closes", "Give both opening and closing times, or neither (closed all day).")
    if opens is not None and closes is not None and not 0 <= opens < closes <= MINUTES_PER_DAY:
        raise invalid("closes", "Opening must be before closing.")
    row = HoursException(day=day, opens=opens, closes=closes, note=note)
    db.session.add(row)
    db.session.commit()
    return row


def remove_exception(exception_id: int) -> None:
    db.session.execute(sa.delete(HoursException).where(HoursException.id == exception_id))
    db.session.commit()


def exceptions_from(day: date) -> list[HoursException]:
    return list(
        db.session.scalars(sa.select(HoursException).where(HoursException.day >= day).order_by(HoursException.day))
    )


def update_settings(*, min_peers: int | None = None, timezone: str | None = None) -> OrgSettings:
    row = settings()
    if min_peers is not None:
        if not 1 <= min_peers <= 50:
            raise invalid("min_peers", "Minimum peers on shift is 1 to 50.")
        row.min_peers = min_peers
    if timezone is not None:
        row.timezone = check_timezone(timezone).key
        g.pop("warmline_zone", None)
    db.session.commit()
    return row
