"""Forums over the JSON API (categories; threads and posts land with the forums issue)."""

from __future__ import annotations

from typing import Any

from flask import Response

from warmline.models import Forum
from warmline.permissions import ANY_SIGNED_IN, COORDINATORS, roles_required
from warmline.services import forums
from warmline.validation import optional, text
from warmline.web.api import body, bp, ok


def forum_json(forum: Forum) -> dict[str, Any]:
    return {"id": forum.id, "slug": forum.slug, "title": forum.title, "description": forum.description}


@bp.get("/forums")
@roles_required(*ANY_SIGNED_IN)
def list_forums() -> tuple[Response, int]:
    return ok(forums=[forum_json(f) for f in forums.all_forums()])


@bp.post("/forums")
@roles_required(*COORDINATORS)
def create_forum() -> tuple[Response, int]:
    data = body(
        {
            "slug": text(max_len=48),
            "title": text(max_len=100),
            "description": optional(text(max_len=500, min_len=0), ""),
        }
    )
    return ok(201, forum=forum_json(forums.create_forum(data["slug"], data["title"], data["description"])))
