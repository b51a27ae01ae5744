"""The one owner of the queue's order (CONTRACT.md, "Peer tools"): the list peers see, the
members' positions and `chat:accept {}` all sort by `order_by`, so they never disagree.

Keys, most important first:
1. handed back (a conversation requeued after its peer left or never answered);
2. risk, imminent down to none;
3. within one risk, members connected now before those who stepped away (disconnected for
   more than CHAT_STEPPED_AWAY seconds): a closed browser does not block a live member;
4. a continuity offer (HOOK, see `continuity_keys`);
5. a language match (HOOK, see `language_keys`);
6. the longest wait, then the id (a total order, so ties never flip between queries).

Every key is a SQL expression over `conversations`, so the order is applied by the
database (ORDER BY, and ROW_NUMBER() for a position) without loading the queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from warmline import clock
from warmline.extensions import db
from warmline.models import Conversation
from warmline.models.chat import WAITING
from warmline.services import continuity

C = Conversation


@dataclass(frozen=True)
class QueueView:
    """Who is looking at the queue, and when: the later keys depend on the peer."""

    now: datetime
    stepped_away_after: timedelta
    # The peer about to take a chat (None for the shared list and members' positions).
    peer_id: int | None = None
    # HOOK (language match): the languages the peer speaks, filled in by the caller.
    peer_languages: tuple[str, ...] = field(default_factory=tuple)


def view(peer_id: int | None = None, now: datetime | None = None, **extra: Any) -> QueueView:
    seconds = current_app.config["CHAT_STEPPED_AWAY"]
    return QueueView(now or clock.now(), timedelta(seconds=seconds), peer_id=peer_id, **extra)


def stepped_away(v: QueueView) -> sa.ColumnElement[bool]:
    """The member's browser has been gone longer than the stepped-away limit."""
    return sa.and_(C.member_gone_since.is_not(None), C.member_gone_since <= v.now - v.stepped_away_after)


def _stepped_away_key(v: QueueView) -> sa.ColumnElement[int]:
    return sa.case((stepped_away(v), 1), else_=0)


def continuity_keys(v: QueueView) -> tuple[sa.ColumnElement[Any], ...]:
    """A member who asked for the same peer is offered to that peer first, for at most 2
    minutes, never at high or imminent risk (services/continuity.py; accept-next for other
    peers leaves the running offer out)."""
    if v.peer_id is None:
        return ()
    return (continuity.sort_key(v.peer_id, v.now),)


def language_keys(v: QueueView) -> tuple[sa.ColumnElement[Any], ...]:
    """The member's language among `v.peer_languages` sorts first (a member who has not
    chosen reads English), as services/languages.language_mismatch says."""
    if not v.peer_languages:
        return ()
    return (sa.case((sa.func.coalesce(C.language, "en").in_(v.peer_languages), 0), else_=1),)


def order_by(v: QueueView) -> tuple[sa.ColumnElement[Any], ...]:
    return (
        C.front_of_queue.desc(),
        C.risk_rank.desc(),
        _stepped_away_key(v),
        *continuity_keys(v),
        *language_keys(v),
        C.queued_at,
        C.id,
    )


def waiting(v: QueueView) -> sa.Select[Any]:
    """Waiting conversations in queue order (select the columns you need with `.with_only_columns`)."""
    return sa.select(C).where(C.status == WAITING).order_by(*order_by(v))


def position(conversation_id: int, v: QueueView) -> int:
    """1 for the next to be answered, 0 when it is not waiting."""
    numbered = (
        sa.select(C.id, sa.func.row_number().over(order_by=order_by(v)).label("position"))
        .where(C.status == WAITING)
        .subquery()
    )
    found = db.session.scalar(sa.select(numbered.c.position).where(numbered.c.id == conversation_id))
    return int(found or 0)
