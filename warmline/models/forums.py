"""Forums (categories) that threads live in. Threads, posts and moderation come with the
forums issue; the categories exist from the start so demo data and the API have them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.types import UTCDateTime


class Forum(db.Model):
    __tablename__ = "forums"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(48), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(100))
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    position: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now)
