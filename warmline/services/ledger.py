"""The escalation ledger: one chain through escalations, their entries and a checkpoint.

Rows written before the keyed chain (legacy) keep their unkeyed SHA-256 links. The first
keyed row is a checkpoint; from it on every link is an HMAC-SHA256 under a key that lives
outside the database (WARMLINE_LEDGER_KEY or instance/ledger_key), and every row's content
includes its own id and its escalation's id. After each append the head (hash and row
count) is anchored outside the tables it protects: a structured log line and a file, so
`verify` notices a truncated tail. docs/escalation.md says what this does and does not
protect against."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from warmline import clock
from warmline.extensions import db
from warmline.models import Escalation, EscalationCheckpoint, EscalationEntry
from warmline.services.hours import iso

GENESIS = "0" * 64
_LEDGER_LOCK = 731_205  # PostgreSQL advisory lock: one ledger append at a time
log = logging.getLogger("warmline.ledger")
Row = Escalation | EscalationEntry | EscalationCheckpoint


# Content and digests ----------------------------------------------------------------------


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def legacy_digest(payload: dict[str, Any], prev_hash: str) -> str:
    """The unkeyed link of rows written before the checkpoint."""
    return hashlib.sha256((prev_hash + _canonical(payload)).encode()).hexdigest()


def _key() -> bytes:
    return current_app.config["LEDGER_KEY"].encode()


def keyed_digest(payload: dict[str, Any], prev_hash: str) -> str:
    return hmac.new(_key(), (prev_hash + _canonical(payload)).encode(), hashlib.sha256).hexdigest()


def key_id() -> str:
    """Names the key without revealing it, so `verify` can tell a wrong key from tampering."""
    return hmac.new(_key(), b"warmline-ledger-key-id", hashlib.sha256).hexdigest()[:16]


def legacy_content(row: Escalation | EscalationEntry) -> dict[str, Any]:
    """What the unkeyed chain hashed: neither the row's id nor, for an escalation, its own id."""
    if isinstance(row, Escalation):
        return {
            "type": "escalation",
            "seq": row.ledger_seq,
            "conversation_id": row.conversation_id,
            "peer_id": row.peer_id,
            "member_id": row.member_id,
            "risk_level": row.risk_level,
            "action": row.action,
            "consent": row.consent,
            "notes": row.notes,
            "created_at": iso(row.created_at),
        }
    return {
        "type": "entry",
        "seq": row.ledger_seq,
        "escalation_id": row.escalation_id,
        "author_id": row.author_id,
        "kind": row.kind,
        "data": row.data,
        "created_at": iso(row.created_at),
    }


def content(row: Row) -> dict[str, Any]:
    """What the keyed chain hashes: everything stored, with the row's own id (and so an
    escalation's id) so that swapping ids breaks the chain."""
    if isinstance(row, EscalationCheckpoint):
        return {
            "type": "checkpoint",
            "id": row.id,
            "seq": row.ledger_seq,
            "legacy_rows": row.legacy_rows,
            "key_id": row.key_id,
            "created_at": iso(row.created_at),
        }
    return {**legacy_content(row), "id": row.id}


# Appending ---------------------------------------------------------------------------------


def _head() -> tuple[int, str] | None:
    models = (Escalation, EscalationEntry, EscalationCheckpoint)
    ledger = sa.union_all(*(sa.select(m.ledger_seq.label("seq"), m.hash.label("hash")) for m in models)).subquery()
    last = db.session.execute(sa.select(ledger.c.seq, ledger.c.hash).order_by(ledger.c.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else None


def _next_id(model: type[Row]) -> int:
    """The row's id before it is inserted, since its hash covers it (rows are never updated)."""
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence(table.name, "id"))))
    return (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1


def _link(row: Row, seq: int, prev_hash: str) -> None:
    row.id = _next_id(type(row))
    row.ledger_seq, row.prev_hash = seq, prev_hash
    row.created_at = row.created_at or clock.now()
    row.hash = keyed_digest(content(row), prev_hash)


def seal(row: Escalation | EscalationEntry) -> None:
    """Links a new row to the head. Serialised on PostgreSQL by an advisory lock, on SQLite by
    its single writer (and the unique sequence as a backstop). The first keyed append writes
    the checkpoint that ends the legacy chain."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LEDGER_LOCK})
    seq, prev_hash = _head() or (0, GENESIS)
    if db.session.scalar(sa.select(sa.func.count()).select_from(EscalationCheckpoint)) == 0:
        checkpoint = EscalationCheckpoint(legacy_rows=seq, key_id=key_id(), created_at=clock.now())
        _link(checkpoint, seq + 1, prev_hash)
        db.session.add(checkpoint)
        db.session.flush()
        seq, prev_hash = seq + 1, checkpoint.hash
    _link(row, seq + 1, prev_hash)


# Anchors -----------------------------------------------------------------------------------


@dataclass
class Anchor:
    rows: int
    head: str
    at: str = ""


def anchor_path() -> Path:
    configured = current_app.config.get("LEDGER_ANCHOR_PATH")
    if configured:
        return Path(configured)
    # One file per database, so a second database on this machine is not compared with it.
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return Path(current_app.instance_path) / f"ledger_anchor-{hashlib.sha256(url.encode()).hexdigest()[:12]}.json"


def read_anchor() -> Anchor | None:
    try:
        data = json.loads(anchor_path().read_text())
        return Anchor(int(data["rows"]), str(data["head"]), str(data.get("at", "")))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"the ledger anchor {anchor_path()} is unreadable: {exc}") from exc


def record_anchor() -> None:
    """After a commit: the committed head goes to the log and to the anchor file. The file only
    moves forward (two processes may finish out of order); a crash before this line leaves the
    anchor one append behind, which `verify` accepts."""
    head = _head()
    if head is None:
        return
    anchor = Anchor(rows=head[0], head=head[1], at=iso(clock.now()))
    log.info("escalations.anchor", extra={"event": "escalations.anchor", "rows": anchor.rows, "head": anchor.head})
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read_anchor()
        if current is not None and current.rows >= anchor.rows:
            return
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"rows": anchor.rows, "head": anchor.head, "at": anchor.at}))
        os.replace(tmp, path)


# Verifying ---------------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool
    rows: int
    broken_at: int | None = None
    reason: str = ""
    anchored: bool = False
    legacy_rows: int = 0


def _rows() -> list[Row]:
    rows: list[Row] = []
    for model in (Escalation, EscalationEntry, EscalationCheckpoint):
        rows.extend(db.session.scalars(sa.select(model)))
    return sorted(rows, key=lambda r: r.ledger_seq)


def _walk(rows: list[Row]) -> Verification:
    previous, checkpoint = GENESIS, None
    for expected_seq, row in enumerate(rows, start=1):
        seq = row.ledger_seq
        if seq != expected_seq:
            return Verification(False, len(rows), expected_seq, f"row {expected_seq} is missing")
        if row.prev_hash != previous:
            return Verification(False, len(rows), seq, f"row {seq} does not link to row {seq - 1}")
        if isinstance(row, EscalationCheckpoint):
            if checkpoint is not None or row.legacy_rows != seq - 1:
                return Verification(False, len(rows), seq, f"row {seq} is a checkpoint out of place")
            if row.key_id != key_id():
                return Verification(False, len(rows), seq, f"row {seq} was written under another ledger key")
            checkpoint = row
        if checkpoint is not None:
            digest = keyed_digest(content(row), row.prev_hash)
        else:
            digest = legacy_digest(legacy_content(row), row.prev_hash)  # type: ignore[arg-type]
        if not hmac.compare_digest(digest, row.hash):
            return Verification(False, len(rows), seq, f"row {seq} was changed after it was written")
        previous = row.hash
    legacy = checkpoint.legacy_rows if checkpoint is not None else len(rows)
    return Verification(True, len(rows), legacy_rows=legacy)


def verify(anchor: Anchor | None = None) -> Verification:
    """Walks the chain from the first row and reports the first row whose content, link or
    position does not hold; then compares the head with the last anchor (the file, or one
    given, e.g. from the log), which catches rows removed from the end."""
    rows = _rows()
    result = _walk(rows)
    if not result.ok:
        return result
    anchor = anchor or read_anchor()
    if anchor is None:
        return result
    result.anchored = True
    if len(rows) < anchor.rows:
        missing = anchor.rows - len(rows)
        return Verification(
            False,
            len(rows),
            len(rows) + 1,
            f"the last {missing} row(s) are missing: the anchor of {anchor.at or 'an earlier append'} "
            f"recorded {anchor.rows} rows",
            anchored=True,
        )
    if anchor.rows and not hmac.compare_digest(rows[anchor.rows - 1].hash, anchor.head):
        return Verification(
            False, len(rows), anchor.rows, f"row {anchor.rows} is not the one anchored at {anchor.at}", anchored=True
        )
    return result
