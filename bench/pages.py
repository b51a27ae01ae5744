"""Scenario 3, the forum thread page: a thread of 1,000 posts (page 1 shows 25), read by a
signed-in member as fast as C readers can, against a bare Flask route rendering a page of the
same size; and the SQL statements one page costs at 10 and at 1,000 posts."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import sqlalchemy as sa

from bench.load import percentile, sign_in

BODY = "Thank you for sharing this. What helped me was a walk every morning and **one** call a day."


def seed_threads(url: str, sizes: tuple[int, ...]) -> dict[int, int]:
    """A thread per size, written through the forum service (rendered and sanitised once, as
    members' posts are); returns {posts: thread_id}."""
    from warmline import create_app
    from warmline.extensions import db
    from warmline.services import accounts, forum, forums

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "FORUM_NEW_MEMBER_HOLD": 0})
    threads = {}
    with app.app_context():
        forums.create_forum("bench", "Benchmark forum")
        author, _code = accounts.create_member()
        db.session.commit()
        for size in sizes:
            thread = forum.start_thread(author, "bench", f"A thread of {size} posts", BODY, None).thread
            for i in range(size - 1):
                forum.reply(author, thread.id, f"{BODY} ({i})")
            threads[size] = thread.id
        db.engine.dispose()
    return threads


def statements_per_page(url: str, thread_ids: dict[int, int]) -> dict[int, int]:
    """SQL statements for GET /threads/<id> (page 1) by a signed-in member, per thread size."""
    from tests.support import Api
    from warmline import create_app
    from warmline.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    reader = Api(app.test_client())
    reader.join()
    counts = {}
    with app.app_context():
        engine = db.engine
    for size, thread_id in thread_ids.items():
        count = 0

        def counter(*_args: Any, **_kwargs: Any) -> None:
            nonlocal count
            count += 1

        assert reader.client.get(f"/threads/{thread_id}").status_code == 200  # warm
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            assert reader.client.get(f"/threads/{thread_id}").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)
        counts[size] = count
    engine.dispose()
    return counts


async def page_size(url: str, path: str, cookie: str | None = None) -> int:
    async with aiohttp.ClientSession() as http, http.get(url + path, headers=_headers(cookie)) as response:
        assert response.status == 200, response.status
        return len(await response.read())


def _headers(cookie: str | None) -> dict[str, str]:
    return {"Cookie": cookie} if cookie else {}


async def member_cookie(url: str) -> str:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        cookie, _csrf = await sign_in(http, url, "/api/v1/members", {})
    return cookie


async def hammer(url: str, path: str, seconds: float, readers: int, cookie: str | None = None) -> dict[str, Any]:
    """`readers` clients each requesting `path` back to back for `seconds`: requests per
    second and latency percentiles (ms)."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    # A connection per request, as nginx makes to its upstream by default; kept-alive
    # connections to gevent's server also stall on Nagle's algorithm (40 ms delayed ACKs).
    connector = aiohttp.TCPConnector(limit=readers, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def reader() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    async with http.get(url + path, headers=_headers(cookie)) as response:
                        await response.read()
                        ok = response.status == 200
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(reader() for _ in range(readers)))
        elapsed = time.perf_counter() - started
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50": round(percentile(latencies, 50), 1),
        "p99": round(percentile(latencies, 99), 1),
        "requests": len(latencies),
        "errors": errors,
    }
