"""Periodic work that must run once across all processes and survive restarts: every
process beats its heart and tries for the lease; only the lease holder sweeps. All state
is in the database, so a restarted process, or another one, carries on where it stopped."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from warmline import clock
from warmline.extensions import db
from warmline.models import Lease, LiveSocket, ServerProcess
from warmline.services import chat, checkins, escalations, presence

LEASE_NAME = "sweeper"


def _lease_ttl() -> timedelta:
    return timedelta(seconds=current_app.config["SWEEP_LEASE_SECONDS"])


def _process_timeout() -> timedelta:
    """A process silent this long is dead: its sockets, and the presence they gave, are cleared."""
    return timedelta(seconds=current_app.config["PROCESS_TIMEOUT"])


def heartbeat(process_id: str, now: datetime) -> None:
    updated = db.session.execute(
        sa.update(ServerProcess).where(ServerProcess.id == process_id).values(heartbeat_at=now)
    ).rowcount
    if not updated:
        db.session.add(ServerProcess(id=process_id, started_at=now, heartbeat_at=now))
    db.session.commit()


def acquire_lease(holder: str, now: datetime, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease if it is free, expired or already ours (a conditional
    update: two processes cannot both win it)."""
    if db.session.get(Lease, name) is None:
        try:
            db.session.add(Lease(name=name, holder="", expires_at=now))
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
    won = db.session.execute(
        sa.update(Lease)
        .where(Lease.name == name, sa.or_(Lease.expires_at <= now, Lease.holder == holder))
        .values(holder=holder, expires_at=now + _lease_ttl())
    ).rowcount
    db.session.commit()
    return won == 1


def clear_dead_processes(now: datetime) -> list[int]:
    """Sockets of processes that stopped beating are gone; their users' presence follows."""
    dead = list(
        db.session.scalars(sa.select(ServerProcess.id).where(ServerProcess.heartbeat_at < now - _process_timeout()))
    )
    if not dead:
        return []
    users = list(db.session.scalars(sa.select(LiveSocket.user_id).where(LiveSocket.process_id.in_(dead)).distinct()))
    db.session.execute(sa.delete(LiveSocket).where(LiveSocket.process_id.in_(dead)))
    db.session.execute(sa.delete(ServerProcess).where(ServerProcess.id.in_(dead)))
    db.session.commit()
    for user_id in users:
        chat.connection_changed(user_id)
    return users


def run_once(process_id: str = presence.PROCESS_ID, now: datetime | None = None) -> dict[str, Any] | None:
    now = now or clock.now()
    heartbeat(process_id, now)
    if not acquire_lease(process_id, now):
        return None
    return {
        "dead_process_users": clear_dead_processes(now),
        **chat.apply_timers(now),
        "alerts_broadened": escalations.broaden_unacknowledged(now),
        "outbox_delivered": escalations.deliver_outbox(),
        "checkins_fell_due": checkins.announce_fell_due(now),
    }
