"""The Socket.IO message queue for several processes (Flask-SocketIO's Redis manager),
checked at start and kept useful through a Redis outage."""

from __future__ import annotations

import logging
from typing import Any

import redis
import socketio

log = logging.getLogger(__name__)


class ResilientRedisManager(socketio.RedisManager):
    """python-socketio delivers even this process's own messages through Redis, so with Redis
    down nobody would hear anything. When a publish gives up, this delivers it to the clients
    connected here, so the process keeps serving its own; the listener reconnects by itself
    when Redis returns."""

    def _publish(self, data: Any) -> Any:
        result = super()._publish(data)
        # A publish that went through returns the number of subscribers; one that gave up,
        # None (redis-py connects lazily, so `connected` cannot tell).
        if result is None and isinstance(data, dict):
            log.error(
                "message queue unreachable: delivering to this process's clients only",
                extra={"method": data.get("method")},
            )
            local = {
                "emit": self._handle_emit,
                "enter_room": self._handle_enter_room,
                "leave_room": self._handle_leave_room,
                "close_room": self._handle_close_room,
            }
            handler = local.get(data.get("method"))
            if handler is not None:
                handler(data)
        return result


def check_reachable(url: str, timeout: float = 3.0) -> None:
    """Fail at start, naming the setting, rather than run a process that cannot reach the others."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:
        raise RuntimeError(f"SOCKETIO_MESSAGE_QUEUE={url!r}: the message queue is not reachable ({exc})") from exc


def client_manager(url: str, *, write_only: bool, channel: str = "warmline") -> ResilientRedisManager:
    if not url.startswith(("redis://", "rediss://")):
        raise RuntimeError(f"SOCKETIO_MESSAGE_QUEUE={url!r}: only redis:// and rediss:// URLs are supported")
    check_reachable(url)
    return ResilientRedisManager(url, channel=channel, write_only=write_only)
