"""Who speaks what: a member's language (their pages, their conversation's queue item), the
languages a peer declares, and "accept next" preferring a peer's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from warmline.errors import invalid
from warmline.extensions import db
from warmline.i18n import LANGUAGES
from warmline.models import Conversation, User

# The languages a peer may declare: those members can use Warmline in.
SPOKEN = LANGUAGES


def set_member_language(member: User, language: str) -> None:
    if language not in LANGUAGES:
        raise invalid("language", _("Choose English or Spanish."))
    row = db.session.get(User, member.id)
    if row is not None:
        row.language = language
        db.session.commit()


def peer_languages(user: User) -> list[str]:
    """What a staff member speaks; English when they have not said."""
    return [code for code in (user.languages or "en").split(",") if code]


def set_peer_languages(user: User, codes: Iterable[str]) -> list[str]:
    """Declare the languages a peer speaks (a staff page or the CLI calls this)."""
    wanted = sorted({code.strip().lower() for code in codes if code.strip()})
    unknown = [code for code in wanted if code not in SPOKEN]
    if not wanted or unknown:
        raise invalid("languages", f"Languages are one or more of: {', '.join(SPOKEN)}.")
    row = db.session.get(User, user.id) or user
    row.languages = ",".join(wanted)
    db.session.commit()
    return wanted


def language_mismatch(language: str | None, speaks: Iterable[str]) -> int:
    """A sort-key part for the queue order (contract: within one risk, after presence and
    continuity, "then a language match, then the longest wait"): 0 when the peer speaks the
    member's language, else 1."""
    return 0 if (language or "en") in set(speaks) else 1


def language_mismatch_sql(speaks: Iterable[str]) -> sa.ColumnElement[int]:
    """`language_mismatch` as an ORDER BY term for the queue query (accept next claims in
    SQL): `order_by(front, risk desc, ..., language_mismatch_sql(speaks), queued_at)`."""
    return sa.case((Conversation.language.in_(list(speaks)), 0), else_=1)


def prefer_language(
    items: Sequence[Any],
    speaks: Iterable[str],
    *,
    language_of: Callable[[Any], str | None] = lambda item: getattr(item, "language", None),
    tier_of: Callable[[Any], Any] = lambda item: None,
) -> list[Any]:
    """`items`, already in queue order, with a peer's language first within each tier
    (`tier_of`, e.g. the risk): a stable reorder, so "accept next" prefers a match but never
    passes over a higher tier, and a queue with no match keeps its order."""
    spoken = list(speaks)
    first_seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(tier_of(item), index)
    return sorted(items, key=lambda item: (first_seen[tier_of(item)], language_mismatch(language_of(item), spoken)))
