"""The one place that emits: announcements from the services, after their commit, become
Socket.IO traffic here. Through the message queue this reaches every server process."""

from __future__ import annotations

from warmline import bus
from warmline.extensions import socketio
from warmline.realtime import NAMESPACE


def disconnect_sockets(sids: list[str]) -> None:
    """A revoked session's sockets close at once, on whichever process holds them."""
    for sid in sids:
        socketio.server.disconnect(sid, namespace=NAMESPACE)


def subscribe_all() -> None:
    bus.subscribe("sockets.disconnect", disconnect_sockets)
