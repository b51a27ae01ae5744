"""The JSON API, /api/v1. One module per area attaches its routes to `bp`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from warmline.errors import invalid
from warmline.validation import parse

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def ok(status: int = 200, **data: Any) -> tuple[Response, int]:
    return jsonify({"ok": True, **data}), status


def body(fields: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON object, validated against `fields`."""
    data = request.get_json(silent=True)
    if data is None and request.get_data(cache=True):
        raise invalid("body", "The request body must be JSON (Content-Type: application/json).")
    return parse(data, fields)


from warmline.web.api import (  # noqa: E402,F401  (attach routes)
    chat,
    codes,
    device,
    escalations,
    forum_posts,
    forums,
    payers,
    peer_tools,
    reports,
    sessions,
    shifts,
    staff,
)
