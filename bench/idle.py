"""Scenario 2, idle connections: how many signed-in members one process holds connected
(heartbeats answered, a message still delivered within 1 s) before it degrades, against the
bare relay. Both servers run with short ping intervals, so every step lasts several
heartbeats; each step adds idle clients, waits, then counts who is still connected and
times a probe conversation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench.load import Party, percentile, sign_in
from bench.scenarios import _send, app_pairs, bare_pairs

DEGRADED_MS = 1000


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def _idle_member(url: str) -> Party:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        cookie, csrf = await sign_in(http, url, "/api/v1/members", {})
    party = Party(url, cookie, csrf)
    await party.connect("chat:queued")
    return party


async def _idle_bare(url: str) -> Party:
    party = Party(url)
    await party.connect("msg")
    return party


async def _probe(target: str, a: Party, b: Party, key: Any, messages: int, tag: str) -> list[float]:
    """One-way latencies of `messages` sent one after another; a message not delivered
    within DEGRADED_MS counts as that long."""
    latencies = []
    for i in range(messages):
        client_id = f"{tag}-{i}"
        sent_at: dict[str, float] = {}
        await _send(a, target, key, client_id, sent_at)
        deadline = time.perf_counter() + DEGRADED_MS / 1000
        while client_id not in b.received and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        arrived = b.received.get(client_id)
        latencies.append((arrived - sent_at[client_id]) * 1000 if arrived else DEGRADED_MS)
    return latencies


async def idle(
    target: str,
    url: str,
    pid: int,
    steps: list[int],
    hold: float,
    peers: list[str] | None = None,
    password: str = "",
) -> list[dict[str, Any]]:
    if target == "bare":
        ((a, b, key),) = await bare_pairs(url, 1)
        join: Callable[[str], Awaitable[Party]] = _idle_bare
    else:
        ((a, b, key),) = await app_pairs(url, 1, peers or [], password)
        join = _idle_member
    idle_parties: list[Party] = []
    rows = []
    failed = 0
    gate = asyncio.Semaphore(20)

    async def add() -> None:
        nonlocal failed
        async with gate:
            try:
                idle_parties.append(await join(url))
            except Exception:  # refused or timed out: the server is past its limit
                failed += 1

    for step in steps:
        await asyncio.gather(*(add() for _ in range(step - len(idle_parties) - failed)))
        await asyncio.sleep(hold)  # several heartbeats: a client that missed one is dropped
        connected = sum(1 for p in idle_parties if p.sio.connected)
        latencies = await _probe(target, a, b, key, 10, f"idle-{step}")
        row = {
            "target": target,
            "clients": step,
            "connected": connected,
            "failed": failed,
            "probe_p50": round(percentile(latencies, 50), 1),
            "probe_max": round(max(latencies), 1),
            "rss_mb": rss_mb(pid),
        }
        row["held"] = connected == step and max(latencies) < DEGRADED_MS
        rows.append(row)
        print(f"idle {target:4} {step:5}: {row}", flush=True)
        if not row["held"]:
            break
    await asyncio.gather(*(p.sio.disconnect() for p in [*idle_parties, a, b]), return_exceptions=True)
    return rows
