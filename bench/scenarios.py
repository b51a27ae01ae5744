"""Benchmark scenarios against the app and the bare relay, driven from one asyncio loop."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import aiohttp

from bench.load import Party, Result, sign_in

SETUP_CONCURRENCY = 20  # members signing in and asking at once while a scenario is set up
RETRIES = 5


async def bare_pairs(url: str, n: int) -> list[tuple[Party, Party, str]]:
    pairs = []
    for i in range(n):
        a, b = Party(url), Party(url)
        await a.connect("msg")
        await b.connect("msg")
        room = f"conversation-{i}"
        await a.sio.call("join", room, namespace="/chat")
        await b.sio.call("join", room, namespace="/chat")
        pairs.append((a, b, room))
    return pairs


async def app_pairs(
    url: str, n: int, peers: list[str], password: str, peer_url: str | None = None
) -> list[tuple[Party, Party, int]]:
    """Real sign-in, real request and accept: n members, conversations spread over the peers.
    With `peer_url` (another process sharing the database and the message queue) the peers
    are there and the members on `url`."""
    peer_url = peer_url or url
    peer_parties = []
    for username in peers:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            cookie, csrf = await sign_in(http, peer_url, "/api/v1/login", {"username": username, "password": password})
        party = Party(peer_url, cookie, csrf)
        await party.connect("message:new")
        assert (await party.sio.call("peer:available", {"available": True}, namespace="/chat"))["ok"]
        peer_parties.append(party)
    members: dict[int, Party] = {}
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def ask() -> None:
        async with gate:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                cookie, csrf = await sign_in(http, url, "/api/v1/members", {})
            member = Party(url, cookie, csrf)
            await member.connect("message:new")
            asked = await _call_retrying(member, "chat:request", {"topic": "bench"})
            members[asked["conversation_id"]] = member

    await asyncio.gather(*(ask() for _ in range(n)))
    pairs: list[tuple[Party, Party, int]] = []

    async def take(peer: Party) -> None:
        while len(pairs) < n:
            taken = await _call_retrying(peer, "chat:accept", {}, answers=("queue_empty", "already_taken"))
            if taken["ok"]:
                pairs.append((members[taken["conversation_id"]], peer, taken["conversation_id"]))
            elif taken["error"]["code"] == "queue_empty":
                return

    await asyncio.gather(*(take(peer) for peer in peer_parties))
    assert len(pairs) == n, f"{len(pairs)} of {n} conversations assigned"
    return pairs


async def _call_retrying(party: Party, event: str, data: dict[str, Any], answers: tuple[str, ...] = ()) -> Any:
    """As the pages do: `unavailable` (the server briefly out of database connections) is
    tried again after a pause; any other refusal but `answers` fails the set-up."""
    for attempt in range(RETRIES):
        answer = await party.sio.call(event, data, namespace="/chat", timeout=30)
        if answer["ok"] or answer["error"]["code"] in answers:
            return answer
        assert answer["error"]["code"] == "unavailable" and attempt < RETRIES - 1, answer
        await asyncio.sleep(0.2 * (attempt + 1))
    raise AssertionError(f"{event} kept failing")


async def _send(party: Party, target: str, key: Any, client_id: str, sent_at: dict[str, float]) -> bool:
    sent_at[client_id] = time.perf_counter()
    if target == "bare":
        ack = await party.sio.call("msg", {"room": key, "client_id": client_id}, namespace="/chat", timeout=30)
    else:
        ack = await party.sio.call(
            "message:send",
            {"conversation_id": key, "client_id": client_id, "body": "hello"},
            namespace="/chat",
            timeout=30,
        )
    return bool(ack.get("ok"))


async def relay(
    target: str,
    url: str,
    n: int,
    modes: list[tuple[str, float]],
    peers: list[str] | None = None,
    password: str = "",
    peer_url: str | None = None,
) -> list[Result]:
    """N conversations set up once, then each (mode, seconds) in turn. `human`: each
    conversation exchanges one message a second (senders alternate); `full`: both parties
    send the next message as soon as the last was acknowledged."""
    if target == "bare":
        pairs = await bare_pairs(url, n)
    else:
        pairs = await app_pairs(url, n, peers or [], password, peer_url)
    try:
        return [await _exchange(pairs, target, n, mode, seconds) for mode, seconds in modes]
    finally:
        await asyncio.gather(*(p.sio.disconnect() for a, b, _ in pairs for p in (a, b)), return_exceptions=True)


async def _exchange(pairs: list[tuple[Party, Party, Any]], target: str, n: int, mode: str, seconds: float) -> Result:
    result = Result(target, n, mode)
    sent_at: dict[str, float] = {}
    sender_of: dict[str, Party] = {}
    acked: set[str] = set()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def conversation(index: int, a: Party, b: Party, key: Any) -> None:
        count = 0
        if mode == "human":
            await asyncio.sleep(random.random())  # spread the conversations over the second
        while time.perf_counter() < deadline:
            sender, receiver = (a, b) if count % 2 == 0 else (b, a)
            client_id = f"{mode}-{index}-{count}"
            sender_of[client_id] = receiver
            try:
                ok = await _send(sender, target, key, client_id, sent_at)
                result.sent += 1
                if ok:
                    acked.add(client_id)
                else:
                    result.errors += 1  # refused (e.g. unavailable under overload): not stored
            except Exception:  # a timed-out ack counts against the app
                result.errors += 1
            count += 1
            if mode == "human":
                await asyncio.sleep(1.0)

    await asyncio.gather(*(conversation(i, a, b, key) for i, (a, b, key) in enumerate(pairs)))
    result.seconds = time.perf_counter() - started
    settle = time.perf_counter() + 2.0  # the last deliveries may still be on their way
    while time.perf_counter() < settle and any(c not in sender_of[c].received for c in acked):
        await asyncio.sleep(0.02)
    for client_id, receiver in sender_of.items():
        if client_id in receiver.received and client_id in sent_at:
            result.latencies_ms.append((receiver.received[client_id] - sent_at[client_id]) * 1000)
        elif client_id in acked:
            result.lost += 1
    return result


async def queue_burst(url: str, members: int, peers: list[str], password: str) -> dict[str, Any]:
    """`members` ask at once; the peers accept as fast as they can. Time to assign them all,
    and whether any conversation was assigned twice."""
    parties = []
    for _ in range(members):
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            cookie, csrf = await sign_in(http, url, "/api/v1/members", {})
        party = Party(url, cookie, csrf)
        await party.connect("chat:assigned")
        parties.append(party)
    peer_parties = []
    for username in peers:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            cookie, csrf = await sign_in(http, url, "/api/v1/login", {"username": username, "password": password})
        party = Party(url, cookie, csrf)
        await party.connect("queue:update")
        await party.sio.call("peer:available", {"available": True}, namespace="/chat")
        peer_parties.append(party)
    started = time.perf_counter()
    await asyncio.gather(*(p.sio.call("chat:request", {}, namespace="/chat", timeout=60) for p in parties))
    won: list[int] = []

    async def accept_loop(peer: Party) -> None:
        while len(won) < members:
            taken = await peer.sio.call("chat:accept", {}, namespace="/chat", timeout=60)
            if taken["ok"]:
                won.append(taken["conversation_id"])
            elif taken["error"]["code"] == "queue_empty":
                await asyncio.sleep(0.01)

    await asyncio.gather(*(accept_loop(p) for p in peer_parties))
    elapsed = time.perf_counter() - started
    for party in parties + peer_parties:
        await party.sio.disconnect()
    return {
        "members": members,
        "peers": len(peers),
        "seconds": round(elapsed, 2),
        "assigned": len(won),
        "double_assignments": len(won) - len(set(won)),
    }
