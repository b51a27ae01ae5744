"""bench/RESULTS.md (a table per scenario) and bench/latency.png from one run's rows. A
hand-written "## Findings" section in the existing file is kept."""

from __future__ import annotations

import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SECTIONS: list[tuple[str, str, list[str], str]] = [
    (
        "relay",
        "Scenario 1: chat relay",
        [
            "target",
            "db",
            "processes",
            "server",
            "conversations",
            "mode",
            "p50",
            "p95",
            "p99",
            "msgs_per_s",
            "sent",
            "lost",
            "errors",
        ],
        "One-way latency (ms) from send to the other party's `message:new`. `human`: one message a second per "
        "conversation; `full`: each party sends the next as soon as the last was acknowledged. `lost`: acknowledged "
        "as stored but never delivered (must be 0); `errors`: sends refused or unanswered in 30 s (not stored; a "
        "real client keeps and resends them). Two processes: members on one, peers on the other, PostgreSQL and "
        "Redis shared.",
    ),
    (
        "idle",
        "Scenario 2: idle connections",
        ["target", "clients", "connected", "failed", "probe_p50", "probe_max", "rss_mb", "held"],
        "Signed-in members (bare: plain clients) connected to one process with pings every 3 s; after several "
        "heartbeats, how many are still connected, and one probe conversation's 10 messages (ms). `held`: all "
        "connected and every probe message delivered within 1 s.",
    ),
    (
        "pages",
        "Scenario 3: forum thread page",
        ["target", "db", "posts", "readers", "bytes", "rps", "p50", "p99", "requests", "errors"],
        "Page 1 (25 posts) of a thread, read by a signed-in member, readers requesting back to back; bare: a Flask "
        "route rendering a template of the same size under the same server. Latency in ms.",
    ),
    (
        "statements",
        "Scenario 3: SQL statements per thread page",
        ["db", "posts", "statements"],
        "`GET /threads/<id>`, page 1, signed in.",
    ),
    (
        "burst",
        "Scenario 4: queue burst",
        ["db", "members", "peers", "seconds", "assigned", "double_assignments"],
        "Members ask at once; peers accept as fast as they can. Seconds until all are assigned.",
    ),
]


def write(results: dict[str, list[dict[str, Any]]], out: Path, quick: bool) -> None:
    machine = f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` on {machine}. The load generator",
        "(python-socketio and aiohttp clients in one asyncio loop) shares the same 2 cores; everything is on",
        "127.0.0.1. App: `python wsgi.py` under gevent unless the `server` column says gunicorn; real sign-in,",
        "real events, a commit per message. Bare baselines run in the same run under the same server.",
    ]
    if quick:
        lines += ["", "**Quick smoke run: not a measurement.**"]
    for key, title, columns, intro in SECTIONS:
        rows = results.get(key, [])
        if not rows:
            continue
        lines += ["", f"## {title}", "", intro, "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    previous = (out / "RESULTS.md").read_text() if (out / "RESULTS.md").exists() else ""
    findings = previous[previous.index("## Findings") :] if "## Findings" in previous else ""
    (out / "RESULTS.md").write_text("\n".join(lines) + "\n" + ("\n" + findings if findings else ""))
    plot(results, out / "latency.png")


RISK_TITLE = "## Risk detector: scoring cost (bench/risk.py)"


def risk_section(out: Path, section: str) -> None:
    """Puts bench/risk.py's section in RESULTS.md: in place of its last one (up to its memory
    line; the findings written under it stay), or at the end."""
    path = out / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    if RISK_TITLE in text:
        start = text.index(RISK_TITLE)
        end = text.index("\n", text.index("\nResident memory:", start) + 1) + 1
        text = text[:start] + section + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def plot(results: dict[str, list[dict[str, Any]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (relay_ax, idle_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    series: dict[str, dict[int, list[tuple[float, float]]]] = {}
    for r in results.get("relay", []):
        if r["mode"] != "human":
            continue
        label = "bare" if r["target"] == "bare" else f"app {r['db']}, {r['processes']} proc, {r['server']}"
        series.setdefault(label, {}).setdefault(r["conversations"], []).append((r["p50"], r["p99"]))
    for label, by_size in series.items():
        # The bare relay runs beside every app configuration: its median run per size.
        xs = sorted(by_size)
        p50 = [statistics.median(p for p, _ in by_size[x]) for x in xs]
        p99 = [statistics.median(p for _, p in by_size[x]) for x in xs]
        (line,) = relay_ax.plot(xs, p50, marker="o", label=f"{label} p50")
        relay_ax.plot(xs, p99, marker="x", linestyle="--", color=line.get_color(), label="p99")
    relay_ax.set(xscale="log", yscale="log", xlabel="concurrent conversations (1 msg/s each)", ylabel="one-way ms")
    relay_ax.set_title("chat relay: app vs bare relay")
    relay_ax.legend(fontsize=6)
    relay_ax.grid(True, which="both", alpha=0.3)
    for target in ("bare", "app"):
        rows = [r for r in results.get("idle", []) if r["target"] == target]
        if rows:
            idle_ax.plot([r["clients"] for r in rows], [r["probe_max"] for r in rows], marker="o", label=target)
    idle_ax.set(xlabel="idle connected clients", ylabel="probe message, max ms", yscale="log")
    idle_ax.set_title("idle connections: delivery while holding them")
    if idle_ax.get_legend_handles_labels()[0]:
        idle_ax.legend(fontsize=7)
    idle_ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
