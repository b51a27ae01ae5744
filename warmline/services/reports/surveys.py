"""The survey family: how many members answered, and what they said, as counts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import Survey
from warmline.models.surveys import HELPED, WOULD_OTHERWISE
from warmline.services.reports.base import count_if, share
from warmline.services.reports.contacts import ContactFacts

RISK_ORDER = sa.case({"imminent": 4, "high": 3, "moderate": 2, "low": 1}, value=Survey.comment_risk, else_=0)


class SurveyReport:
    def __init__(self, facts: ContactFacts) -> None:
        self.facts = facts

    def summary(self) -> dict[str, Any]:
        """Counts per answer in one statement; the response rate is over answered, ended
        conversations (the ones a survey is offered for)."""
        f = self.facts.subquery.c
        s = Survey
        row = db.session.execute(
            sa.select(
                sa.func.count(s.conversation_id).label("responses"),
                count_if(sa.and_(f.is_answered == 1, f.status == "ended")).label("offered"),
                *[count_if(s.helped == value).label(f"helped_{value}") for value in HELPED],
                count_if(s.felt_heard.is_(True)).label("heard_yes"),
                count_if(s.felt_heard.is_(False)).label("heard_no"),
                *[
                    count_if(s.would_otherwise == value).label(f"otherwise_{i}")
                    for i, value in enumerate(WOULD_OTHERWISE)
                ],
                count_if(s.comment_risk.in_(("high", "imminent"))).label("comments_at_risk"),
            )
            .select_from(self.facts.subquery)
            .outerjoin(s, s.conversation_id == f.id)
        ).one()
        responses = int(row.responses)
        helped = {value: int(getattr(row, f"helped_{value}")) for value in HELPED}
        return {
            "responses": responses,
            "response_rate": share(responses, row.offered),
            "helped": helped,
            "felt_heard": {"yes": int(row.heard_yes), "no": int(row.heard_no)},
            "would_otherwise": {value: int(getattr(row, f"otherwise_{i}")) for i, value in enumerate(WOULD_OTHERWISE)},
            "helped_share": share(helped["yes"] + helped["somewhat"], responses),
            "felt_heard_share": share(row.heard_yes, responses),
            "comments_at_risk": int(row.comments_at_risk),
        }

    def comments(self, limit: int = 200) -> list[Any]:
        """Members' comments in the range, the most worrying first, then the newest: what
        they said and how they answered, never who they are or which peer they talked to."""
        s = Survey
        return list(
            db.session.execute(
                sa.select(s.answered_at, s.helped, s.felt_heard, s.would_otherwise, s.comment, s.comment_risk)
                .where(s.conversation_id.in_(self.facts.ids()), s.comment != "")
                .order_by(RISK_ORDER.desc(), s.answered_at.desc())
                .limit(limit)
            )
        )
