"""`make bench`: the chat path, idle connections, the forum thread page and a queue burst,
each against its bare baseline in the same run, on 127.0.0.1 and bounded (every scenario has
a fixed duration or count; servers are stopped at the end). Writes bench/RESULTS.md and
bench/latency.png and prints one line per measurement.

    python -m bench.run                 # SQLite and PostgreSQL (if reachable), the whole plan
    python -m bench.run --quick         # a seconds-long smoke run (the test suite runs this)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import idle, pages, report, scenarios  # noqa: E402
from tests.servers import LiveServer  # noqa: E402
from tests.support import free_port  # noqa: E402

PASSWORD = "bench-password-123"
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
APP_ENV = {"RATELIMIT_ENABLED": "false", "WARMLINE_CHAT_UNANSWERED": "3600"}
GUNICORN = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"]
IDLE_PING = 3  # seconds: the idle scenario's heartbeats (interval and timeout)


@dataclass(frozen=True)
class Plan:
    sizes: list[int]
    human_seconds: float
    full_seconds: float
    burst: int
    thread_sizes: tuple[int, int]
    page_seconds: float
    readers: int
    idle_steps: list[int]
    idle_hold: float
    scaled_sizes: list[int]
    risk_texts: int = 500  # texts of each length the risk detector scores


FULL = Plan([10, 100, 500], 8, 3, 200, (10, 1000), 5, 8, [1000, 2000, 3000], 2.5 * IDLE_PING, [100, 500])
QUICK = Plan([3], 2, 1, 10, (10, 40), 1, 2, [20], 1, [3], risk_texts=20)


def prepare(url: str, peers: int) -> list[str]:
    """Schema by the migrations, peers on shift for the next hours with room for many chats."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "live-server-secret"}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    from warmline import create_app
    from warmline.extensions import db
    from warmline.services import accounts, roster

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    names = [f"benchpeer{i}" for i in range(peers)]
    with app.app_context():
        now = datetime.now(UTC)
        for name in names:
            user = accounts.create_staff(name, PASSWORD, ["peer"])
            user.chat_capacity = 1000
            db.session.commit()
            roster.create_shift(None, user.id, "peer", now - timedelta(minutes=5), now + timedelta(hours=3))
        db.engine.dispose()
    return names


def reset_postgres(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def fresh_database(db_name: str) -> Iterator[str | None]:
    """A new, migrated database with the bench peers: a SQLite file, or PostgreSQL reset
    (None when PostgreSQL is not reachable)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db" if db_name == "sqlite" else PG_URL
        if db_name == "postgresql" and not reset_postgres(url):
            print(f"bench: PostgreSQL not reachable at {url}; skipped", flush=True)
            yield None
            return
        yield url


class Baseline:
    """A bare server in a subprocess on a free port (`bench/<script> PORT ARGS...`)."""

    def __init__(self, script: str, *args: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = [sys.executable, str(ROOT / "bench" / script), str(self.port), *map(str, args)]

    def __enter__(self) -> Baseline:
        self.process = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)  # polling for the port, bounded by the deadline
        self.__exit__()
        raise RuntimeError(f"{self.argv[1]} did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class Run:
    """One benchmark run: the rows so far, saved after every measurement (a run cut short
    keeps what it measured)."""

    def __init__(self, plan: Plan, save: Callable[[dict[str, list[dict[str, Any]]]], None]) -> None:
        self.plan = plan
        self.rows: dict[str, list[dict[str, Any]]] = {key: [] for key, *_ in report.SECTIONS}
        self._save = save

    def add(self, section: str, row: dict[str, Any]) -> None:
        self.rows[section].append(row)
        self._save(self.rows)
        print(f"{section}: " + ", ".join(f"{k} {v}" for k, v in row.items()), flush=True)

    def relay(self, target: str, url: str, n: int, modes: list[str], peers: list[str], **where: Any) -> None:
        seconds = {"human": self.plan.human_seconds, "full": self.plan.full_seconds}
        results = asyncio.run(
            scenarios.relay(
                target, url, n, [(m, seconds[m]) for m in modes], peers, PASSWORD, where.pop("peer_url", None)
            )
        )
        for result in results:
            self.add("relay", result.row() | {"db": "-", "processes": 1, "server": "gevent pywsgi"} | where)


def chat_and_pages(run: Run, bare: Baseline, db_name: str, server: str) -> int | None:
    """Scenarios 1, 3 and 4 on one database; returns the thread page's size in bytes."""
    plan = run.plan
    with fresh_database(db_name) as url:
        if url is None:
            return None
        peers = prepare(url, 10)
        command = GUNICORN if server == "gunicorn" else None
        label = "gunicorn gevent" if server == "gunicorn" else "gevent pywsgi"
        with LiveServer(url, command, **APP_ENV) as app:
            for n in plan.sizes:
                run.relay("bare", bare.url, n, ["human", "full"], peers)
                with app.dumped_on_failure():
                    run.relay("app", app.url, n, ["human", "full"], peers, db=db_name, server=label)
            if server == "gunicorn":
                return None
            burst = asyncio.run(scenarios.queue_burst(app.url, plan.burst, peers[:5], PASSWORD))
            run.add("burst", {"db": db_name, **burst})
            threads = pages.seed_threads(url, plan.thread_sizes)
            for posts, count in pages.statements_per_page(url, threads).items():
                run.add("statements", {"db": db_name, "posts": posts, "statements": count})
            big = plan.thread_sizes[-1]
            cookie = asyncio.run(pages.member_cookie(app.url))
            path = f"/threads/{threads[big]}"
            size = asyncio.run(pages.page_size(app.url, path, cookie))
            measured = asyncio.run(pages.hammer(app.url, path, plan.page_seconds, plan.readers, cookie))
            run.add(
                "pages",
                {"target": "app", "db": db_name, "posts": big, "readers": plan.readers, "bytes": size} | measured,
            )
            return size


def bare_page(run: Run, size: int) -> None:
    with Baseline("bare_page.py", size) as bare:
        got = asyncio.run(pages.page_size(bare.url, "/thread"))
        measured = asyncio.run(pages.hammer(bare.url, "/thread", run.plan.page_seconds, run.plan.readers))
        run.add(
            "pages", {"target": "bare", "db": "-", "posts": 25, "readers": run.plan.readers, "bytes": got} | measured
        )


def two_processes(run: Run, bare: Baseline) -> None:
    """Scenario 1 across two processes sharing PostgreSQL and Redis."""
    if not redis_reachable(REDIS_URL):
        print(f"bench: Redis not reachable at {REDIS_URL}; two-process runs skipped", flush=True)
        return
    with fresh_database("postgresql") as url:
        if url is None:
            return
        peers = prepare(url, 10)
        shared = {**APP_ENV, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL}
        with LiveServer(url, **shared) as members_side, LiveServer(url, **shared) as peers_side:
            for n in run.plan.scaled_sizes:
                run.relay("bare", bare.url, n, ["human"], peers)
                run.relay(
                    "app",
                    members_side.url,
                    n,
                    ["human"],
                    peers,
                    db="postgresql",
                    processes=2,
                    peer_url=peers_side.url,
                )


def idle_connections(run: Run) -> None:
    ping = {"WARMLINE_SOCKET_PING_INTERVAL": str(IDLE_PING), "WARMLINE_SOCKET_PING_TIMEOUT": str(IDLE_PING)}
    with Baseline("bare_relay.py", IDLE_PING, IDLE_PING) as bare:
        for row in asyncio.run(idle.idle("bare", bare.url, bare.process.pid, run.plan.idle_steps, run.plan.idle_hold)):
            run.add("idle", row)
    with fresh_database("sqlite") as url:
        assert url is not None
        peers = prepare(url, 1)
        with LiveServer(url, **APP_ENV, **ping) as app:
            assert app.process is not None
            rows = asyncio.run(
                idle.idle("app", app.url, app.process.pid, run.plan.idle_steps, run.plan.idle_hold, peers, PASSWORD)
            )
            for row in rows:
                run.add("idle", row)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    parser.add_argument("--out", default=str(ROOT / "bench"))
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plan = QUICK if args.quick else FULL
    run = Run(plan, lambda rows: report.write(rows, out, args.quick))
    started = time.monotonic()
    with Baseline("bare_relay.py") as bare:
        sizes = [chat_and_pages(run, bare, db_name, "pywsgi") for db_name in databases]
        page = next((s for s in sizes if s), None)
        if page:
            bare_page(run, page)
        # The production server candidates side by side: gunicorn's gevent worker.
        saved, run.plan = run.plan, Plan(**{**plan.__dict__, "sizes": plan.sizes[1:2] or plan.sizes})
        chat_and_pages(run, bare, databases[0], "gunicorn")
        run.plan = saved
        if "postgresql" in databases:
            two_processes(run, bare)
    idle_connections(run)
    # In a process of its own, so its memory figures are the model's.
    risk = [sys.executable, "-m", "bench.risk", "--count", str(plan.risk_texts)]
    report.risk_section(out, subprocess.run(risk, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    print(f"bench: wrote {out / 'RESULTS.md'} and {out / 'latency.png'} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
