"""Unmet demand: chat requests made while no peer was on shift, by local weekday and hour."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import UnmetRequest
from warmline.services.reports.base import Local, Range, in_segment


class DemandReport:
    def __init__(self, report_range: Range) -> None:
        self.range = report_range

    def summary(self) -> dict[str, Any]:
        u = UnmetRequest
        segments = self.range.segments_table()
        local = Local(u.requested_at, segments)
        weekday, hour = local.weekday.label("weekday"), local.hour.label("hour")
        rows = db.session.execute(
            sa.select(weekday, hour, sa.func.count().label("n"))
            .join(segments, in_segment(u.requested_at, segments))
            .where(u.requested_at >= self.range.start, u.requested_at < self.range.end)
            .group_by(weekday, hour)
            .order_by(weekday, hour)
        ).all()
        return {
            "closed_requests": sum(r.n for r in rows),
            "closed_by_hour": [{"weekday": int(r.weekday), "hour": int(r.hour), "requests": r.n} for r in rows],
        }
