"""What every report shares: the range in the organisation's zone, and the SQL pieces that
turn stored UTC times into local days and hours on both SQLite and PostgreSQL.

SQLite has no named time zones, so the zone's offsets are worked out here (Python knows
every daylight-saving change) and joined in as a tiny table of offset segments: each
stored time falls in exactly one segment, and its local clock is the UTC epoch plus that
segment's offset. Days, weeks, hours and weekdays are then integer arithmetic in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from warmline import clock
from warmline.errors import invalid
from warmline.models.types import UTCDateTime
from warmline.services import hours

MAX_DAYS = 400
EPOCH_DAY = date(1970, 1, 1)  # a Thursday: weekday (Monday 0) of day n is (n + 3) % 7


# Dialect-neutral time arithmetic -----------------------------------------------------------


class epoch(FunctionElement[int]):
    """Whole seconds since 1970 of a stored (naive UTC) time."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch)
def _epoch_postgresql(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class seconds_between(FunctionElement[float]):
    """Seconds from the first time to the second, to the millisecond (NULL if either is)."""

    type = sa.Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    # Rounded to the millisecond: julianday's float would make exactly 30 s 29.99999997.
    return f"ROUND((julianday({b}) - julianday({a})) * 86400.0, 3)"


@compiles(seconds_between)
def _between_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({b} - {a})) AS DOUBLE PRECISION)"


def earliest(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The earlier of two times, either of which may be NULL."""
    return sa.case((b.is_(None), a), (a.is_(None), b), (b < a, b), else_=a)


def latest(*values: ColumnElement[Any]) -> ColumnElement[Any]:
    """The latest of non-NULL times (GREATEST is not portable: SQLite calls it MAX)."""
    result = values[0]
    for value in values[1:]:
        result = sa.case((value > result, value), else_=result)
    return result


def soonest(*values: ColumnElement[Any]) -> ColumnElement[Any]:
    """The earliest of non-NULL times."""
    result = values[0]
    for value in values[1:]:
        result = sa.case((value < result, value), else_=result)
    return result


def moment(value: datetime) -> ColumnElement[datetime]:
    return sa.literal(value, UTCDateTime())


def overlap_seconds(*spans: tuple[ColumnElement[Any], ColumnElement[Any]]) -> ColumnElement[float]:
    """Seconds two or more [start, end) spans share; 0 when they do not meet."""
    start = latest(*[s for s, _ in spans])
    end = soonest(*[e for _, e in spans])
    return sa.case((end > start, seconds_between(start, end)), else_=0)


def nearest_rank(values: sa.Subquery, numerator: int, denominator: int) -> Any:
    """The value at `numerator/denominator` of the way up `values.c.value` (nearest rank:
    the smallest value with at least that share at or below it), by a window function."""
    ranked = (
        sa.select(
            values.c.value.label("value"),
            sa.func.row_number().over(order_by=values.c.value).label("rank"),
            sa.func.count().over().label("n"),
        )
        .where(values.c.value.is_not(None))
        .subquery("ranked")
    )
    return sa.select(sa.func.min(ranked.c.value)).where(ranked.c.rank * denominator >= ranked.c.n * numerator)


def number(value: Any, digits: int = 1) -> float | None:
    """A SQL aggregate as a plain float (PostgreSQL answers Decimal), or None."""
    return None if value is None else round(float(value), digits)


def share(part: int | None, whole: int | None) -> float | None:
    """A rate from 0 to 1; None when there is nothing to divide by (contract: rates are null)."""
    return round((part or 0) / whole, 4) if whole else None


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


# The range ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """[start, end) in UTC, read in the organisation's zone `tz`."""

    start: datetime
    end: datetime
    tz: ZoneInfo

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.tz).date()

    @property
    def last_day(self) -> date:
        """The last local day with any part in the range."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()

    def to_json(self) -> dict[str, str]:
        return {"from": hours.iso(self.start), "to": hours.iso(self.end)}

    # Offsets and buckets ---------------------------------------------------------------

    def offset_segments(self) -> list[tuple[datetime, datetime, int]]:
        """(starts, ends, UTC offset in seconds) covering the range: one per DST period."""
        segments: list[tuple[datetime, datetime, int]] = []
        seg_start, offset = self.start, _offset(self.start, self.tz)
        moment = self.start
        while moment < self.end:
            step = min(moment + timedelta(hours=1), self.end)
            if step < self.end and _offset(step, self.tz) != offset:
                change = _first_change(moment, step, offset, self.tz)
                segments.append((seg_start, change, offset))
                seg_start, offset = change, _offset(change, self.tz)
            moment = step
        segments.append((seg_start, self.end, offset))
        return segments

    def segments_table(self) -> sa.CTE:
        # A CTE, since SQLite takes no column names on a VALUES subquery.
        return (
            sa.values(
                sa.column("seg_start", UTCDateTime()),
                sa.column("seg_end", UTCDateTime()),
                sa.column("seg_offset", sa.Integer()),
                name="tz_segments",
            )
            .data(self.offset_segments())
            .cte("tz_segments")
        )

    def month_starts(self) -> list[date]:
        first = self.first_day.replace(day=1)
        months = []
        while first <= self.last_day:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months

    def months_table(self) -> sa.CTE:
        """One row per local month touching the range, clipped to it: (label, starts, ends)."""
        rows = []
        for month in self.month_starts():
            following = (month + timedelta(days=32)).replace(day=1)
            starts = max(self.start, hours.local_instant(month, 0, self.tz))
            ends = min(self.end, hours.local_instant(following, 0, self.tz))
            rows.append((month.strftime("%Y-%m"), starts, ends))
        return (
            sa.values(
                sa.column("month", sa.String()),
                sa.column("month_start", UTCDateTime()),
                sa.column("month_end", UTCDateTime()),
                name="report_months",
            )
            .data(rows)
            .cte("report_months")
        )


def _offset(moment: datetime, tz: ZoneInfo) -> int:
    delta = moment.astimezone(tz).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def _first_change(low: datetime, high: datetime, offset: int, tz: ZoneInfo) -> datetime:
    """The first minute in (low, high] whose offset differs from `offset` (zones change on
    the minute)."""
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            middle = low + timedelta(minutes=1)
        if _offset(middle, tz) != offset:
            high = middle
        else:
            low = middle
    return high


class Local:
    """Local-clock expressions for one stored time column, via the offset segments."""

    def __init__(self, column: ColumnElement[Any], segments: Any) -> None:
        self.seconds = epoch(column) + segments.c.seg_offset

    @property
    def day(self) -> ColumnElement[int]:
        """Local days since 1970-01-01."""
        return self.seconds // 86400

    @property
    def hour(self) -> ColumnElement[int]:
        return (self.seconds // 3600) % 24

    @property
    def weekday(self) -> ColumnElement[int]:
        return (self.seconds // 86400 + 3) % 7

    @property
    def week(self) -> ColumnElement[int]:
        """Weeks since the Monday 1969-12-29 (Monday-based weeks)."""
        return (self.seconds // 86400 + 3) // 7


def in_segment(column: ColumnElement[Any], segments: Any) -> ColumnElement[bool]:
    return sa.and_(column >= segments.c.seg_start, column < segments.c.seg_end)


def day_of(number_of_days: int) -> date:
    return EPOCH_DAY + timedelta(days=int(number_of_days))


def week_start(week_number: int) -> date:
    return EPOCH_DAY + timedelta(days=int(week_number) * 7 - 3)


# Parsing a range from the wire ---------------------------------------------------------------


def parse_moment(value: str, field: str, tz: ZoneInfo) -> datetime:
    """An ISO 8601 time (an offset, or local in the organisation's zone without one), or a
    date meaning local midnight."""
    value = value.strip().replace(" ", "+") if "T" in value else value.strip()
    if len(value) > 40:
        raise invalid(field, f"{field} must be a date (2026-11-01) or an ISO 8601 time.")
    try:
        if len(value) == 10:
            return hours.local_instant(date.fromisoformat(value), 0, tz, field)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(field, f"{field} must be a date (2026-11-01) or an ISO 8601 time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def this_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def make_range(start: str | None, end: str | None, today: date | None = None) -> Range:
    """The range from `from` and `to` (dates or times); missing ones default to this month."""
    tz = hours.zone()
    today = today or clock.now().astimezone(tz).date()
    first, following = this_month(today)
    begin = parse_moment(start, "from", tz) if start else hours.local_instant(first, 0, tz)
    finish = parse_moment(end, "to", tz) if end else hours.local_instant(following, 0, tz)
    if finish <= begin:
        raise invalid("to", "to must be after from.")
    if finish - begin > timedelta(days=MAX_DAYS):
        raise invalid("to", f"A report covers at most {MAX_DAYS} days.")
    return Range(begin, finish, tz)
