"""Report timings: a month of conversations (default 5,000, with 50,000 messages, notes,
surveys, escalations, shifts and availability) on SQLite and PostgreSQL; each report call
timed on the warm database. `python -m bench.reports [--db sqlite|postgresql] [--quick]`.

Prints a Markdown table; its figures go into bench/RESULTS.md (Findings) by hand."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import PG_URL, reset_postgres  # noqa: E402

MONTH_START = datetime(2026, 11, 1, 4, tzinfo=UTC)  # local midnight, New York
MONTH_SECONDS = 30 * 86400


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret"}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def at(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def seed(conversations: int, messages_total: int, peers: int = 12) -> None:
    """Bulk rows through Core (the ORM would take minutes and measure nothing useful)."""
    from warmline.extensions import db
    from warmline.models import (
        AvailabilityInterval,
        ContactCode,
        ContactNote,
        ContactNoteCode,
        Conversation,
        Escalation,
        Message,
        Shift,
        Survey,
        UnmetRequest,
        User,
    )

    rng = random.Random(15)
    conn = db.session.connection()
    users = [{"handle": f"p{i}", "handle_key": f"p{i}", "username": f"benchpeer{i}"} for i in range(peers)]
    users += [{"handle": f"m{i}", "handle_key": f"m{i}", "username": None} for i in range(conversations // 3)]
    conn.execute(sa.insert(User.__table__), users)
    peer_ids = list(range(1, peers + 1))
    member_ids = list(range(peers + 1, peers + 1 + conversations // 3))
    shifts, intervals = [], []
    for day in range(30):
        for peer in peer_ids:
            start = MONTH_START + timedelta(days=day, hours=rng.choice((9, 13, 17)))
            shifts.append({"user_id": peer, "role": "peer", "starts_at": at(start), "ends_at": at(start + timedelta(hours=4)), "note": "", "created_at": at(start)})  # fmt: skip
            intervals.append({"user_id": peer, "started_at": at(start + timedelta(minutes=5)), "ended_at": at(start + timedelta(hours=3, minutes=50))})  # fmt: skip
    conn.execute(sa.insert(Shift.__table__), shifts)
    conn.execute(sa.insert(AvailabilityInterval.__table__), intervals)
    conn.execute(
        sa.insert(ContactCode.__table__),
        [
            {"kind": k, "label": f"{k} {i}", "created_at": at(MONTH_START)}
            for k in ("topic", "referral")
            for i in range(8)
        ],
    )
    rows, messages, notes, codes, surveys, escalations = [], [], [], [], [], []
    answers = [rng.random() < 0.8 for _ in range(conversations)]
    per_answer, extra = divmod(messages_total, max(1, sum(answers)))
    for cid in range(1, conversations + 1):
        requested = MONTH_START + timedelta(seconds=rng.randrange(MONTH_SECONDS))
        answered = answers[cid - 1]
        messages_each = per_answer + (1 if extra > 0 and answered else 0)
        extra -= 1 if answered else 0
        wait = rng.expovariate(1 / 45)
        length = rng.uniform(300, 2400)
        peer = rng.choice(peer_ids)
        assigned = requested + timedelta(seconds=wait) if answered else None
        ended = assigned + timedelta(seconds=length) if answered else requested + timedelta(seconds=wait)
        rows.append({"id": cid, "member_id": rng.choice(member_ids), "peer_id": peer if answered else None, "status": "ended", "topic": "", "risk": "none", "risk_rank": 0, "intake_danger": False, "front_of_queue": False, "requested_at": at(requested), "queued_at": at(requested), "first_assigned_at": at(assigned) if assigned else None, "assigned_at": at(assigned) if assigned else None, "peer_replied_at": at(assigned + timedelta(seconds=20)) if assigned else None, "ended_at": at(ended), "end_reason": "member_ended", "last_seq": messages_each if answered else 0, "retain": False})  # fmt: skip
        if answered:
            for seq in range(1, messages_each + 1):
                messages.append({"conversation_id": cid, "seq": seq, "client_id": str(seq), "sender_id": peer if seq % 2 == 0 else None, "sender_role": "peer" if seq % 2 == 0 else "member", "body": "a message of ordinary length, neither short nor long", "sent_at": at(assigned + timedelta(seconds=15 * seq))})  # fmt: skip
            notes.append({"conversation_id": cid, "peer_id": peer, "topics": "", "referral": "", "note": "", "distress_start": rng.randrange(3, 9), "distress_end": rng.randrange(1, 7), "created_at": at(ended)})  # fmt: skip
            codes.append({"conversation_id": cid, "peer_id": peer, "code_id": rng.randrange(1, 9)})
            if rng.random() < 0.3:
                surveys.append({"conversation_id": cid, "helped": rng.choice(("yes", "somewhat", "no")), "felt_heard": rng.random() < 0.8, "would_otherwise": rng.choice(("er", "988", "nothing", None)), "comment": "", "comment_risk": "none", "answered_at": at(ended)})  # fmt: skip
            if rng.random() < 0.02:
                n = len(escalations) + 1
                escalations.append({"ledger_seq": n, "conversation_id": cid, "peer_id": peer, "risk_level": "moderate", "action": "safety_plan", "notes": "", "created_at": at(ended), "prev_hash": "0" * 64, "hash": f"{n:064d}"})  # fmt: skip
    for table, batch in (
        (Conversation, rows),
        (Message, messages),
        (ContactNote, notes),
        (ContactNoteCode, codes),
        (Survey, surveys),
        (Escalation, escalations),
    ):
        for i in range(0, len(batch), 5000):
            conn.execute(sa.insert(table.__table__), batch[i : i + 5000])
    conn.execute(
        sa.insert(UnmetRequest.__table__),
        [{"requested_at": at(MONTH_START + timedelta(seconds=rng.randrange(MONTH_SECONDS)))} for _ in range(300)],
    )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("ANALYZE"))
    print(f"  seeded {len(rows)} conversations, {len(messages)} messages", flush=True)


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """(median wall ms, max wall ms, median CPU ms of this process). On a shared machine the
    wall time includes waiting for a core; SQLite's work is all in this process's CPU time."""
    call()  # warm: statement cache, pages in memory
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), max(walls), statistics.median(cpus)


def calls() -> list[tuple[str, Callable[[], Any]]]:
    from warmline.services import reports
    from warmline.services.reports.contacts import ContactsReport
    from warmline.services.reports.forums import ForumReport
    from warmline.services.reports.notes import NotesReport
    from warmline.services.reports.staffing import StaffingReport

    month = reports.make_range("2026-11-01", "2026-12-01")
    contacts = ContactsReport(month)
    return [
        ("contacts (the contract call)", lambda: reports.contacts(month)),
        ("  headline summary", contacts.summary),
        ("  by hour and weekday", contacts.by_hour),
        ("  p90 speed to answer", contacts.speed_to_answer_p90),
        ("by day", lambda: contacts.by_period("day")),
        ("by month", lambda: contacts.by_period("month")),
        ("by peer", contacts.by_peer),
        ("notes (topics, referrals, distress)", lambda: (NotesReport(contacts.facts).summary(), NotesReport(contacts.facts).by_code())),
        ("staffing", StaffingReport(month).summary),
        ("forums", ForumReport(month).summary),
        ("programme (the whole /reports page)", lambda: reports.programme(month, with_peers=True)),
        ("contacts.csv", lambda: reports.contacts_csv(month)),
    ]  # fmt: skip


def run(
    db_name: str, conversations: int, messages_total: int, repeat: int, keep: str | None = None
) -> list[tuple[str, str, float, float, float]]:
    from warmline import create_app
    from warmline.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{keep or tmp + '/bench.db'}" if db_name == "sqlite" else PG_URL
        if db_name == "postgresql" and not reset_postgres(url):
            print(f"bench.reports: PostgreSQL not reachable at {url}; skipped", flush=True)
            return []
        migrate(url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            print(f"{db_name}:", flush=True)
            seed(conversations, messages_total)
            found = [(db_name, name, *timed(call, repeat)) for name, call in calls()]
            db.session.remove()
            db.engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=50000, help="messages in all")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", help="SQLite: build the database at this path and keep it")
    parser.add_argument("--quick", action="store_true", help="a few rows, once: checks the benchmark runs")
    args = parser.parse_args()
    if args.quick:
        args.conversations, args.messages, args.repeat = 60, 200, 1
    rows = []
    for db_name in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        rows += run(db_name, args.conversations, args.messages, args.repeat, args.keep)
    print(f"\n{args.conversations} conversations, {args.messages} messages; "
          f"median and max of {args.repeat} warm runs, ms\n")  # fmt: skip
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores\n")
    print("| db | call | median ms | max ms | CPU ms (this process) |\n|---|---|---|---|---|")
    for db_name, name, median, peak, cpu in rows:
        print(f"| {db_name} | {name.strip()} | {median:.1f} | {peak:.1f} | {cpu:.1f} |")


if __name__ == "__main__":
    main()
