"""Forums (categories), managed by coordinators and admins."""

from __future__ import annotations

import re

import sqlalchemy as sa

from warmline.errors import conflict, invalid
from warmline.extensions import db
from warmline.models import Forum

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def all_forums() -> list[Forum]:
    return list(db.session.scalars(sa.select(Forum).order_by(Forum.position, Forum.title)))


def create_forum(slug: str, title: str, description: str = "") -> Forum:
    slug = slug.strip().lower()
    if not SLUG.match(slug) or len(slug) > 48:
        raise invalid("slug", "A slug is lower-case letters, digits and single dashes, up to 48 characters.")
    if db.session.scalar(sa.select(Forum.id).where(Forum.slug == slug)) is not None:
        raise conflict("slug_taken", f"A forum with the slug {slug!r} exists.")
    position = (db.session.scalar(sa.select(sa.func.max(Forum.position))) or 0) + 1
    forum = Forum(slug=slug, title=title.strip(), description=description.strip(), position=position)
    db.session.add(forum)
    db.session.commit()
    return forum
