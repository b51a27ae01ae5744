"""Demo data for trying Warmline by hand: staff accounts (and, as areas land, their data)."""

from __future__ import annotations

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import User
from warmline.services import accounts

DEMO_PASSWORD = "warmline-demo"  # printed by `demo load`; demo databases only
DEMO_STAFF = [
    ("casey", "Casey", ["coordinator"]),
    ("pat", "Pat", ["peer"]),
    ("robin", "Robin", ["peer", "moderator"]),
    ("morgan", "Morgan", ["moderator"]),
    ("admin", "Admin", ["admin"]),
]


def is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def load() -> list[tuple[str, list[str]]]:
    """Creates what is missing and returns the logins to print."""
    logins = []
    for username, handle, roles in DEMO_STAFF:
        if db.session.scalar(sa.select(User.id).where(User.username == username)) is None:
            accounts.create_staff(username, DEMO_PASSWORD, roles, handle=handle)
        logins.append((username, roles))
    db.session.commit()
    return logins
