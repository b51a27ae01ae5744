"""A staff member's own settings for how alerts reach them (kept on the server, so they
follow the person from browser to browser)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import User


def of(user: User) -> dict[str, Any]:
    # Read, not taken from `user`: a socket's events reuse the user loaded when it connected.
    sound = db.session.scalar(sa.select(User.alert_sound).where(User.id == user.id))
    return {"alert_sound": bool(sound) if sound is not None else True}


def update(user: User, *, alert_sound: bool | None = None) -> dict[str, Any]:
    if alert_sound is not None:
        db.session.execute(sa.update(User).where(User.id == user.id).values(alert_sound=alert_sound))
        db.session.commit()
    return of(user)
