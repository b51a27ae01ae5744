"""Room names, in one place. Rooms are joined only server-side, after a check."""

from __future__ import annotations


def user(user_id: int) -> str:
    return f"user:{user_id}"
