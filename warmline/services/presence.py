"""Which sockets are open, for which user and sign-in session, on which server process."""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa

from warmline import clock
from warmline.extensions import db
from warmline.models import AuthSession, LiveSocket, User

# Tells this server process apart from the others sharing the database.
PROCESS_ID = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


def socket_connected(sid: str, user_id: int, auth_session_id: int) -> None:
    db.session.add(LiveSocket(sid=sid, user_id=user_id, auth_session_id=auth_session_id, process_id=PROCESS_ID))
    db.session.commit()


def socket_disconnected(sid: str) -> int | None:
    """Forgets the socket; returns whose it was (None if it was already cleared)."""
    user_id = db.session.scalar(sa.select(LiveSocket.user_id).where(LiveSocket.sid == sid))
    db.session.execute(sa.delete(LiveSocket).where(LiveSocket.sid == sid))
    db.session.commit()
    return user_id


def sockets_of(user_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(LiveSocket.sid).where(LiveSocket.user_id == user_id)))


def ended_sign_ins_here(process_id: str = PROCESS_ID) -> list[str]:
    """This process's sockets whose sign-in is over (revoked, expired, account disabled):
    the close a revocation sends can be lost (Redis down for a moment), this finds them."""
    return list(
        db.session.scalars(
            sa.select(LiveSocket.sid)
            .join(AuthSession, AuthSession.id == LiveSocket.auth_session_id)
            .join(User, User.id == LiveSocket.user_id)
            .where(
                LiveSocket.process_id == process_id,
                sa.or_(
                    AuthSession.revoked_at.is_not(None),
                    AuthSession.expires_at <= clock.now(),
                    User.disabled_at.is_not(None),
                ),
            )
        )
    )
