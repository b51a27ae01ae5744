"""Staffing: scheduled peer hours, hours peers were switched on to take chats during their
shifts, and utilisation (time in conversations over time available)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from warmline import clock
from warmline.extensions import db
from warmline.models import AvailabilityInterval, Conversation, Shift
from warmline.models.shifts import SHIFT_PEER
from warmline.services.reports.base import Range, moment, number, overlap_seconds, share


class StaffingReport:
    def __init__(self, report_range: Range) -> None:
        self.range = report_range
        self.edges = (moment(report_range.start), moment(report_range.end))
        self.now = moment(clock.now())

    def _peer_shifts(self) -> Any:
        s = Shift
        return (
            s.role == SHIFT_PEER,
            s.cancelled_at.is_(None),
            s.starts_at < self.range.end,
            s.ends_at > self.range.start,
        )

    def _scheduled(self) -> sa.Select[Any]:
        s = Shift
        return (
            sa.select(s.user_id.label("user_id"), overlap_seconds((s.starts_at, s.ends_at), self.edges).label("secs"))
            .where(*self._peer_shifts())
            .subquery("scheduled")
        )

    def _available(self) -> Any:
        """Switched on and on a peer shift (the switch counts only then), within the range."""
        s, a = Shift, AvailabilityInterval
        until = sa.func.coalesce(a.ended_at, self.now)
        return (
            sa.select(
                a.user_id.label("user_id"),
                overlap_seconds((a.started_at, until), (s.starts_at, s.ends_at), self.edges).label("secs"),
            )
            .join(s, s.user_id == a.user_id)
            .where(*self._peer_shifts(), a.started_at < self.range.end, until > self.range.start)
            .subquery("available")
        )

    def _in_conversation(self) -> Any:
        """Each answered conversation's time from the answer to the end (or now), by the peer
        who held it at the end, within the range."""
        c = Conversation
        until = sa.func.coalesce(c.ended_at, self.now)
        return (
            sa.select(
                c.peer_id.label("user_id"),
                overlap_seconds((c.first_assigned_at, until), self.edges).label("secs"),
            )
            .where(
                c.peer_id.is_not(None),
                c.first_assigned_at.is_not(None),
                # No warmline conversation lasts two days: this bound lets the index on
                # requested_at find the candidates instead of reading every conversation.
                c.requested_at >= self.range.start - timedelta(days=2),
                c.requested_at < self.range.end,
                c.first_assigned_at < self.range.end,
                until > self.range.start,
            )
            .subquery("busy")
        )

    def _totals(self, by_peer: bool) -> dict[Any, dict[str, float]]:
        totals: dict[Any, dict[str, float]] = {}
        for name, part in (
            ("scheduled", self._scheduled()),
            ("available", self._available()),
            ("busy", self._in_conversation()),
        ):
            key = part.c.user_id if by_peer else sa.literal(0)
            query = sa.select(key.label("key"), sa.func.coalesce(sa.func.sum(part.c.secs), 0).label("secs"))
            for row in db.session.execute(query.group_by(key) if by_peer else query):
                totals.setdefault(row.key if by_peer else None, {})[name] = float(row.secs or 0)
        return totals

    @staticmethod
    def _figures(seconds: dict[str, float]) -> dict[str, Any]:
        available, busy = seconds.get("available", 0.0), seconds.get("busy", 0.0)
        return {
            "scheduled_peer_hours": number(seconds.get("scheduled", 0.0) / 3600, 2),
            "available_hours": number(available / 3600, 2),
            "conversation_hours": number(busy / 3600, 2),
            # Above 1 when peers hold more than one conversation at a time.
            "utilisation": share(busy, available) if available else None,
        }

    def summary(self) -> dict[str, Any]:
        return self._figures(self._totals(by_peer=False).get(None, {}))

    def by_peer(self) -> dict[int, dict[str, Any]]:
        return {peer_id: self._figures(seconds) for peer_id, seconds in self._totals(by_peer=True).items()}
