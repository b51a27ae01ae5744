"""Forums (categories), managed by coordinators and admins."""

from __future__ import annotations

import re

import sqlalchemy as sa

from warmline.errors import conflict, invalid
from warmline.extensions import db
from warmline.models import Forum, HiddenForum, User
from warmline.validation import clean_text

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
    title = clean_text("title", title, max_len=100)
    description = clean_text("description", description, max_len=500, min_len=0)
    forum = Forum(slug=slug, title=title, description=description, position=position)
    db.session.add(forum)
    db.session.commit()
    return forum


def hidden_forum_ids(member: User | None) -> set[int]:
    if member is None:
        return set()
    return set(db.session.scalars(sa.select(HiddenForum.forum_id).where(HiddenForum.member_id == member.id)))


def set_hidden(member: User, slug: str, hidden: bool) -> None:
    """Hide a whole topic from the member's own lists (or show it again)."""
    forum = db.session.scalar(sa.select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise invalid("slug", "No such forum.")
    row = db.session.get(HiddenForum, (member.id, forum.id))
    if hidden and row is None:
        db.session.add(HiddenForum(member_id=member.id, forum_id=forum.id))
    elif not hidden and row is not None:
        db.session.delete(row)
    db.session.commit()
