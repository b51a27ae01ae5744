"""The coded lists coordinators keep for contact notes (topics, referrals), and the codes
chosen on a note. Free text stays beside them on the note."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from warmline import clock
from warmline.errors import WarmlineError, invalid, not_found
from warmline.extensions import db
from warmline.models import ContactCode, ContactNote, ContactNoteCode
from warmline.models.reporting import CODE_KINDS, REFERRAL, TOPIC

LABEL_MAX = 80

__all__ = ["TOPIC", "REFERRAL", "codes", "add_code", "retire_code", "set_note_codes", "chosen"]


def codes(kind: str | None = None, *, include_retired: bool = False) -> list[ContactCode]:
    query = sa.select(ContactCode).order_by(ContactCode.kind, sa.func.lower(ContactCode.label))
    if kind is not None:
        query = query.where(ContactCode.kind == kind)
    if not include_retired:
        query = query.where(ContactCode.retired_at.is_(None))
    return list(db.session.scalars(query))


def add_code(kind: str, label: str) -> ContactCode:
    label = " ".join(label.split())
    if kind not in CODE_KINDS:
        raise invalid("kind", f"kind is one of: {', '.join(CODE_KINDS)}.")
    if not 1 <= len(label) <= LABEL_MAX:
        raise invalid("label", f"A label is 1 to {LABEL_MAX} characters.")
    existing = db.session.scalar(
        sa.select(ContactCode).where(ContactCode.kind == kind, sa.func.lower(ContactCode.label) == label.lower())
    )
    if existing is not None:
        if existing.retired_at is None:
            raise WarmlineError("conflict", f"“{label}” is already on the list.", 409)
        existing.retired_at = None  # brought back, with its history
        db.session.commit()
        return existing
    code = ContactCode(kind=kind, label=label)
    db.session.add(code)
    db.session.commit()
    return code


def retire_code(code_id: int) -> ContactCode:
    code = db.session.get(ContactCode, code_id)
    if code is None:
        raise not_found("That entry")
    if code.retired_at is None:
        code.retired_at = clock.now()
        db.session.commit()
    return code


def set_note_codes(note: ContactNote, code_ids: Iterable[int]) -> None:
    """Replace the codes on `note` inside the caller's transaction. Only current entries can
    be chosen; ones retired since stay on notes that have them."""
    wanted = set(code_ids)
    current = set(
        db.session.scalars(
            sa.select(ContactNoteCode.code_id).where(
                ContactNoteCode.conversation_id == note.conversation_id, ContactNoteCode.peer_id == note.peer_id
            )
        )
    )
    added = wanted - current
    if added:
        known = set(
            db.session.scalars(
                sa.select(ContactCode.id).where(ContactCode.id.in_(added), ContactCode.retired_at.is_(None))
            )
        )
        if known != added:
            raise invalid("topic_ids", "Choose topics and referrals from the lists.")
    if current - wanted:
        db.session.execute(
            sa.delete(ContactNoteCode).where(
                ContactNoteCode.conversation_id == note.conversation_id,
                ContactNoteCode.peer_id == note.peer_id,
                ContactNoteCode.code_id.in_(current - wanted),
            )
        )
    db.session.flush()  # the note row exists before its codes point at it
    for code_id in sorted(added):
        db.session.add(ContactNoteCode(conversation_id=note.conversation_id, peer_id=note.peer_id, code_id=code_id))


def chosen(conversation_id: int, peer_id: int) -> dict[str, list[int]]:
    rows = db.session.execute(
        sa.select(ContactCode.kind, ContactCode.id)
        .join(ContactNoteCode, ContactNoteCode.code_id == ContactCode.id)
        .where(ContactNoteCode.conversation_id == conversation_id, ContactNoteCode.peer_id == peer_id)
        .order_by(ContactCode.id)
    ).all()
    return {
        "topic_ids": [i for kind, i in rows if kind == TOPIC],
        "referral_ids": [i for kind, i in rows if kind == REFERRAL],
    }
