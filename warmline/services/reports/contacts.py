"""The contacts family: offered, answered, abandoned, waits and handle times, escalations,
over conversations requested in the range, headline and broken down by hour, day, week,
month and peer. Each figure is one aggregate statement, whatever the number of rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import current_app

from warmline.extensions import db
from warmline.models import Conversation, Escalation
from warmline.models.chat import ENDED
from warmline.services.reports.base import (
    Local,
    Range,
    count_if,
    day_of,
    earliest,
    in_segment,
    nearest_rank,
    number,
    seconds_between,
    share,
    week_start,
)


def thresholds() -> tuple[int, int]:
    """(short-abandon seconds, service-level seconds) from the settings."""
    config = current_app.config
    return int(config["SHORT_ABANDON_SECONDS"]), int(config["SERVICE_LEVEL_SECONDS"])


class ContactFacts:
    """One row per conversation requested in the range, with what the metrics need, as a
    subquery: the single definition every contacts figure is built on."""

    def __init__(self, report_range: Range) -> None:
        self.range = report_range
        c = Conversation
        segments = report_range.segments_table()
        local = Local(c.requested_at, segments)
        answered = c.first_assigned_at.is_not(None)
        unanswered_ended = sa.and_(c.first_assigned_at.is_(None), c.status == ENDED)
        self.query = (
            sa.select(
                c.id.label("id"),
                c.requested_at.label("requested_at"),
                c.peer_id.label("peer_id"),
                c.member_id.label("member_id"),  # for repeat counts only; never shown
                c.status.label("status"),
                c.end_reason.label("end_reason"),
                c.risk.label("risk"),
                sa.case((answered, 1), else_=0).label("is_answered"),
                sa.case((unanswered_ended, 1), else_=0).label("is_unanswered_ended"),
                seconds_between(c.requested_at, c.first_assigned_at).label("wait_answer"),
                sa.case(
                    (unanswered_ended, seconds_between(c.requested_at, earliest(c.ended_at, c.member_gone_since)))
                ).label("wait_left"),
                sa.case((sa.and_(answered, c.status == ENDED), seconds_between(c.first_assigned_at, c.ended_at))).label(
                    "handle"
                ),
                # From the answer to the peer's first reply (kept after transcripts are purged;
                # after a peer was lost, the reply of the peer who took it next).
                seconds_between(c.first_assigned_at, c.peer_replied_at).label("first_response"),
                local.day.label("local_day"),
                local.week.label("local_week"),
                local.hour.label("local_hour"),
                local.weekday.label("local_weekday"),
            )
            .join(segments, in_segment(c.requested_at, segments))
            .where(c.requested_at >= report_range.start, c.requested_at < report_range.end)
        )
        self.subquery: sa.FromClause = self.query.subquery("contact_facts")

    def ids(self) -> sa.Select[Any]:
        return sa.select(self.subquery.c.id)

    @contextmanager
    def materialized(self) -> Iterator[None]:
        """Work the facts out once into a temporary table for a report of many figures (each
        figure is then a cheap aggregate over it); the table is dropped at the end."""
        name = f"report_facts_{uuid.uuid4().hex[:12]}"
        table = sa.Table(
            name, sa.MetaData(), *[sa.Column(c.name, c.type) for c in self.subquery.c], prefixes=["TEMPORARY"]
        )
        connection = db.session.connection()
        table.create(connection)
        saved, self.subquery = self.subquery, table
        try:
            connection.execute(table.insert().from_select([c.name for c in table.c], self.query))
            yield
        finally:
            self.subquery = saved
            table.drop(connection)
            # Nothing was written but the temporary table; ending the transaction here keeps a
            # rollback from bringing back a SQLite temporary table created outside it.
            db.session.commit()


class ContactsReport:
    def __init__(self, report_range: Range) -> None:
        self.range = report_range
        self.facts = ContactFacts(report_range)
        self.short_seconds, self.service_seconds = thresholds()

    def _summary_columns(self) -> list[Any]:
        f = self.facts.subquery.c
        unanswered = f.is_unanswered_ended == 1
        return [
            sa.func.count().label("offered"),
            sa.func.coalesce(sa.func.sum(f.is_answered), 0).label("answered"),
            count_if(sa.and_(unanswered, f.wait_left >= self.short_seconds)).label("abandoned"),
            count_if(sa.and_(unanswered, f.wait_left < self.short_seconds)).label("short_abandoned"),
            count_if(sa.and_(f.is_answered == 1, f.wait_answer <= self.service_seconds)).label("within_service"),
            sa.func.avg(f.wait_answer).label("speed_to_answer"),
            sa.func.avg(f.handle).label("handle"),
            sa.func.avg(f.first_response).label("first_response"),
        ]

    @staticmethod
    def _figures(row: Any) -> dict[str, Any]:
        offered = int(row.offered or 0)
        return {
            "offered": offered,
            "answered": int(row.answered),
            "abandoned": int(row.abandoned),
            "short_abandoned": int(row.short_abandoned),
            "answer_rate": share(row.answered, offered),
            "abandonment_rate": share(row.abandoned, offered),
            "service_level": share(row.within_service, offered),
            "average_speed_to_answer_seconds": number(row.speed_to_answer),
            "average_handle_seconds": number(row.handle),
            "average_first_response_seconds": number(row.first_response),
        }

    def summary(self) -> dict[str, Any]:
        """The headline figures and the escalation count, in one statement."""
        escalations = (
            sa.select(sa.func.count())
            .select_from(Escalation)
            .where(Escalation.conversation_id.in_(self.facts.ids()))
            .scalar_subquery()
        )
        row = db.session.execute(
            sa.select(*self._summary_columns(), escalations.label("escalations")).select_from(self.facts.subquery)
        ).one()
        return {**self._figures(row), "escalations": int(row.escalations or 0)}

    def speed_to_answer_p90(self) -> float | None:
        """The 90th percentile wait of the answered (nearest rank)."""
        f = self.facts.subquery.c
        waits = sa.select(f.wait_answer.label("value")).where(f.is_answered == 1).subquery("waits")
        return number(db.session.scalar(nearest_rank(waits, 9, 10)))

    def repeat_members(self) -> int:
        """How many members asked two or more times in the range (a count, never who)."""
        f = self.facts.subquery.c
        repeaters = sa.select(f.member_id).group_by(f.member_id).having(sa.func.count() >= 2).subquery("repeaters")
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(repeaters)) or 0)

    def wait_distribution(self, edges: tuple[int, ...] = (30, 60, 120, 300, 600)) -> list[dict[str, Any]]:
        """Answered conversations by how long they waited: [0, 30), [30, 60), ... [600, ∞)."""
        f = self.facts.subquery.c
        bucket = sa.case(*[(f.wait_answer < edge, i) for i, edge in enumerate(edges)], else_=len(edges))
        counts = dict(
            db.session.execute(
                sa.select(bucket.label("bucket"), sa.func.count()).where(f.is_answered == 1).group_by(bucket)
            ).all()
        )
        lows = (0, *edges)
        return [
            {"from_seconds": low, "to_seconds": edges[i] if i < len(edges) else None, "answered": counts.get(i, 0)}
            for i, low in enumerate(lows)
        ]

    def by_hour(self) -> list[dict[str, int]]:
        """Every (weekday, hour) cell, Monday 0, in local time: offered and answered."""
        f = self.facts.subquery.c
        found = {
            (int(weekday), int(hour)): (int(offered), int(answered or 0))
            for weekday, hour, offered, answered in db.session.execute(
                sa.select(f.local_weekday, f.local_hour, sa.func.count(), sa.func.sum(f.is_answered)).group_by(
                    f.local_weekday, f.local_hour
                )
            )
        }
        return [
            {
                "weekday": weekday,
                "hour": hour,
                "offered": found.get((weekday, hour), (0, 0))[0],
                "answered": found.get((weekday, hour), (0, 0))[1],
            }
            for weekday in range(7)
            for hour in range(24)
        ]

    def by_period(self, period: str) -> list[dict[str, Any]]:
        """The figures per local day, week (from Monday) or month, oldest first."""
        f = self.facts.subquery.c
        if period == "month":
            months = self.range.months_table()
            key = months.c.month
            query = (
                sa.select(key.label("key"), *self._summary_columns())
                .select_from(self.facts.subquery)
                .join(months, sa.and_(f.requested_at >= months.c.month_start, f.requested_at < months.c.month_end))
            )
        else:
            key = f.local_day if period == "day" else f.local_week
            query = sa.select(key.label("key"), *self._summary_columns())
        rows = db.session.execute(query.group_by(key).order_by(key)).all()
        label = {"day": lambda k: day_of(k).isoformat(), "week": lambda k: week_start(k).isoformat()}.get(period, str)
        return [{"period": label(row.key), **self._figures(row)} for row in rows]

    def by_peer(self) -> list[dict[str, Any]]:
        """The answered figures per peer who held the conversation at the end (coordinators)."""
        f = self.facts.subquery.c
        rows = db.session.execute(
            sa.select(f.peer_id.label("key"), *self._summary_columns())
            .where(f.peer_id.is_not(None))
            .group_by(f.peer_id)
            .order_by(f.peer_id)
        ).all()
        return [{"peer_id": row.key, **self._figures(row)} for row in rows]

    def escalations_by(self) -> list[dict[str, Any]]:
        rows = db.session.execute(
            sa.select(Escalation.risk_level, Escalation.action, sa.func.count())
            .where(Escalation.conversation_id.in_(self.facts.ids()))
            .group_by(Escalation.risk_level, Escalation.action)
            .order_by(Escalation.risk_level, Escalation.action)
        ).all()
        return [{"risk": risk, "action": action, "count": n} for risk, action, n in rows]

    def outcome(self) -> Any:
        f = self.facts.subquery.c
        return sa.case(
            (f.is_answered == 1, "answered"),
            (sa.and_(f.is_unanswered_ended == 1, f.wait_left >= self.short_seconds), "abandoned"),
            (f.is_unanswered_ended == 1, "short_abandoned"),
            else_="waiting",
        )

    def rows(self) -> sa.Result[Any]:
        """One row per conversation for the CSV: times and figures, never who or what was said."""
        f = self.facts.subquery.c
        escalations = (
            sa.select(sa.func.count())
            .select_from(Escalation)
            .where(Escalation.conversation_id == f.id)
            .scalar_subquery()
        )
        return db.session.execute(
            sa.select(
                f.id,
                f.requested_at,
                f.local_day,
                f.local_hour,
                f.local_weekday,
                self.outcome().label("outcome"),
                f.wait_answer,
                f.wait_left,
                f.handle,
                f.first_response,
                f.end_reason,
                f.risk,
                f.peer_id,
                escalations.label("escalations"),
            ).order_by(f.requested_at, f.id)
        )
