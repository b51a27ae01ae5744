"""Announcements that leave the process only after the transaction that caused them commits
(Zulip's rule: never tell anyone about a change that might still roll back).

A service calls `announce(kind, **payload)` inside its transaction; the realtime layer
`subscribe`s to kinds and turns them into Socket.IO emits. A rollback drops them."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from warmline.extensions import db

log = logging.getLogger(__name__)
_PENDING = "warmline.announcements"
_subscribers: dict[str, list[Callable[..., None]]] = defaultdict(list)


def subscribe(kind: str, handler: Callable[..., None]) -> None:
    if handler not in _subscribers[kind]:
        _subscribers[kind].append(handler)


def announce(kind: str, **payload: Any) -> None:
    db.session.info.setdefault(_PENDING, []).append((kind, payload))


@event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending or not has_app_context():
        return
    # A fresh app context gives anything a handler sets off (a socket's disconnect handler
    # runs synchronously) its own database session, not this one mid-commit.
    seen: set[str] = set()
    with current_app._get_current_object().app_context():  # noqa: SLF001
        for kind, payload in pending:
            key = f"{kind}:{sorted(payload.items())!r}"
            if key in seen:  # e.g. one transaction changing the queue twice
                continue
            seen.add(key)
            deliver(kind, payload)
        if _relays:
            for relay in _relays:
                relay(pending)


def deliver(kind: str, payload: dict[str, Any]) -> None:
    """Hands one announcement to its subscribers now (after a commit, or replayed)."""
    for handler in _subscribers.get(kind, []):
        try:
            handler(**payload)
        except Exception:  # one failed delivery must not hide the others
            log.exception("announcement handler failed", extra={"kind": kind})


_relays: list[Callable[[list[tuple[str, dict[str, Any]]]], None]] = []


def relay_with(relay: Callable[[list[tuple[str, dict[str, Any]]]], None]) -> None:
    """`relay(announcements)` also gets what each commit announced, to pass it to processes
    this one cannot reach directly (see realtime/events.py)."""
    if relay not in _relays:
        _relays.append(relay)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)
