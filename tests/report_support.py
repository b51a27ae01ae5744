"""Hand-built conversations at known times, for the report tests and the benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warmline.extensions import db
from warmline.models import Conversation
from warmline.models.chat import ACTIVE, ENDED, WAITING


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def conversation(
    member_id: int,
    requested: datetime,
    *,
    answered_after: float | None = None,
    ended_after: float | None = None,
    gone_after: float | None = None,
    peer_id: int | None = None,
) -> Conversation:
    """A conversation requested at `requested`; the other times are seconds after it."""

    def at(seconds: float | None) -> datetime | None:
        return None if seconds is None else requested + timedelta(seconds=seconds)

    status = ENDED if ended_after is not None else ACTIVE if answered_after is not None else WAITING
    row = Conversation(
        member_id=member_id,
        peer_id=peer_id if answered_after is not None else None,
        status=status,
        requested_at=requested,
        queued_at=requested,
        first_assigned_at=at(answered_after),
        assigned_at=at(answered_after),
        ended_at=at(ended_after),
        member_gone_since=at(gone_after),
        end_reason=None if ended_after is None else ("member_left" if gone_after is not None else "member_ended"),
    )
    db.session.add(row)
    db.session.flush()
    return row
