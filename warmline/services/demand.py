"""Demand the line could not meet: a chat asked for while no peer was on shift is answered
as before (closed, with crisis resources) and counted here, with its time only."""

from __future__ import annotations

from datetime import datetime

from warmline.extensions import db
from warmline.models import UnmetRequest


def record_closed_request(at: datetime) -> None:
    db.session.add(UnmetRequest(requested_at=at))
    db.session.commit()
