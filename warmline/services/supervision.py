"""Supervision of live chats: a coordinator reads a conversation (the peer is told, the
member is not), whispers to the peer (never to the member), or joins openly (the member is
told in the conversation). Every session is logged, from when to when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from warmline import bus, clock
from warmline.errors import WarmlineError, forbidden
from warmline.extensions import db
from warmline.models import Conversation, Message, MonitorSession, User
from warmline.models.chat import ACTIVE
from warmline.services import chat
from warmline.services.hours import iso

WHISPER_MAX = 2000


def active_conversations() -> list[Conversation]:
    return list(
        db.session.scalars(
            sa.select(Conversation)
            .where(Conversation.status == ACTIVE)
            .order_by(Conversation.risk_rank.desc(), Conversation.assigned_at)
        )
    )


def _active(conversation_id: Any) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id) if isinstance(conversation_id, int) else None
    if conversation is None or conversation.status != ACTIVE:
        raise WarmlineError("not_active", "That conversation is not live.", 409)
    return conversation


def _open_sessions(coordinator_id: int, conversation_id: int) -> list[MonitorSession]:
    return list(
        db.session.scalars(
            sa.select(MonitorSession).where(
                MonitorSession.coordinator_id == coordinator_id,
                MonitorSession.conversation_id == conversation_id,
                MonitorSession.ended_at.is_(None),
            )
        )
    )


def is_supervising(coordinator: User, conversation_id: int) -> bool:
    """The coordinator has joined the conversation (monitor:join) and not left it."""
    return bool(_open_sessions(coordinator.id, conversation_id))


def join(coordinator: User, conversation_id: Any, socket_id: str, *, open_join: bool = False) -> list[Message]:
    """Starts (or, from the same socket, keeps) a session and returns the conversation so far.
    The caller puts the socket in the conversation's monitor room after this returns."""
    conversation = _active(conversation_id)
    session = next((s for s in _open_sessions(coordinator.id, conversation.id) if s.socket_id == socket_id), None)
    announce_open = open_join and not (session and session.open_join)
    if session is None:
        session = MonitorSession(
            conversation_id=conversation.id, coordinator_id=coordinator.id, socket_id=socket_id, open_join=open_join
        )
        db.session.add(session)
        bus.announce(
            "monitor.joined", conversation_id=conversation.id, peer_id=conversation.peer_id, by=coordinator.handle
        )
    session.open_join = session.open_join or open_join
    if announce_open:
        db.session.flush()
        notice = _(
            "A supervisor (%(handle)s) has joined this conversation to support you and your peer.",
            handle=coordinator.handle,
        )
        chat.append_message(coordinator, conversation.id, f"notice-{uuid.uuid4().hex}", notice, notice=True)
    else:
        db.session.commit()
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.seq)
            .limit(chat.RESUME_LIMIT)
        )
    )


def whisper(coordinator: User, conversation_id: Any, body: str) -> None:
    """To the conversation's peer only. Not stored: coaching is not part of the record."""
    conversation = _active(conversation_id)
    if not is_supervising(coordinator, conversation.id):
        raise forbidden("Join the conversation (monitor:join) before whispering.")
    bus.announce(
        "monitor.whisper",
        conversation_id=conversation.id,
        peer_id=conversation.peer_id,
        body=body,
        from_handle=coordinator.handle,
    )
    db.session.commit()


def leave(coordinator: User, conversation_id: Any) -> None:
    if isinstance(conversation_id, int):
        _close(
            sa.and_(MonitorSession.coordinator_id == coordinator.id, MonitorSession.conversation_id == conversation_id)
        )
    db.session.commit()


def socket_closed(socket_id: str) -> None:
    _close(MonitorSession.socket_id == socket_id)
    db.session.commit()


def conversation_ended(conversation_id: int, now: datetime) -> None:
    """In the ending transaction: the sessions on it end with it."""
    _close(MonitorSession.conversation_id == conversation_id, now)


def _close(which: sa.ColumnElement[bool], now: datetime | None = None) -> None:
    now = now or clock.now()
    for session in db.session.scalars(sa.select(MonitorSession).where(which, MonitorSession.ended_at.is_(None))):
        session.ended_at = now
        conversation = db.session.get(Conversation, session.conversation_id)
        if conversation is not None and conversation.peer_id is not None:
            bus.announce(
                "monitor.left",
                conversation_id=session.conversation_id,
                peer_id=conversation.peer_id,
                by=session.coordinator.handle,
            )


def sessions_for(conversation_id: int) -> list[MonitorSession]:
    return list(
        db.session.scalars(
            sa.select(MonitorSession)
            .where(MonitorSession.conversation_id == conversation_id)
            .order_by(MonitorSession.started_at)
        )
    )


def session_json(session: MonitorSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "conversation_id": session.conversation_id,
        "coordinator": session.coordinator.handle,
        "open": session.open_join,
        "started_at": iso(session.started_at),
        "ended_at": iso(session.ended_at) if session.ended_at else None,
    }
