"""Navigation by role. An entry shows only once its page exists, so later areas add
themselves by registering their endpoint."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from warmline.permissions import COORDINATORS, MEMBERS, MODERATORS, PEERS, allowed

# (label, endpoint, roles allowed: None for everyone)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("Home", "home.index", None),
    ("Talk to a peer", "chat.member_page", MEMBERS),
    ("Forums", "forum.index", None),
    ("Notices", "forum.notices", MEMBERS),
    ("Console", "chat.console", PEERS),
    ("My shifts", "shifts.mine", PEERS),
    ("Moderation", "moderation.queue_page", MODERATORS),
    ("Roster", "shifts.roster_page", COORDINATORS),
    ("Escalations", "escalations.list_page", COORDINATORS),
    ("Saved replies", "peer_tools.replies", (*PEERS, *COORDINATORS)),
    ("Resources", "peer_tools.resources_page", None),
    ("Monitor", "peer_tools.monitor", COORDINATORS),
    ("Account", "auth.account", ()),
]


def nav_items() -> list[dict[str, Any]]:
    items = []
    for label, endpoint, roles in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if roles is not None and not allowed(current_user, roles):
            continue
        url = url_for(endpoint)
        items.append({"label": label, "url": url, "current": request.path == url})
    return items


def init_app(app: Flask) -> None:
    @app.context_processor
    def _navigation() -> dict[str, Any]:
        return {"nav_items": nav_items, "quick_exit_url": current_app.config["QUICK_EXIT_URL"]}
