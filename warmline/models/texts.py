"""Texts the organisation writes for members (the community guidelines), edited by coordinators."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from warmline import clock
from warmline.extensions import db
from warmline.models.types import UTCDateTime


class SiteText(db.Model):
    """One text per key and language; a missing row means the built-in default."""

    __tablename__ = "site_texts"

    key: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
