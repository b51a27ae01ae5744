"""How many members are waiting for a peer, for the public status."""

from __future__ import annotations

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import Conversation
from warmline.models.chat import WAITING


def waiting_count() -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Conversation).where(Conversation.status == WAITING))
        or 0
    )
