"""Moderators tell the risk detector where it was wrong. With a moderation action a moderator
may say how the detector read the post: `right`, `harmless` (it read a risk that is not
there) or `missed` (a risk it read too low). The counts show how the detector does on this
forum's own posts (`summary`), and `review_lines` turns the verdicts into lines for the
corpus, for a person to de-identify, label and add before the next retrain (docs/escalation.md).
Never logged with a post's text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from warmline import clock
from warmline.errors import invalid
from warmline.extensions import db
from warmline.logs import audit
from warmline.models import Post, RiskVerdict, User

RIGHT, HARMLESS, MISSED = "right", "harmless", "missed"
VERDICTS = (RIGHT, HARMLESS, MISSED)
HELD = ("high", "imminent")  # held for urgent review
# What each verdict can say of a reading: a harmless post it read at least as moderate, a
# risk (high or imminent) it read below that.
_READINGS = {RIGHT: None, HARMLESS: ("moderate", "high", "imminent"), MISSED: ("none", "low", "moderate")}
# A placeholder the corpus loader refuses (corpus.py), so no line goes in unreviewed.
CHOOSE = "CHOOSE"


def record(moderator: User, post: Post, verdict: str) -> RiskVerdict:
    """The moderator's verdict on the detector's current reading of `post` (the caller commits)."""
    if verdict not in VERDICTS:
        raise invalid("risk_verdict", f"risk_verdict is one of: {', '.join(VERDICTS)}.")
    allowed = _READINGS[verdict]
    if allowed is not None and post.risk not in allowed:
        said = "a risk it missed" if verdict == MISSED else "not a risk"
        raise invalid("risk_verdict", f"The detector read this post as {post.risk}: it cannot be {said}.")
    found = db.session.scalar(sa.select(RiskVerdict).where(RiskVerdict.post_id == post.id))
    if found is None:
        found = RiskVerdict(post_id=post.id)
        db.session.add(found)
    found.moderator_id, found.detector_level, found.verdict, found.at = moderator.id, post.risk, verdict, clock.now()
    audit("risk_verdict", post_id=post.id, detector_level=post.risk, verdict=verdict)
    return found


def summary(start: datetime, end: datetime) -> dict[str, Any]:
    """Posts written in [start, end) that the detector held, and the verdicts given on posts
    of that time, by verdict and by the detector's level."""
    held = db.session.scalar(
        sa.select(sa.func.count()).where(Post.created_at >= start, Post.created_at < end, Post.risk.in_(HELD))
    )
    rows = db.session.execute(
        sa.select(RiskVerdict.verdict, RiskVerdict.detector_level, sa.func.count())
        .join(Post, Post.id == RiskVerdict.post_id)
        .where(Post.created_at >= start, Post.created_at < end)
        .group_by(RiskVerdict.verdict, RiskVerdict.detector_level)
    ).all()
    verdicts = {v: 0 for v in VERDICTS}
    by_level: dict[str, dict[str, int]] = {}
    for verdict, level, count in rows:
        verdicts[verdict] += count
        by_level.setdefault(level, {v: 0 for v in VERDICTS})[verdict] = count
    judged_holds = sum(by_level.get(level, {}).get(v, 0) for level in HELD for v in (RIGHT, HARMLESS))
    harmless_holds = sum(by_level.get(level, {}).get(HARMLESS, 0) for level in HELD)
    return {
        "posts_held": held or 0,
        "verdicts": verdicts,
        "by_level": by_level,
        # Of the held posts a moderator judged, the share that was not a risk.
        "held_judged_harmless": round(harmless_holds / judged_holds, 3) if judged_holds else None,
    }


def review_lines(since: datetime | None = None) -> list[str]:
    """Corpus lines (`label<TAB>category<TAB>lang<TAB>text`, docs/escalation.md) from the
    `harmless` and `missed` verdicts, each after a comment saying what to do. The category is
    CHOOSE and the corpus loader refuses it: a person de-identifies the text, cuts it to 300
    characters, picks the category and the label, then adds it. Posts deleted by their author,
    or edited after the verdict, are left out (the text judged is gone)."""
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
        text = " ".join(post.body.split())
        language = post.author.language if post.author.language in ("en", "es") else "en"
        if verdict.verdict == HARMLESS:
            todo, label = f"read as {verdict.detector_level}, judged harmless: choose a neg_* category", "none"
        else:
            todo, label = f"read as {verdict.detector_level}, judged a risk it missed: high or imminent?", "high"
        long = f"; {len(text)} characters: cut to the part that decides (at most 300)" if len(text) > 300 else ""
        lines.append(f"# post {post.id}, {verdict.at.date().isoformat()}: {todo}{long}; de-identify")
        lines.append(f"{label}\t{CHOOSE}\t{language}\t{text}")
    return lines
