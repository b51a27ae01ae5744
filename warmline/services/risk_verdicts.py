"""Moderators and peers tell the risk detector where it was wrong. With a moderation action a
moderator may say how the detector read the post: `right`, `harmless` (it read a risk that is
not there) or `missed` (a risk it read too low). In chat, the peer says `right` or `harmless`
of a reading that raised their conversation's risk (`judge_reading`). The counts show how the
detector does on this organisation's own posts and chats (`summary`), and `review_lines` turns
the verdicts into lines for the corpus, for a person to de-identify, label and add before the
next retrain (docs/escalation.md). Never logged with a post's or a message's text."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from warmline import clock
from warmline.errors import forbidden, invalid, not_found
from warmline.extensions import db
from warmline.logs import audit
from warmline.models import ChatRiskReading, Conversation, Message, Post, RiskVerdict, User
from warmline.services import supervision
from warmline.services.hours import iso

RIGHT, HARMLESS, MISSED = "right", "harmless", "missed"
VERDICTS = (RIGHT, HARMLESS, MISSED)
# A chat reading only ever raised the risk (moderate or above), so it is right or harmless.
CHAT_VERDICTS = (RIGHT, HARMLESS)
UNJUDGED = "unjudged"
HELD = ("high", "imminent")  # held for urgent review
# What each verdict can say of a reading: a harmless post it read at least as moderate, a
# risk (high or imminent) it read below that.
_READINGS = {RIGHT: None, HARMLESS: ("moderate", "high", "imminent"), MISSED: ("none", "low", "moderate")}
# A placeholder the corpus loader refuses (corpus.py), so no line goes in unreviewed.
CHOOSE = "CHOOSE"


def allowed(level: str) -> tuple[str, ...]:
    """The verdicts that can be said of a reading at `level` (the moderation form offers these)."""
    return tuple(v for v in VERDICTS if _READINGS[v] is None or level in _READINGS[v])


def record(moderator: User, post: Post, verdict: str) -> RiskVerdict:
    """The moderator's verdict on the detector's current reading of `post` (the caller commits)."""
    if verdict not in VERDICTS:
        raise invalid("risk_verdict", f"risk_verdict is one of: {', '.join(VERDICTS)}.")
    if verdict not in allowed(post.risk):
        said = "a risk it missed" if verdict == MISSED else "not a risk"
        raise invalid("risk_verdict", f"The detector read this post as {post.risk}: it cannot be {said}.")
    found = db.session.scalar(sa.select(RiskVerdict).where(RiskVerdict.post_id == post.id))
    if found is None:
        found = RiskVerdict(post_id=post.id)
        db.session.add(found)
    found.moderator_id, found.detector_level, found.verdict, found.at = moderator.id, post.risk, verdict, clock.now()
    audit("risk_verdict", post_id=post.id, detector_level=post.risk, verdict=verdict)
    return found


def judge_reading(user: User, conversation_id: int, reading_id: int, verdict: str) -> ChatRiskReading:
    """The word of the conversation's peer, or of a coordinator supervising it, on a reading
    that raised its risk. The latest verdict counts."""
    if verdict not in CHAT_VERDICTS:
        raise invalid("verdict", f"verdict is one of: {', '.join(CHAT_VERDICTS)}.")
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or not (
        user.id == conversation.peer_id or supervision.is_supervising(user, conversation.id)
    ):
        raise forbidden("Only the peer of this conversation, or a coordinator supervising it, judges its readings.")
    reading = db.session.get(ChatRiskReading, reading_id)
    if reading is None or reading.conversation_id != conversation.id:
        raise not_found("That reading")
    reading.verdict, reading.judged_by, reading.judged_at = verdict, user.id, clock.now()
    audit(
        "chat_risk_verdict",
        conversation_id=conversation.id,
        reading_id=reading.id,
        detector_level=reading.detector_level,
        verdict=verdict,
    )
    db.session.commit()
    return reading


def reading_json(reading: ChatRiskReading) -> dict[str, Any]:
    return {
        "id": reading.id,
        "conversation_id": reading.conversation_id,
        "message_id": reading.message_id,
        "detector_level": reading.detector_level,
        "at": iso(reading.at),
        "verdict": reading.verdict,
        "judged_at": iso(reading.judged_at) if reading.judged_at else None,
    }


def summary(start: datetime, end: datetime) -> dict[str, Any]:
    """Posts written in [start, end) that the detector held, and the verdicts given on posts
    of that time, by verdict and by the detector's level; under "chat", the readings in
    [start, end) that raised a conversation's risk, likewise (with those not judged)."""
    held = db.session.scalar(
        sa.select(sa.func.count()).where(Post.created_at >= start, Post.created_at < end, Post.risk.in_(HELD))
    )
    rows = db.session.execute(
        sa.select(RiskVerdict.verdict, RiskVerdict.detector_level, sa.func.count())
        .join(Post, Post.id == RiskVerdict.post_id)
        .where(Post.created_at >= start, Post.created_at < end)
        .group_by(RiskVerdict.verdict, RiskVerdict.detector_level)
    ).all()
    chat_rows = db.session.execute(
        sa.select(ChatRiskReading.verdict, ChatRiskReading.detector_level, sa.func.count())
        .where(ChatRiskReading.at >= start, ChatRiskReading.at < end)
        .group_by(ChatRiskReading.verdict, ChatRiskReading.detector_level)
    ).all()
    chat = _tally(
        ((verdict or UNJUDGED, level, count) for verdict, level, count in chat_rows), (*CHAT_VERDICTS, UNJUDGED)
    )
    return {
        "posts_held": held or 0,
        **_tally(rows, VERDICTS),
        "chat": {"readings": sum(chat["verdicts"].values()), **chat},
    }


def _tally(rows: Iterable[tuple[str, str, int]], verdicts: tuple[str, ...]) -> dict[str, Any]:
    """(verdict, the detector's level, count) rows by verdict and by level."""
    totals = dict.fromkeys(verdicts, 0)
    by_level: dict[str, dict[str, int]] = {}
    for verdict, level, count in rows:
        totals[verdict] += count
        by_level.setdefault(level, dict.fromkeys(verdicts, 0))[verdict] = count
    judged_holds = sum(by_level.get(level, {}).get(v, 0) for level in HELD for v in (RIGHT, HARMLESS))
    harmless_holds = sum(by_level.get(level, {}).get(HARMLESS, 0) for level in HELD)
    return {
        "verdicts": totals,
        "by_level": by_level,
        # Of the readings at high or imminent that someone judged, the share that was not a risk.
        "held_judged_harmless": round(harmless_holds / judged_holds, 3) if judged_holds else None,
    }


def review_lines(since: datetime | None = None) -> list[str]:
    """Corpus lines (`label<TAB>category<TAB>lang<TAB>text`, docs/escalation.md) from the
    `harmless` and `missed` verdicts on posts, then from the chat readings judged `harmless`,
    each after a comment saying what to do. The category is CHOOSE and the corpus loader
    refuses it: a person de-identifies the text, cuts it to 300 characters, picks the category
    and the label, then adds it. Posts deleted by their author, or edited after the verdict,
    and chat messages deleted since (a transcript deleted or purged) are left out: the text
    judged is gone."""
    query = (
        sa.select(RiskVerdict)
        .join(Post, Post.id == RiskVerdict.post_id)
        .where(RiskVerdict.verdict.in_((HARMLESS, MISSED)), Post.deleted_at.is_(None))
        .order_by(RiskVerdict.at, RiskVerdict.id)
    )
    if since is not None:
        query = query.where(RiskVerdict.at >= since)
    lines = []
    for verdict in db.session.scalars(query):
        post = verdict.post
        if post.edited_at is not None and post.edited_at > verdict.at:
            continue
        if verdict.verdict == HARMLESS:
            todo, label = f"read as {verdict.detector_level}, judged harmless: choose a neg_* category", "none"
        else:
            todo, label = f"read as {verdict.detector_level}, judged a risk it missed: high or imminent?", "high"
        lines += _review_line(f"post {post.id}", verdict.at, todo, label, post.author.language, post.body)
    chat = (
        sa.select(ChatRiskReading, Message.body, Conversation.language)
        .join(Message, Message.id == ChatRiskReading.message_id)
        .join(Conversation, Conversation.id == ChatRiskReading.conversation_id)
        .where(ChatRiskReading.verdict == HARMLESS)
        .order_by(ChatRiskReading.judged_at, ChatRiskReading.id)
    )
    if since is not None:
        chat = chat.where(ChatRiskReading.judged_at >= since)
    for reading, body, language in db.session.execute(chat):
        todo = f"read as {reading.detector_level}, judged harmless: choose a neg_* category"
        lines += _review_line(f"chat reading {reading.id}", reading.judged_at, todo, "none", language, body)
    return lines


def _review_line(what: str, judged_at: datetime, todo: str, label: str, language: str | None, text: str) -> list[str]:
    text = " ".join(text.split())
    language = language if language in ("en", "es") else "en"
    long = f"; {len(text)} characters: cut to the part that decides (at most 300)" if len(text) > 300 else ""
    return [
        f"# {what}, {judged_at.date().isoformat()}: {todo}{long}; de-identify",
        f"{label}\t{CHOOSE}\t{language}\t{text}",
    ]
