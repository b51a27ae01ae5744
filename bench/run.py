"""`make bench`: the chat path against the bare stack in the same run, on 127.0.0.1, bounded
(every scenario has a fixed duration; servers are stopped at the end). Writes
bench/RESULTS.md and bench/latency.png and prints one line per scenario.

    python -m bench.run                 # SQLite and PostgreSQL (if reachable), N = 10, 100, 500
    python -m bench.run --quick         # a seconds-long smoke run (the test suite runs this)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scenarios  # noqa: E402
from tests.servers import LiveServer  # noqa: E402
from tests.support import free_port  # noqa: E402

PASSWORD = "bench-password-123"
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def prepare(url: str, peers: int) -> list[str]:
    """Schema by the migrations, peers on shift for the next hour with room for many chats."""
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


class BareRelay:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BareRelay:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bare_relay.py"), str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import socket

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("bare relay did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def run(
    sizes: list[int],
    seconds: float,
    full_seconds: float,
    databases: list[str],
    burst: int,
    save: Callable[[dict], None],
) -> dict:
    """Runs the scenarios; `save` is called after each one, so a run cut short keeps its rows."""
    rows: list[dict] = []
    bursts: list[dict] = []
    with BareRelay() as bare:
        for db_name in databases:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/bench.db" if db_name == "sqlite" else PG_URL
                if db_name == "postgresql" and not reset_postgres(url):
                    print(f"bench: PostgreSQL not reachable at {url}; skipped")
                    continue
                peers = prepare(url, 10)
                with LiveServer(url, RATELIMIT_ENABLED="false", WARMLINE_CHAT_UNANSWERED="3600") as app:
                    for n in sizes:
                        for target, target_url in (("bare", bare.url), ("app", app.url)):
                            for mode, duration in (("human", seconds), ("full", full_seconds)):
                                result = asyncio.run(
                                    scenarios.relay(target, target_url, n, mode, duration, peers, PASSWORD)
                                )
                                row = {**result.row(), "db": db_name if target == "app" else "-"}
                                rows.append(row)
                                save({"relay": rows, "burst": bursts})
                                print(
                                    f"relay {target:4} {row['db']:10} N={n:<4} {mode:5}: p50 {row['p50']} ms, "
                                    f"p99 {row['p99']} ms, {row['msgs_per_s']} msg/s, lost {row['lost']}, errors {row['errors']}",
                                    flush=True,
                                )
                    result = asyncio.run(scenarios.queue_burst(app.url, burst, peers[:5], PASSWORD))
                    result["db"] = db_name
                    bursts.append(result)
                    save({"relay": rows, "burst": bursts})
                    print(f"burst {db_name}: {result}", flush=True)
    return {"relay": rows, "burst": bursts}


def write_results(results: dict, out: Path, quick: bool) -> None:
    machine = f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}; load generator (python-socketio",
        "AsyncClients in one asyncio loop) on the same cores, everything on 127.0.0.1. App: `python wsgi.py`",
        "under gevent (production's async mode) with real sign-in, real events and a commit per message;",
        "bare: python-socketio relay under gevent (`bench/bare_relay.py`). One-way latency is send to the",
        "other party's receipt. `human`: one message a second per conversation; `full`: each party sends",
        "the next message as soon as the last was acknowledged."
        + (" **Quick smoke run: not a measurement.**" if quick else ""),
        "",
        "## Chat relay",
        "",
        "`lost`: acknowledged as stored but never delivered (must be 0); `errors`: sends the server",
        "refused or did not answer in 30 s (nothing stored, the client keeps and resends them).",
        "",
        "| target | db | conversations | mode | p50 ms | p95 ms | p99 ms | msg/s | sent | lost | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["relay"]:
        lines.append(
            f"| {r['target']} | {r['db']} | {r['conversations']} | {r['mode']} | {r['p50']} | {r['p95']} | "
            f"{r['p99']} | {r['msgs_per_s']} | {r['sent']} | {r['lost']} | {r['errors']} |"
        )
    lines += [
        "",
        "## Queue burst",
        "",
        "| db | members | peers | seconds to assign all | assigned | double assignments |",
        "|---|---|---|---|---|---|",
    ]
    for b in results["burst"]:
        lines.append(
            f"| {b['db']} | {b['members']} | {b['peers']} | {b['seconds']} | {b['assigned']} | {b['double_assignments']} |"
        )
    # A hand-written "## Findings" section (choices, profiles, before/after) survives re-runs.
    previous = (out / "RESULTS.md").read_text() if (out / "RESULTS.md").exists() else ""
    findings = previous[previous.index("## Findings") :] if "## Findings" in previous else ""
    (out / "RESULTS.md").write_text("\n".join(lines) + "\n" + ("\n" + findings if findings else ""))
    plot(results["relay"], out / "latency.png")


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    series: dict[str, list[tuple[int, float, float]]] = {}
    for r in rows:
        if r["mode"] != "human":
            continue
        series.setdefault(f"{r['target']} ({r['db']})" if r["target"] == "app" else "bare", []).append(
            (r["conversations"], r["p50"], r["p99"])
        )
    for label, points in series.items():
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=f"{label} p50")
        ax.plot([p[0] for p in points], [p[2] for p in points], marker="x", linestyle="--", label=f"{label} p99")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("concurrent conversations (1 msg/s each)")
    ax.set_ylabel("one-way latency, ms")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    parser.add_argument("--out", default=str(ROOT / "bench"))
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def save(results: dict) -> None:
        write_results(results, out, args.quick)

    if args.quick:
        run([3], 2, 1, databases, burst=10, save=save)
    else:
        run([10, 100, 500], 10, 4, databases, burst=200, save=save)
    print(f"bench: wrote {out / 'RESULTS.md'} and {out / 'latency.png'}")


if __name__ == "__main__":
    main()
