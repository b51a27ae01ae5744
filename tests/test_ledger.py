"""The escalation ledger against someone with write access to the database: a keyed chain
that starts at a checkpoint after the legacy rows, ids in what is hashed, and an anchor of
the head outside the tables (log and file) that catches a truncated tail."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tests.test_escalations import escalate, scene  # noqa: F401  (the fixture)
from warmline import clock
from warmline.extensions import db
from warmline.models import Escalation, EscalationCheckpoint, EscalationEntry
from warmline.services import escalations, ledger

TABLES = {
    Escalation: "escalations",
    EscalationEntry: "escalation_entries",
    EscalationCheckpoint: "escalation_checkpoints",
}


def tamper(app, *statements: tuple[str, dict[str, Any]] | str) -> None:
    """Raw SQL past the append-only triggers and foreign keys, as a database owner could."""
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            else:
                triggers = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
                for name in list(triggers):
                    conn.execute(sa.text(f"DROP TRIGGER {name}"))
                conn.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
            for statement in statements:
                sql, params = (statement, {}) if isinstance(statement, str) else statement
                conn.execute(sa.text(sql), params)


def rehash_everything(app, digest: Callable[[Any, str], str], *, drop_checkpoint: bool = False) -> None:
    """An attacker recomputes every link with an algorithm they know (no key)."""
    with app.app_context():
        rows = ledger._rows()
        if drop_checkpoint:
            rows = [r for r in rows if not isinstance(r, EscalationCheckpoint)]
        statements: list[Any] = []
        if drop_checkpoint:
            statements.append("DELETE FROM escalation_checkpoints")
        previous = ledger.GENESIS
        for seq, row in enumerate(rows, start=1):
            row.ledger_seq = seq
            new_hash = digest(row, previous)
            statements.append(
                (
                    f"UPDATE {TABLES[type(row)]} SET ledger_seq = :seq, prev_hash = :prev, hash = :hash WHERE id = :id",
                    {"seq": seq, "prev": previous, "hash": new_hash, "id": row.id},
                )
            )
            previous = new_hash
        db.session.rollback()
    tamper(app, *statements)


def verify(app) -> ledger.Verification:
    with app.app_context():
        return escalations.verify()


def closed_and_open(scene):  # noqa: F811
    """Two escalations of one conversation: the first closed by the coordinator, the second open."""
    first = escalate(scene, risk_level="moderate", action="safety_plan")["escalation_id"]
    second = escalate(scene, risk_level="moderate", action="safety_plan", notes="second call")["escalation_id"]
    answer = scene["coordinator_api"].post(f"/api/v1/escalations/{first}/followups", {"kind": "closed"})
    assert answer.status_code == 201
    return first, second


def test_the_keyed_chain_starts_at_a_checkpoint_and_needs_the_key(app, scene):  # noqa: F811
    first, _second = closed_and_open(scene)
    with app.app_context():
        rows = ledger._rows()
        assert [type(r).__name__ for r in rows] == [
            "EscalationCheckpoint",
            "Escalation",
            "Escalation",
            "EscalationEntry",
        ]
        checkpoint, escalation = rows[0], rows[1]
        assert checkpoint.legacy_rows == 0 and checkpoint.prev_hash == ledger.GENESIS
        assert escalation.id == first and escalation.prev_hash == checkpoint.hash
        # Keyed: the plain SHA-256 of what is hashed is not the stored link.
        plain = hashlib.sha256((escalation.prev_hash + ledger._canonical(ledger.content(escalation))).encode())
        assert plain.hexdigest() != escalation.hash
        result = escalations.verify()
        assert result.ok and result.rows == 4 and result.anchored
    app.config["LEDGER_KEY"] = "another key"
    result = verify(app)
    assert not result.ok and result.broken_at == 1 and "another ledger key" in result.reason


def test_rows_written_before_the_key_keep_their_hashes(app, scene):  # noqa: F811
    """A database from before the keyed chain: its rows verify as they were, and the first
    new append writes the checkpoint after them."""
    with app.app_context():
        conversation_id = scene["conversation_id"]
        from warmline.models import Conversation

        conversation = db.session.get(Conversation, conversation_id)
        old = Escalation(
            conversation_id=conversation_id,
            peer_id=conversation.peer_id,
            member_id=conversation.member_id,
            risk_level="low",
            action="other",
            notes="written by the old release",
            created_at=clock.now(),
            ledger_seq=1,
            prev_hash=ledger.GENESIS,
        )
        old.hash = ledger.legacy_digest(ledger.legacy_content(old), ledger.GENESIS)
        db.session.add(old)
        db.session.flush()
        note = EscalationEntry(
            escalation_id=old.id, kind="note", data={"note": "n"}, created_at=clock.now(), ledger_seq=2
        )
        note.prev_hash = old.hash
        note.hash = ledger.legacy_digest(ledger.legacy_content(note), old.hash)
        db.session.add(note)
        db.session.commit()
        legacy_hashes = [old.hash, note.hash]
        result = escalations.verify()
        assert result.ok and result.legacy_rows == 2 and not result.anchored
    escalate(scene)
    with app.app_context():
        rows = ledger._rows()
        assert [r.hash for r in rows[:2]] == legacy_hashes
        assert isinstance(rows[2], EscalationCheckpoint) and rows[2].legacy_rows == 2
        assert rows[2].prev_hash == legacy_hashes[1] and rows[3].prev_hash == rows[2].hash
        result = escalations.verify()
        assert result.ok and result.rows == 4 and result.legacy_rows == 2 and result.anchored


def test_deleting_the_last_rows_is_caught_by_the_anchor(app, scene, runner, caplog):  # noqa: F811
    caplog.set_level(logging.INFO, logger="warmline.ledger")
    first, _second = closed_and_open(scene)
    anchors = [r for r in caplog.records if r.getMessage() == "escalations.anchor"]
    assert [a.rows for a in anchors] == [2, 3, 4]  # one per append; the checkpoint came with the first
    with app.app_context():
        assert json.loads(ledger.anchor_path().read_text())["rows"] == 4
    # The closed entry and the second escalation go; what remains still links perfectly.
    tamper(app, "DELETE FROM escalation_entries", f"DELETE FROM escalations WHERE id <> {first}")
    result = runner.invoke(args=["escalations", "verify"])
    assert result.exit_code != 0 and "the last 2 row(s) are missing" in result.output, result.output
    # Without the file, the anchor from the log does the same.
    with app.app_context():
        ledger.anchor_path().unlink()
    assert "no anchor found" in runner.invoke(args=["escalations", "verify"]).output
    last = anchors[-1]
    result = runner.invoke(args=["escalations", "verify", "--rows", str(last.rows), "--head", last.head])
    assert result.exit_code != 0 and "the last 2 row(s) are missing" in result.output


def test_swapping_two_escalations_ids_breaks_the_chain(app, scene):  # noqa: F811
    """Moving the closed entry to the other escalation by swapping the escalations' ids."""
    first, second = closed_and_open(scene)
    tamper(
        app,
        f"UPDATE escalations SET id = -1 WHERE id = {first}",
        f"UPDATE escalations SET id = {first} WHERE id = {second}",
        f"UPDATE escalations SET id = {second} WHERE id = -1",
    )
    with app.app_context():
        # The tampering worked: the closed entry now belongs to the second call's record.
        moved = escalations.get(first)
        assert moved.notes == "second call" and escalations.status_of(moved)["closed"]
    result = verify(app)
    assert not result.ok and result.broken_at == 2 and "changed" in result.reason


def test_moving_an_entry_to_another_escalation_breaks_the_chain(app, scene):  # noqa: F811
    _first, second = closed_and_open(scene)
    tamper(app, f"UPDATE escalation_entries SET escalation_id = {second} WHERE kind = 'closed'")
    result = verify(app)
    assert not result.ok and result.broken_at == 4


def test_rewriting_a_field_and_recomputing_every_unkeyed_hash(app, scene):  # noqa: F811
    first, _second = closed_and_open(scene)
    tamper(app, f"UPDATE escalations SET notes = 'nothing happened' WHERE id = {first}")

    def unkeyed(row: Any, previous: str) -> str:
        return hashlib.sha256((previous + ledger._canonical(ledger.content(row))).encode()).hexdigest()

    rehash_everything(app, unkeyed)
    result = verify(app)
    assert not result.ok and result.broken_at == 1 and "changed" in result.reason
    # Dropping the checkpoint and rewriting everything as legacy rows links perfectly;
    # only the anchor outside the database tells.
    rehash_everything(
        app, lambda row, prev: ledger.legacy_digest(ledger.legacy_content(row), prev), drop_checkpoint=True
    )
    with app.app_context():
        assert escalations.verify(ledger.Anchor(0, "")).ok  # the chain alone holds
    result = verify(app)
    assert not result.ok and "anchor" in result.reason
