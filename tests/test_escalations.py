"""Escalations: from the peer's socket to the coordinator's, the append-only record at every
level, the hash chain, alerts through the outbox, follow-ups, closing rules, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.chat_support import Socket, on_duty_peer, put_on_shift
from tests.support import error_of, make_staff
from tests.test_chat import start_conversation
from warmline import clock
from warmline.extensions import db
from warmline.models import (
    Conversation,
    Escalation,
    EscalationCheckpoint,
    EscalationEntry,
    EscalationRead,
    Outbox,
    PeerAvailability,
)
from warmline.risk import worker
from warmline.services import escalations, sweeper


@pytest.fixture
def scene(app, api, new_api):
    """A member and a peer in a conversation, and a signed-in on-call coordinator."""
    api.join()
    member = Socket(app, api)
    on_duty_peer(app, "pat")
    peer_api = new_api()
    peer_api.login("pat")
    peer = Socket(app, peer_api)
    casey = make_staff(app, "casey", "coordinator")
    put_on_shift(app, casey, "on_call_coordinator")
    coordinator_api = new_api()
    coordinator_api.login("casey")
    coordinator = Socket(app, coordinator_api)
    conversation_id = start_conversation(member, peer)
    return {
        "member": member,
        "peer": peer,
        "peer_api": peer_api,
        "coordinator": coordinator,
        "coordinator_api": coordinator_api,
        "conversation_id": conversation_id,
        "member_api": api,
    }


def escalate(scene, **overrides):
    payload = {
        "conversation_id": scene["conversation_id"],
        "risk_level": "high",
        "action": "warm_handoff_988",
        "notes": "member agreed to call 988 with me on the line",
        "consent": "consented",
        **overrides,
    }
    return scene["peer"].call("chat:escalate", payload)


def test_an_escalation_reaches_the_coordinator_and_the_conversation_stays_open(app, scene):
    answer = escalate(scene)
    assert answer["ok"] and answer["paused"] is True
    alert = scene["coordinator"].events("escalation:new")
    assert alert == [
        {
            "escalation_id": answer["escalation_id"],
            "conversation_id": scene["conversation_id"],
            "risk_level": "high",
            "action": "warm_handoff_988",
        }
    ]
    assert scene["member"].events("escalation:new") == [] and scene["peer"].events("escalation:new") == []
    assert scene["peer"].events("escalation:debrief")[0]["paused"] is True
    with app.app_context():
        conversation = db.session.get(Conversation, scene["conversation_id"])
        assert conversation.status == "active" and conversation.retain and conversation.risk == "high"
        assert db.session.scalar(sa.select(PeerAvailability.available)) is False  # paused for a debrief
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(Outbox).where(Outbox.delivered_at.is_(None))) == 0
        )
    assert scene["member"].call(
        "message:send", {"conversation_id": scene["conversation_id"], "client_id": "m", "body": "ok"}
    )["ok"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"risk_level": "apocalyptic"}, "risk_level"),
        ({"action": "call_my_mum"}, "action"),
        ({"consent": "maybe"}, "consent"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_escalations_write_nothing(app, scene, overrides, field):
    answer = escalate(scene, **overrides)
    assert answer["ok"] is False and answer["error"]["field"] == field
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Escalation)) == 0


def test_only_the_conversations_peer_escalates(app, scene, new_api):
    on_duty_peer(app, "robin")
    robin_api = new_api()
    robin_api.login("robin")
    robin = Socket(app, robin_api)
    assert (
        robin.call(
            "chat:escalate", {"conversation_id": scene["conversation_id"], "risk_level": "high", "action": "other"}
        )["error"]["code"]
        == "forbidden"
    )
    assert (
        scene["member"].call(
            "chat:escalate", {"conversation_id": scene["conversation_id"], "risk_level": "high", "action": "other"}
        )["error"]["code"]
        == "forbidden"
    )


def test_append_only_at_service_api_and_database(app, scene):
    escalation_id = escalate(scene)["escalation_id"]
    api = scene["coordinator_api"]
    for method in ("put", "patch", "delete"):
        response = api.client.open(
            f"/api/v1/escalations/{escalation_id}",
            method=method.upper(),
            json={},
            headers={"X-CSRFToken": api.csrf_token},
        )
        assert response.status_code == 405
    with app.app_context():
        row = db.session.get(Escalation, escalation_id)
        row.notes = "rewritten"
        with pytest.raises(escalations.AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(Escalation, escalation_id))
        with pytest.raises(escalations.AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        for statement in ("UPDATE escalations SET notes = 'x'", "DELETE FROM escalations"):
            with pytest.raises(sa.exc.DatabaseError):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        assert escalations.verify().ok


def test_verify_detects_a_tampered_row(app, scene, runner):
    escalation_id = escalate(scene)["escalation_id"]
    api = scene["coordinator_api"]
    api.post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "acknowledged"})
    api.post(f"/api/v1/escalations/{escalation_id}/followups", {"note": "called member back"})
    # The keyed chain's checkpoint, then the escalation and its two entries.
    assert "chain intact (4 rows" in runner.invoke(args=["escalations", "verify"]).output
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            # Someone with raw database access bypasses the triggers to rewrite a note.
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("ALTER TABLE escalation_entries DISABLE TRIGGER escalation_entries_append_only"))
                conn.execute(
                    sa.text(
                        "UPDATE escalation_entries SET data = '{\"note\": \"nothing happened\"}' WHERE kind = 'note'"
                    )
                )
                conn.execute(sa.text("ALTER TABLE escalation_entries ENABLE TRIGGER escalation_entries_append_only"))
            else:
                conn.execute(sa.text("DROP TRIGGER escalation_entries_no_update"))
                conn.execute(
                    sa.text(
                        "UPDATE escalation_entries SET data = '{\"note\": \"nothing happened\"}' WHERE kind = 'note'"
                    )
                )
    result = runner.invoke(args=["escalations", "verify"])
    assert result.exit_code != 0 and "broken at row 4" in result.output


def test_followups_closing_rules_and_cosign(app, scene):
    escalation_id = escalate(scene, action="emergency_services", risk_level="imminent")["escalation_id"]
    coordinator, peer = scene["coordinator_api"], scene["peer_api"]
    refused = coordinator.post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "closed"})
    assert refused.status_code == 409 and error_of(refused)["code"] == "outcome_required"
    assert (
        peer.post(
            f"/api/v1/escalations/{escalation_id}/followups",
            {
                "kind": "external_contact",
                "service": "911 dispatch",
                "contacted_at": clock.now().isoformat(),
                "reference": "CAD-1234",
            },
        ).status_code
        == 201
    )
    assert (
        peer.post(
            f"/api/v1/escalations/{escalation_id}/followups",
            {"note": "EMS arrived", "outcome": "EMS on scene, member safe"},
        ).status_code
        == 201
    )
    assert peer.post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "cosign"}).status_code == 403
    needs_cosign = coordinator.post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "closed"})
    assert error_of(needs_cosign)["code"] == "cosign_required"
    assert (
        coordinator.post(
            f"/api/v1/escalations/{escalation_id}/followups", {"kind": "cosign", "note": "reviewed"}
        ).status_code
        == 201
    )
    assert coordinator.post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "closed"}).status_code == 201
    late = coordinator.post(f"/api/v1/escalations/{escalation_id}/followups", {"note": "more"})
    assert late.status_code == 409
    assert (
        coordinator.post(
            f"/api/v1/escalations/{escalation_id}/followups", {"kind": "correction", "note": "reference is CAD-1243"}
        ).status_code
        == 201
    )
    detail = coordinator.get(f"/api/v1/escalations/{escalation_id}").get_json()["escalation"]
    assert [e["kind"] for e in detail["entries"]] == ["external_contact", "outcome", "cosign", "closed", "correction"]
    assert detail["status"]["closed"] and detail["status"]["outcome"] == "EMS on scene, member safe"


def test_unacknowledged_alert_broadens_once(app, scene, new_api):
    make_staff(app, "admin", "admin")
    admin_api = new_api()
    admin_api.login("admin")
    admin = Socket(app, admin_api)
    escalation_id = escalate(scene)["escalation_id"]
    with app.app_context():
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=299))["alerts_broadened"] == []
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=301))["alerts_broadened"] == [escalation_id]
        assert sweeper.run_once(now=clock.now() + timedelta(seconds=400))["alerts_broadened"] == []
    assert admin.events("escalation:unacknowledged")[0]["escalation_id"] == escalation_id
    assert scene["coordinator"].events("escalation:unacknowledged")[0]["escalation_id"] == escalation_id
    with app.app_context():
        assert escalations.verify().ok


def test_an_alert_written_before_a_crash_is_delivered_by_the_sweeper(app, scene):
    """The process died after committing the escalation and before emitting: the outbox row
    is still undelivered, and the next sweep sends it."""
    with app.app_context():
        coordinator_id = db.session.scalar(sa.text("SELECT id FROM users WHERE username = 'casey'"))
        payload = {
            "escalation_id": 99,
            "conversation_id": None,
            "risk_level": "high",
            "action": "other",
            "to": [coordinator_id],
        }
        db.session.execute(sa.insert(Outbox).values(kind="escalation:new", payload=payload, created_at=clock.now()))
        db.session.commit()
        assert sweeper.run_once()["outbox_delivered"] == 1
        assert db.session.scalar(sa.select(Outbox.delivered_at)) is not None
    assert scene["coordinator"].events("escalation:new")[-1]["escalation_id"] == 99


def test_reads_are_logged_and_csv_matches(app, scene):
    first = escalate(scene)["escalation_id"]
    api = scene["coordinator_api"]
    listed = api.get("/api/v1/escalations").get_json()["escalations"]
    assert [e["id"] for e in listed] == [first]
    api.get(f"/api/v1/escalations/{first}")
    export = api.get("/api/v1/escalations.csv?risk=high")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert len(rows) == 1 and rows[0]["id"] == str(first) and rows[0]["action"] == "warm_handoff_988"
    assert rows[0]["peer_handle"] == "Pat" and rows[0]["hash"] == listed[0]["hash"]
    assert api.get("/api/v1/escalations.csv?risk=low").get_data(as_text=True).count("\n") == 1
    with app.app_context():
        reads = list(
            db.session.execute(sa.select(EscalationRead.what, EscalationRead.escalation_id).order_by(EscalationRead.id))
        )
    assert [r.what for r in reads] == ["list", "detail", "csv", "csv"]
    assert reads[1].escalation_id == first


def test_peers_read_only_their_own(app, scene, new_api):
    escalation_id = escalate(scene)["escalation_id"]
    assert scene["peer_api"].get(f"/api/v1/escalations/{escalation_id}").status_code == 200
    assert scene["peer_api"].get("/api/v1/escalations").status_code == 403
    make_staff(app, "robin", "peer")
    other = new_api()
    other.login("robin")
    assert other.get(f"/api/v1/escalations/{escalation_id}").status_code == 403


def test_risky_member_message_raises_the_conversation_and_tells_the_peer(app, scene):
    answer = scene["member"].call(
        "message:send",
        {"conversation_id": scene["conversation_id"], "client_id": "r", "body": "honestly I want to kill myself"},
    )
    assert answer["ok"]
    assert worker.wait_idle()  # scored after the commit, off the request
    [raised] = scene["peer"].events("risk:raised")
    assert (raised["conversation_id"], raised["risk"]) == (scene["conversation_id"], "high")
    assert raised["why"]["source"] in ("rules", "model")
    with app.app_context():
        assert db.session.get(Conversation, scene["conversation_id"]).risk == "high"
    assert scene["member"].events("risk:raised") == []


def test_entries_are_chained_in_order(app, scene):
    escalation_id = escalate(scene)["escalation_id"]
    scene["coordinator_api"].post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "acknowledged"})
    with app.app_context():
        checkpoint = db.session.scalar(sa.select(EscalationCheckpoint))
        escalation = db.session.get(Escalation, escalation_id)
        entry = db.session.scalar(sa.select(EscalationEntry))
        assert checkpoint.ledger_seq == 1 and checkpoint.prev_hash == escalations.GENESIS
        assert escalation.ledger_seq == 2 and escalation.prev_hash == checkpoint.hash
        assert entry.ledger_seq == 3 and entry.prev_hash == escalation.hash


def test_a_peer_cannot_close_their_own_escalation(app, scene):
    """Closing takes an escalation out of the coordinator's open list: a coordinator's step."""
    escalation_id = escalate(scene, risk_level="moderate", action="safety_plan")["escalation_id"]
    refused = scene["peer_api"].post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "closed"})
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    with app.app_context():
        assert not escalations.status_of(escalations.get(escalation_id))["closed"]
    closed = scene["coordinator_api"].post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "closed"})
    assert closed.status_code == 201
