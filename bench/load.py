"""Load generator: N conversations, each a member and a peer, over WebSocket with
python-socketio AsyncClients in one asyncio loop on 127.0.0.1. Measures one-way latency
(send to the other party's receipt) and messages per second; bounded in count and time."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


@dataclass
class Result:
    target: str
    conversations: int
    mode: str
    latencies_ms: list[float] = field(default_factory=list)
    sent: int = 0
    # Acknowledged as stored but never delivered: the number that must be zero.
    lost: int = 0
    seconds: float = 0.0
    errors: int = 0

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def row(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "conversations": self.conversations,
            "mode": self.mode,
            "p50": round(self.pct(50), 1),
            "p95": round(self.pct(95), 1),
            "p99": round(self.pct(99), 1),
            "msgs_per_s": round(len(self.latencies_ms) / self.seconds, 1) if self.seconds else 0,
            "sent": self.sent,
            "lost": self.lost,
            "errors": self.errors,
            "median": round(statistics.median(self.latencies_ms), 1) if self.latencies_ms else None,
        }


class Party:
    """One side of a conversation: a connected client that timestamps what it receives."""

    def __init__(self, url: str, cookie: str | None = None, csrf: str | None = None) -> None:
        self.url, self.cookie, self.csrf = url, cookie, csrf
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict[str, float] = {}

    async def connect(self, event: str) -> None:
        @self.sio.on(event, namespace="/chat")
        async def _arrived(data: dict[str, Any]) -> None:
            key = data.get("client_id") or data.get("id") or data.get("conversation_id")
            self.received[str(key)] = time.perf_counter()

        headers = {"Cookie": self.cookie} if self.cookie else {}
        await self.sio.connect(
            self.url,
            namespaces=["/chat"],
            transports=["websocket"],
            headers=headers,
            auth={"csrf_token": self.csrf} if self.csrf else None,
            wait_timeout=30,
        )


async def sign_in(http: aiohttp.ClientSession, url: str, path: str, body: dict[str, Any]) -> tuple[str, str]:
    """A fresh cookie jar's session cookie and CSRF token after a JSON sign-in."""
    async with http.get(f"{url}/api/v1/csrf") as r:
        csrf = (await r.json())["csrf_token"]
    async with http.post(f"{url}{path}", json=body, headers={"X-CSRFToken": csrf}) as r:
        assert r.status in (200, 201), await r.text()
        # Signing in rotates the token; the answer carries the new one.
        csrf = (await r.json()).get("csrf_token", csrf)
    cookie = "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)
    return cookie, csrf
