"""Escalations: when a conversation turns into a crisis the peer records what was done; the
on-call coordinator hears at once; later steps are appended, never edited. The record is
a keyed, anchored hash chain (warmline/services/ledger.py) so that a change is detectable."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from warmline import bus, clock
from warmline.errors import WarmlineError, forbidden, invalid, not_found
from warmline.extensions import db
from warmline.models import (
    Escalation,
    EscalationCheckpoint,
    EscalationEntry,
    EscalationRead,
    Message,
    Outbox,
    User,
    UserRole,
)
from warmline.models.escalations import ACTIONS, CONSENT, ENTRY_KINDS, ESCALATION_RISKS, NEEDS_OUTCOME_TO_CLOSE

__all__ = ["ENTRY_KINDS", "REVIEW_LEVELS"]
from warmline.services import chat, roster
from warmline.services.hours import iso
from warmline.services.ledger import GENESIS, Verification, record_anchor, seal, verify

__all__ += ["GENESIS", "Verification", "verify"]
COORDINATOR_ROLES = ("coordinator", "admin")
REVIEW_LEVELS = ("high", "imminent")
# Steps of supervision (docs/escalation.md): closing takes it off the coordinator's open list.
COORDINATOR_KINDS = ("acknowledged", "cosign", "followup_assigned", "closed")


class AppendOnlyError(RuntimeError):
    """An attempt to change or remove part of the escalation record."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Escalation | EscalationEntry | EscalationCheckpoint) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise AppendOnlyError("the escalation record is append-only: append a correction instead")


# Writing --------------------------------------------------------------------------------


def coordinator_ids() -> list[int]:
    """Every enabled coordinator and admin."""
    return list(
        db.session.scalars(
            sa.select(User.id)
            .join(UserRole)
            .where(UserRole.role.in_(COORDINATOR_ROLES), User.disabled_at.is_(None))
            .distinct()
        )
    )


def _queue_alert(kind: str, payload: dict[str, Any]) -> None:
    db.session.add(Outbox(kind=kind, payload=payload))
    bus.announce("outbox.pending")


def escalate(
    peer: User, conversation_id: Any, risk_level: str, action: str, notes: str, consent: str | None
) -> Escalation:
    """Records an escalation from a conversation. The conversation stays open; its transcript
    is kept past the retention period; coordinators are alerted through the outbox."""
    conversation = chat.party_conversation(peer, conversation_id)
    if conversation.peer_id != peer.id:
        raise forbidden("Only the conversation's peer can escalate it.")
    if risk_level not in ESCALATION_RISKS:
        raise invalid("risk_level", f"risk_level is one of: {', '.join(ESCALATION_RISKS)}.")
    if action not in ACTIONS:
        raise invalid("action", f"action is one of: {', '.join(ACTIONS)}.")
    if consent is not None and consent not in CONSENT:
        raise invalid("consent", f"consent is one of: {', '.join(CONSENT)}.")
    escalation = Escalation(
        conversation_id=conversation.id,
        peer_id=peer.id,
        member_id=conversation.member_id,
        risk_level=risk_level,
        action=action,
        consent=consent,
        notes=notes,
        created_at=clock.now(),
    )
    seal(escalation)
    db.session.add(escalation)
    db.session.flush()
    conversation.retain = True
    chat.raise_risk(conversation, risk_level)
    payload = {
        "escalation_id": escalation.id,
        "conversation_id": conversation.id,
        "risk_level": risk_level,
        "action": action,
    }
    _queue_alert("escalation:new", {**payload, "to": coordinator_ids()})
    if risk_level in REVIEW_LEVELS:
        # A pause after a serious call: no new chats until the peer chooses to resume.
        roster.pause_taking_chats(peer)
        bus.announce("escalation.debrief", peer_id=peer.id, escalation_id=escalation.id)
    db.session.commit()
    record_anchor()
    return escalation


def get(escalation_id: int) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None:
        raise not_found("That escalation")
    return escalation


def _is_coordinator(user: User) -> bool:
    return user.has_role(*COORDINATOR_ROLES)


def can_read(user: User, escalation: Escalation) -> bool:
    return _is_coordinator(user) or escalation.peer_id == user.id


def append(author: User, escalation_id: int, kind: str, data: dict[str, Any]) -> EscalationEntry:
    """Adds one step to an escalation: coordinators, and the peer who escalated, may."""
    escalation = get(escalation_id)
    if not can_read(author, escalation):
        raise forbidden("Only coordinators and the peer who escalated can add to this record.")
    if kind not in ENTRY_KINDS or kind == "alert_broadened":
        raise invalid("kind", f"kind is one of: {', '.join(k for k in ENTRY_KINDS if k != 'alert_broadened')}.")
    if kind in COORDINATOR_KINDS and not _is_coordinator(author):
        raise forbidden("Only a coordinator acknowledges, co-signs, assigns a follow-up or closes an escalation.")
    state = status_of(escalation)
    if state["closed"] and kind != "correction":
        raise WarmlineError("closed", "This escalation is closed; only a correction can be added.", 409)
    if kind == "closed":
        if escalation.action in NEEDS_OUTCOME_TO_CLOSE and not state["outcome"] and not data.get("outcome"):
            raise WarmlineError(
                "outcome_required",
                "Record the outcome before closing an escalation to emergency or mobile crisis services.",
                409,
            )
        if escalation.risk_level in REVIEW_LEVELS and not state["cosigned"]:
            raise WarmlineError(
                "cosign_required", "A coordinator co-signs a high or imminent escalation before it closes.", 409
            )
    entry = EscalationEntry(
        escalation_id=escalation.id, author_id=author.id, kind=kind, data=data, created_at=clock.now()
    )
    seal(entry)
    db.session.add(entry)
    db.session.flush()
    db.session.commit()
    record_anchor()
    return entry


def broaden_unacknowledged(now: datetime) -> list[int]:
    """Unacknowledged past the limit: every coordinator and admin is alerted, once, and the
    record says so."""
    limit = timedelta(seconds=current_app.config["ESCALATION_ACK_SECONDS"])
    done = []
    for escalation in db.session.scalars(sa.select(Escalation).where(Escalation.created_at <= now - limit)):
        kinds = {e.kind for e in escalation.entries}
        if "acknowledged" in kinds or "alert_broadened" in kinds or "closed" in kinds:
            continue
        entry = EscalationEntry(
            escalation_id=escalation.id,
            author_id=None,
            kind="alert_broadened",
            data={"after_seconds": int(limit.total_seconds())},
            created_at=now,
        )
        seal(entry)
        db.session.add(entry)
        db.session.flush()
        _queue_alert(
            "escalation:unacknowledged",
            {
                "escalation_id": escalation.id,
                "conversation_id": escalation.conversation_id,
                "risk_level": escalation.risk_level,
                "to": coordinator_ids(),
            },
        )
        done.append(escalation.id)
    db.session.commit()
    if done:
        record_anchor()
    return done


# Reading --------------------------------------------------------------------------------


def status_of(escalation: Escalation, now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    entries = escalation.entries
    kinds = [e.kind for e in entries]
    assigned = [e for e in entries if e.kind == "followup_assigned"]
    completed = "followup_completed" in kinds
    due = None
    if assigned and assigned[-1].data.get("due_at"):
        due = datetime.fromisoformat(assigned[-1].data["due_at"])
    needs_review = escalation.risk_level in REVIEW_LEVELS
    overdue_after = timedelta(seconds=current_app.config["ESCALATION_FOLLOWUP_SECONDS"])
    review_due = escalation.created_at + overdue_after
    open_work = (needs_review and ("cosign" not in kinds or not completed)) or (assigned and not completed)
    return {
        "acknowledged": "acknowledged" in kinds,
        "cosigned": "cosign" in kinds,
        "outcome": next((e.data.get("outcome") for e in reversed(entries) if e.data.get("outcome")), None),
        "followup_due_at": iso(due) if due else None,
        "followup_completed": completed,
        "needs_review": needs_review,
        "closed": "closed" in kinds,
        "overdue": bool(open_work and "closed" not in kinds and now > (due or review_due)),
        "state": "closed" if "closed" in kinds else ("acknowledged" if "acknowledged" in kinds else "open"),
    }


def record_read(reader: User, what: str, escalation_id: int | None = None) -> None:
    db.session.add(EscalationRead(reader_id=reader.id, escalation_id=escalation_id, what=what))
    db.session.commit()


def search(
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    risk: str | None = None,
    action: str | None = None,
    peer_id: int | None = None,
    state: str | None = None,
) -> list[Escalation]:
    query = sa.select(Escalation).order_by(Escalation.created_at.desc()).limit(1000)
    if start:
        query = query.where(Escalation.created_at >= start)
    if end:
        query = query.where(Escalation.created_at < end)
    if risk:
        query = query.where(Escalation.risk_level == risk)
    if action:
        query = query.where(Escalation.action == action)
    if peer_id:
        query = query.where(Escalation.peer_id == peer_id)
    found = list(db.session.scalars(query))
    if state == "overdue":
        return [e for e in found if status_of(e)["overdue"]]
    if state:
        return [e for e in found if status_of(e)["state"] == state]
    return found


def transcript_excerpt(escalation: Escalation, before: int = 20) -> list[Message]:
    """The messages leading up to the escalation (the transcript is retained for it)."""
    if escalation.conversation_id is None:
        return []
    rows = db.session.scalars(
        sa.select(Message)
        .where(Message.conversation_id == escalation.conversation_id, Message.sent_at <= escalation.created_at)
        .order_by(Message.seq.desc())
        .limit(before)
    )
    return list(reversed(list(rows)))


CSV_COLUMNS = [
    "id",
    "created_at",
    "conversation_id",
    "peer_id",
    "peer_handle",
    "risk_level",
    "action",
    "consent",
    "state",
    "acknowledged",
    "cosigned",
    "outcome",
    "followup_due_at",
    "followup_completed",
    "overdue",
    "notes",
    "hash",
]


def to_csv(escalations: list[Escalation]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for e in escalations:
        state = status_of(e)
        writer.writerow(
            {
                "id": e.id,
                "created_at": iso(e.created_at),
                "conversation_id": e.conversation_id,
                "peer_id": e.peer_id,
                "peer_handle": e.peer.handle,
                "risk_level": e.risk_level,
                "action": e.action,
                "consent": e.consent or "",
                "state": state["state"],
                "acknowledged": state["acknowledged"],
                "cosigned": state["cosigned"],
                "outcome": state["outcome"] or "",
                "followup_due_at": state["followup_due_at"] or "",
                "followup_completed": state["followup_completed"],
                "overdue": state["overdue"],
                # Spreadsheet formula injection: a leading = + - @ would run as a formula.
                "notes": ("'" + e.notes) if e.notes[:1] in ("=", "+", "-", "@") else e.notes,
                "hash": e.hash,
            }
        )
    return out.getvalue()


# Alerts ---------------------------------------------------------------------------------


def deliver_outbox(limit: int = 100) -> int:
    """Sends what the outbox holds and marks it delivered. Runs after each commit that adds
    to it and from the sweeper, so an alert written just before a crash still goes out."""
    pending = list(
        db.session.scalars(sa.select(Outbox).where(Outbox.delivered_at.is_(None)).order_by(Outbox.id).limit(limit))
    )
    for item in pending:
        bus.announce("alert." + item.kind, **item.payload)
        item.delivered_at = clock.now()
    db.session.commit()
    return len(pending)
