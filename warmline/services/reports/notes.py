"""What the peers' contact notes say, counted: coded topics and referrals, free-text
referrals, and the peer-rated change in distress. Never a note's words."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import ContactCode, ContactNote, ContactNoteCode
from warmline.models.reporting import REFERRAL, TOPIC
from warmline.services.reports.base import count_if, number
from warmline.services.reports.contacts import ContactFacts


class NotesReport:
    def __init__(self, facts: ContactFacts) -> None:
        self.facts = facts

    def by_code(self) -> dict[str, list[dict[str, Any]]]:
        """Conversations per topic and per referral (a conversation counts once per code,
        however many of its peers chose it), most frequent first."""
        f = self.facts.subquery.c
        conversations = sa.func.count(sa.distinct(ContactNoteCode.conversation_id))
        rows = db.session.execute(
            sa.select(ContactCode.kind, ContactCode.label, conversations.label("conversations"))
            .join(ContactNoteCode, ContactNoteCode.code_id == ContactCode.id)
            .join(self.facts.subquery, f.id == ContactNoteCode.conversation_id)
            .group_by(ContactCode.id, ContactCode.kind, ContactCode.label)
            .order_by(conversations.desc(), ContactCode.label)
        ).all()
        return {
            "topics": [{"label": r.label, "conversations": r.conversations} for r in rows if r.kind == TOPIC],
            "referrals": [{"label": r.label, "conversations": r.conversations} for r in rows if r.kind == REFERRAL],
        }

    def summary(self) -> dict[str, Any]:
        f = self.facts.subquery.c
        n = ContactNote
        rated = sa.and_(n.distress_start.is_not(None), n.distress_end.is_not(None))
        coded_referral = (
            sa.select(ContactNoteCode.conversation_id)
            .join(ContactCode, ContactCode.id == ContactNoteCode.code_id)
            .where(ContactCode.kind == REFERRAL)
        )
        row = db.session.execute(
            sa.select(
                sa.func.count(sa.distinct(n.conversation_id)).label("with_note"),
                sa.func.count(
                    sa.distinct(
                        sa.case((sa.or_(n.referral != "", n.conversation_id.in_(coded_referral)), n.conversation_id))
                    )
                ).label("referred"),
                count_if(rated).label("rated"),
                sa.func.avg(sa.case((rated, n.distress_start))).label("start"),
                sa.func.avg(sa.case((rated, n.distress_end))).label("end"),
                sa.func.avg(sa.case((rated, n.distress_end - n.distress_start))).label("change"),
            ).join(self.facts.subquery, f.id == n.conversation_id)
        ).one()
        return {
            "conversations_with_note": int(row.with_note),
            "conversations_with_referral": int(row.referred),
            "distress": {
                "rated": int(row.rated),
                "mean_start": number(row.start),
                "mean_end": number(row.end),
                "mean_change": number(row.change),
            },
        }
