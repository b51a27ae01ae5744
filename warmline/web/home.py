"""The home page: what this is, how to reach a peer, and crisis resources."""

from __future__ import annotations

from flask import Blueprint, render_template

from warmline.permissions import public
from warmline.services import coverage, queue_status

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index() -> str:
    return render_template("home.html", status=coverage.public_status(queue_status.waiting_count()))
