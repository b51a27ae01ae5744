"""Coverage: where the hours of operation have fewer peers on shift than the minimum, or no
on-call coordinator; and the public status built from the same roster."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from warmline import clock
from warmline.errors import invalid
from warmline.models.shifts import SHIFT_ON_CALL, SHIFT_PEER
from warmline.services import hours, roster
from warmline.services.hours import Interval

MAX_RANGE = timedelta(days=93)
RESOURCES = [
    {"name": "988 Suicide & Crisis Lifeline", "call": "988", "text": "988", "available": "24/7"},
    {"name": "Emergency services", "call": "911", "available": "24/7", "when": "in danger now"},
]


def check_range(start: datetime, end: datetime) -> None:
    if end <= start:
        raise invalid("to", "to must be after from.")
    if end - start > MAX_RANGE:
        raise invalid("to", "Ask for at most 93 days at a time.")


def _shortfalls(open_intervals: list[Interval], shifts: list[Any], needed: int) -> list[dict[str, Any]]:
    """Segments of the open intervals where fewer than `needed` shifts overlap."""
    gaps: list[dict[str, Any]] = []
    for window in open_intervals:
        points = {window.starts_at, window.ends_at}
        for shift in shifts:
            for moment in (shift.starts_at, shift.ends_at):
                if window.starts_at < moment < window.ends_at:
                    points.add(moment)
        ordered = sorted(points)
        for a, b in zip(ordered, ordered[1:], strict=False):
            staffed = sum(1 for s in shifts if s.starts_at <= a and s.ends_at >= b)
            if staffed >= needed:
                continue
            if gaps and gaps[-1]["_end"] == a and gaps[-1]["on_shift"] == staffed:
                gaps[-1]["_end"] = b
            else:
                gaps.append({"_start": a, "_end": b, "on_shift": staffed})
    return [
        {
            "starts_at": hours.iso(g["_start"]),
            "ends_at": hours.iso(g["_end"]),
            "on_shift": g["on_shift"],
            "needed": needed,
        }
        for g in gaps
    ]


def coverage(start: datetime, end: datetime) -> dict[str, Any]:
    check_range(start, end)
    open_intervals = hours.operating_intervals(start, end)
    shifts = roster.shifts_between(start, end)
    min_peers = hours.settings().min_peers
    return {
        "from": hours.iso(start),
        "to": hours.iso(end),
        "timezone": hours.zone().key,
        "min_peers": min_peers,
        "hours": [i.to_json() for i in open_intervals],
        "gaps": _shortfalls(open_intervals, [s for s in shifts if s.role == SHIFT_PEER], min_peers),
        "on_call_gaps": _shortfalls(open_intervals, [s for s in shifts if s.role == SHIFT_ON_CALL], 1),
    }


def public_status(queue_length: int = 0) -> dict[str, Any]:
    """What anyone may know: is a peer there, how many can take a chat, when next."""
    now = clock.now()
    peers_on = roster.on_shift(now)
    next_open = None if peers_on else roster.next_shift_start(now)
    return {
        "open": bool(peers_on),
        "peers_on_shift": len(peers_on),
        "peers_available": len(roster.available_peer_ids(now)),
        "queue_length": queue_length,
        "next_open_at": hours.iso(next_open) if next_open else None,
        "within_hours": hours.is_open_hours(now),
        "resources": RESOURCES,
    }
