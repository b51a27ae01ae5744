"""Record keeping: after the transcript purge removes what was said, the record that a
service happened (the conversation's times and peer, the contact notes, hand-overs and
claim records) is kept RECORD_RETENTION_YEARS (default 7; payers audit claims for years),
then deleted. A conversation an escalation keeps is never purged here."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import ContactNote, Conversation, Handoff
from warmline.models.payers import ClaimRecord


def purge_records(now: datetime, years: int) -> int:
    """Delete the service records of conversations whose transcript went more than `years`
    ago; returns how many conversations went. Idempotent."""
    cutoff = now - timedelta(days=round(365.25 * years))
    expired = list(
        db.session.scalars(
            sa.select(Conversation.id).where(
                Conversation.transcript_deleted_at.is_not(None),
                Conversation.transcript_deleted_at < cutoff,
                Conversation.retain.is_(False),
            )
        )
    )
    if not expired:
        return 0
    for model in (ClaimRecord, ContactNote, Handoff):
        db.session.execute(sa.delete(model).where(model.conversation_id.in_(expired)))
    try:
        with db.session.begin_nested():
            db.session.execute(sa.delete(Conversation).where(Conversation.id.in_(expired)))
    except sa.exc.IntegrityError:
        # Something else still refers to a conversation (an area added later): keep the
        # bare conversation rows, the notes and claims are gone all the same.
        expired = []
    db.session.commit()
    return len(expired)
