"""Texts the organisation writes for members, edited by coordinators: the community
guidelines (a few lines shown where members join, the full text on its own page)."""

from __future__ import annotations

from flask_babel import gettext as _

from warmline.errors import invalid
from warmline.extensions import db
from warmline.models import SiteText, User

GUIDELINES = "guidelines"
TEXT_MAX = 20_000
SUMMARY_LINES = 4


def default_guidelines() -> str:
    # The built-in text, in the member's language, until coordinators write their own.
    return "\n".join(
        [
            _("Be kind. Everyone here is going through something."),
            _("Keep it anonymous: no names, phone numbers, addresses or photos of anyone."),
            _("Share your own experience; don't diagnose or give medical advice."),
            _("If someone may be in danger, tell a moderator with the flag button, and call 911 if it is urgent."),
            _("No hate, harassment, or selling."),
            _("Moderators may hold, hide or edit posts to keep this a safe place."),
        ]
    )


def guidelines(language: str) -> str:
    row = db.session.get(SiteText, (GUIDELINES, language))
    return row.body if row is not None else default_guidelines()


def summary(language: str) -> list[str]:
    """The first few non-empty lines: what a member reads as they join."""
    lines = [line.strip(" -*•\t") for line in guidelines(language).splitlines()]
    return [line for line in lines if line][:SUMMARY_LINES]


def save_guidelines(editor: User, language: str, body: str) -> SiteText:
    body = body.strip()
    if not body or len(body) > TEXT_MAX:
        raise invalid("body", f"The guidelines are 1 to {TEXT_MAX:,} characters.")
    row = db.session.get(SiteText, (GUIDELINES, language)) or SiteText(key=GUIDELINES, language=language)
    row.body = body
    row.updated_by_id = editor.id
    db.session.add(row)
    db.session.commit()
    return row
