"""Navigation by role. An entry shows only once its page exists, so later areas add
themselves by registering their endpoint."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from warmline.permissions import BILLERS, COORDINATORS, MEMBERS, MODERATORS, PEERS, allowed


def same_site_path(target: str | None, default: str | None = None) -> str | None:
    """`target` when it is a path on this site, else `default`: never an absolute or a
    scheme-relative URL, nor one a browser would turn into either (backslashes, control
    characters and spaces, which browsers drop or rewrite)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


# (label, endpoint, roles allowed: None for everyone)
NAV: list[tuple[Any, str, tuple[str, ...] | None]] = [
    (_l("Home"), "home.index", None),
    (_l("Talk to a peer"), "chat.member_page", MEMBERS),
    (_l("Forums"), "forum.index", None),
    (_l("Notices"), "forum.notices", MEMBERS),
    ("Console", "chat.console", PEERS),
    ("My shifts", "shifts.mine", PEERS),
    ("Moderation", "moderation.queue_page", MODERATORS),
    ("Roster", "shifts.roster_page", COORDINATORS),
    ("Escalations", "escalations.list_page", COORDINATORS),
    (_l("Saved replies"), "peer_tools.replies", (*PEERS, *COORDINATORS)),
    (_l("Resources"), "peer_tools.resources_page", None),
    (_l("Monitor"), "peer_tools.monitor", COORDINATORS),
    (_l("Billing"), "billing.index", BILLERS),
    (_l("Reports"), "reports.page", COORDINATORS),
    (_l("Staff"), "staff_pages.list_page", COORDINATORS),
    (_l("Account"), "auth.account", ()),
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
        return {
            "nav_items": nav_items,
            "quick_exit_url": current_app.config["QUICK_EXIT_URL"],
            "staff_page": staff_page(),
        }


def staff_page() -> bool:
    """A page shown to signed-in staff: the quick exit stays a control, but Escape is theirs
    (a peer mid-reply must not be sent away by it)."""
    return bool(current_user.is_authenticated and not current_user.is_member)
