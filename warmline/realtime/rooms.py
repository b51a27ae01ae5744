"""Room names, in one place. Rooms are joined only server-side, after a check."""

from __future__ import annotations


def user(user_id: int) -> str:
    return f"user:{user_id}"


def monitor(conversation_id: int) -> str:
    """Supervisors reading a conversation: never the member's room, so nothing meant for
    supervisors can reach the member."""
    return f"monitor:{conversation_id}"
