"""Typed models, one module per domain. Importing this package registers them all."""

from warmline.models.accounts import AuthSession, Credential, LiveSocket, User, UserRole
from warmline.models.chat import ContactNote, Conversation, Handoff, Lease, Message, ServerProcess
from warmline.models.escalations import Escalation, EscalationEntry, EscalationRead, Outbox
from warmline.models.forums import (
    Flag,
    Forum,
    HiddenForum,
    ModerationAction,
    Notice,
    Post,
    PostRevision,
    ReviewItem,
    Silence,
    Support,
    Thread,
    WatchedWord,
)
from warmline.models.shifts import (
    CalendarFeed,
    HoursException,
    OperatingHours,
    OrgSettings,
    PeerAvailability,
    Shift,
    ShiftChangeRequest,
    ShiftEvent,
)
from warmline.models.texts import SiteText

__all__ = [
    "AuthSession",
    "ContactNote",
    "Credential",
    "Conversation",
    "Escalation",
    "EscalationEntry",
    "EscalationRead",
    "Flag",
    "Forum",
    "HiddenForum",
    "ModerationAction",
    "Notice",
    "Post",
    "PostRevision",
    "ReviewItem",
    "Silence",
    "Support",
    "Thread",
    "WatchedWord",
    "Outbox",
    "Handoff",
    "Lease",
    "Message",
    "ServerProcess",
    "CalendarFeed",
    "HoursException",
    "LiveSocket",
    "OperatingHours",
    "OrgSettings",
    "PeerAvailability",
    "Shift",
    "ShiftChangeRequest",
    "ShiftEvent",
    "SiteText",
    "User",
    "UserRole",
]
