"""The member survey after a conversation ends: only its member answers, only once, only
after the end. The comment goes through the risk detector like everything a member writes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from warmline import bus, clock
from warmline.errors import WarmlineError, forbidden
from warmline.extensions import db
from warmline.models import Conversation, Survey, User
from warmline.models.chat import ENDED, risk_rank
from warmline.services import escalations, risk

COMMENT_MAX = 1000


def own_conversation(member: User, conversation_id: Any) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id) if isinstance(conversation_id, int) else None
    if conversation is None or conversation.member_id != member.id:
        raise forbidden(_("Only the member of that conversation can answer its survey."))
    return conversation


def can_answer(conversation: Conversation) -> bool:
    """A survey is offered for an ended conversation a peer answered."""
    return conversation.status == ENDED and conversation.first_assigned_at is not None


def submit(
    member: User,
    conversation_id: Any,
    *,
    helped: str,
    felt_heard: bool,
    would_otherwise: str | None = None,
    comment: str = "",
) -> Survey:
    conversation = own_conversation(member, conversation_id)
    if conversation.status != ENDED:
        raise WarmlineError("not_ended", _("The survey opens when the conversation has ended."), 409)
    if conversation.first_assigned_at is None:
        raise WarmlineError("not_answered", _("No peer answered this conversation, so there is nothing to rate."), 409)
    if db.session.get(Survey, conversation.id) is not None:
        raise WarmlineError("already_answered", _("You have already answered this survey. Thank you."), 409)
    survey = Survey(
        conversation_id=conversation.id,
        helped=helped,
        felt_heard=felt_heard,
        would_otherwise=would_otherwise,
        comment=comment,
        comment_risk=risk.level_of(comment) if comment else "none",  # off the event loop, with the app's settings
        answered_at=clock.now(),
    )
    db.session.add(survey)
    if risk_rank(survey.comment_risk) >= risk_rank("high"):
        # The chat is over and no peer will read this: coordinators are told at once.
        bus.announce(
            "survey.risk",
            conversation_id=conversation.id,
            risk=survey.comment_risk,
            coordinator_ids=escalations.coordinator_ids(),
        )
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # two submissions raced: the first one stands
        db.session.rollback()
        raise WarmlineError("already_answered", _("You have already answered this survey. Thank you."), 409) from None
    return survey


def answered_ids(conversation_ids: list[int]) -> set[int]:
    """Which of these conversations have a survey answer (the member's past-conversations list)."""
    if not conversation_ids:
        return set()
    return set(
        db.session.scalars(sa.select(Survey.conversation_id).where(Survey.conversation_id.in_(conversation_ids)))
    )


def survey_json(survey: Survey) -> dict[str, Any]:
    return {
        "conversation_id": survey.conversation_id,
        "helped": survey.helped,
        "felt_heard": survey.felt_heard,
        "would_otherwise": survey.would_otherwise,
        "answered_at": survey.answered_at.isoformat(),
    }
