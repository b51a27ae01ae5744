"""Continuity: a member may ask to talk with the same peer as last time, if that peer is on
shift. Their request is then offered to that peer first, for at most OFFER_SECONDS, and
never when the risk is high or imminent (then the first free peer answers).

The queue's order is owned by one function (services/queue_order.py); this module gives it
the rule as SQL expressions: `sort_key(peer_id, now)` after risk and presence, and
`reserved_for_another(peer_id, now)` to leave out, for other peers taking "the next",
a request still within its offer to someone else."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import Conversation
from warmline.models.chat import ENDED, risk_rank
from warmline.services import roster

OFFER_SECONDS = 120
HIGH = risk_rank("high")


def previous_peer_id(member_id: int, now: datetime) -> int | None:
    """The peer who last held one of this member's conversations, if on shift now."""
    peer_id = db.session.scalar(
        sa.select(Conversation.peer_id)
        .where(Conversation.member_id == member_id, Conversation.status == ENDED, Conversation.peer_id.is_not(None))
        .order_by(Conversation.requested_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    return peer_id if peer_id is not None and roster.is_on_shift(peer_id, now) else None


def _in_window(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Conversation.same_peer_id.is_not(None),
        Conversation.queued_at > now - timedelta(seconds=OFFER_SECONDS),
        Conversation.risk_rank < HIGH,
    )


def offered_to(peer_id: int, now: datetime) -> sa.ColumnElement[bool]:
    """A waiting request whose offer to `peer_id` still runs."""
    return sa.and_(_in_window(now), Conversation.same_peer_id == peer_id)


def reserved_for_another(peer_id: int, now: datetime) -> sa.ColumnElement[bool]:
    """A waiting request still offered to a peer other than `peer_id`."""
    return sa.and_(_in_window(now), Conversation.same_peer_id != peer_id)


def sort_key(peer_id: int, now: datetime) -> sa.ColumnElement[int]:
    """0 for a request offered to this peer, 1 for the rest: ascending, after risk and
    presence, before language and waiting time."""
    return sa.case((offered_to(peer_id, now), 0), else_=1)
