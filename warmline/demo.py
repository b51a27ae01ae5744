"""Demo data for trying Warmline by hand: staff, hours of operation, a week of shifts,
three forums, a few directory entries and saved replies."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from warmline import clock
from warmline.errors import WarmlineError
from warmline.extensions import db
from warmline.models import CannedResponse, Forum, Resource, Shift, User
from warmline.services import accounts, forums, hours, resources, roster

DEMO_PASSWORD = "warmline-demo"  # printed by `demo load`; demo databases only
# (username, shift role, from, to) in local time, every day for a week.
DEMO_SHIFTS = [
    ("pat", "peer", "08:00", "16:00"),
    ("robin", "peer", "16:00", "24:00"),
    ("morgan", "moderator", "10:00", "18:00"),
    ("casey", "on_call_coordinator", "08:00", "24:00"),
]
DEMO_FORUMS = [
    ("introductions", "Introductions", "Say hello, share as much or as little as you like."),
    ("daily-check-in", "Daily check-in", "How are you today? Small wins and hard days alike."),
    ("recovery-stories", "Recovery stories", "What helped, what didn't, what keeps you going."),
]
DEMO_STAFF = [
    ("casey", "Casey", ["coordinator"]),
    ("pat", "Pat", ["peer"]),
    ("robin", "Robin", ["peer", "moderator"]),
    ("morgan", "Morgan", ["moderator"]),
    ("admin", "Admin", ["admin"]),
]


# Made-up local services (555 numbers, example.org addresses), plus the real national lines.
DEMO_RESOURCES = [
    {
        "name": "988 Suicide & Crisis Lifeline",
        "category": "crisis",
        "phone": "988",
        "text": "988",
        "url": "https://988lifeline.org/",
        "hours": "24/7",
        "area": "United States",
        "languages": "English, Spanish, 240+ by interpreter",
    },
    {
        "name": "Eastside Community Food Pantry",
        "category": "food",
        "phone": "555-0100",
        "url": "https://pantry.example.org/",
        "hours": "Mon-Fri 10:00-16:00",
        "area": "Eastside",
        "languages": "English, Spanish",
    },
    {
        "name": "Harbor House Emergency Shelter",
        "category": "shelter",
        "phone": "555-0111",
        "hours": "Intake 24/7",
        "area": "Downtown",
        "languages": "English",
    },
    {
        "name": "Open Door Peer Support Group",
        "category": "peer_support",
        "url": "https://opendoor.example.org/",
        "hours": "Wednesdays 18:30",
        "area": "Online and Northside library",
        "languages": "English",
    },
    {
        "name": "Riverside Recovery Meetings",
        "category": "recovery",
        "phone": "555-0122",
        "hours": "Daily 07:00 and 19:00",
        "area": "Riverside",
        "languages": "English, Spanish",
    },
    {
        "name": "Legal Aid Tenant Helpline",
        "category": "legal",
        "phone": "555-0133",
        "url": "https://legalaid.example.org/tenants",
        "hours": "Mon-Thu 09:00-17:00",
        "area": "County-wide",
        "languages": "English, Spanish, Vietnamese",
    },
]
DEMO_REPLIES = [
    (
        "Welcome",
        "hi",
        "Hi, I'm glad you reached out. I'm a peer specialist, and I'm here to listen. What's on your mind today?",
    ),
    (
        "Checking safety",
        "safe",
        "I want to ask you directly, because I care: are you thinking about suicide right now?",
    ),
    (
        "Closing",
        "bye",
        "Thank you for talking with me today. You can come back any time we're open, and 988 is there day and night.",
    ),
]


def load_peer_tools() -> None:
    """The directory and the shared saved replies, once."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Resource)) == 0:
        for entry in DEMO_RESOURCES:
            resources.create(entry)
    if db.session.scalar(sa.select(sa.func.count()).select_from(CannedResponse)) == 0:
        for title, shortcut, body in DEMO_REPLIES:
            db.session.add(CannedResponse(owner_id=None, title=title, body=body, shortcut=shortcut))
        db.session.commit()


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
    if db.session.scalar(sa.select(sa.func.count()).select_from(Shift)) == 0:
        load_schedule()
    for slug, title, description in DEMO_FORUMS:
        if db.session.scalar(sa.select(Forum.id).where(Forum.slug == slug)) is None:
            forums.create_forum(slug, title, description)
    load_peer_tools()
    return logins


def load_schedule() -> None:
    """Open 08:00-24:00 every day, two peers a day, and a peer on shift right now so the
    chat can be tried at once whatever the hour."""
    hours.set_weekly_hours({day: [(8 * 60, 24 * 60)] for day in range(7)})
    coordinator = _user("casey")
    today = clock.now().astimezone(hours.zone()).date()
    for username, role, start, end in DEMO_SHIFTS:
        roster.apply_template(
            coordinator,
            _user(username).id,
            role,
            range(7),
            hours.parse_clock(start, "start"),
            hours.parse_clock(end, "end"),
            today,
            today + timedelta(days=6),
        )
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    for username in ("pat", "robin"):
        try:
            roster.create_shift(coordinator, _user(username).id, "peer", now, now + timedelta(hours=4), "demo: on now")
        except WarmlineError:
            db.session.rollback()  # already on shift now: nothing to add


def _user(username: str) -> User:
    return db.session.scalars(sa.select(User).where(User.username == username)).one()
