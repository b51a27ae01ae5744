"""The warmline chat: a member asks, the queue orders (services/queue_order.py), one
peer on shift wins the conversation, and every message is stored before anyone hears of it.

Each public function is one transaction; what others must learn is announced through the
bus and leaves the process only after the commit."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from warmline import bus, clock
from warmline.errors import WarmlineError, forbidden
from warmline.extensions import db
from warmline.models import ChatRiskReading, ContactNote, Conversation, Handoff, LiveSocket, Message, Resource, User
from warmline.models.chat import ACTIVE, ENDED, RISK_LEVELS, WAITING, risk_rank
from warmline.models.types import UTCDateTime
from warmline.risk import worker
from warmline.services import coding, continuity, coverage, demand, languages, queue_order, resources, risk, roster
from warmline.services.hours import iso

OPEN = (WAITING, ACTIVE)
MESSAGE_MAX = 2000
TOPIC_MAX = 200
DEFAULT_HANDLE_MINUTES = 15
RESUME_LIMIT = 1000


# Reading ---------------------------------------------------------------------------------


def open_conversation_of(member_id: int) -> Conversation | None:
    return db.session.scalar(
        sa.select(Conversation).where(Conversation.member_id == member_id, Conversation.status.in_(OPEN)).limit(1)
    )


def queue_snapshot(now: datetime | None = None) -> list[sa.Row[Any]]:
    """The queue as plain rows (no users loaded), in queue order: what queue updates need, cheaply."""
    v = queue_order.view(now=now)
    return list(
        db.session.execute(
            queue_order.waiting(v).with_only_columns(
                Conversation.id,
                Conversation.member_id,
                Conversation.queued_at,
                Conversation.topic,
                Conversation.risk,
                Conversation.front_of_queue,
                Conversation.member_gone_since,
                queue_order.stepped_away(v).label("stepped_away"),
                Conversation.language,
            )
        ).all()
    )


def queue_items(waiting: list[sa.Row[Any]]) -> list[dict[str, Any]]:
    """The queue as peers see it (queue:update, chat:state): whether each member is connected
    now, and since when one who stepped away has been gone."""
    return [
        {
            "conversation_id": c.id,
            "waiting_since": iso(c.queued_at),
            "topic": c.topic,
            "risk": c.risk,
            "returned": c.front_of_queue,
            "connected": c.member_gone_since is None,
            "stepped_away": bool(c.stepped_away),
            "stepped_away_since": iso(c.member_gone_since) if c.stepped_away else None,
            "language": c.language,
        }
        for c in waiting
    ]


def position_of(conversation: Conversation) -> int:
    """1 for the next to be answered, in the queue's one order."""
    if conversation.status != WAITING:
        return 0
    return queue_order.position(conversation.id, queue_order.view())


def active_for_peer(peer_id: int) -> list[Conversation]:
    return list(
        db.session.scalars(
            sa.select(Conversation)
            .where(Conversation.peer_id == peer_id, Conversation.status == ACTIVE)
            .order_by(Conversation.assigned_at)
        )
    )


def peers_on_shift(now: datetime) -> list[dict[str, Any]]:
    """Who else is working now, for the console's presence list: on a peer shift, and
    whether they are taking chats (switched on, with a console open)."""
    on_shift = {s.user_id for s in roster.on_shift(now)}
    if not on_shift:
        return []
    taking = set(roster.available_peer_ids(now))
    rows = db.session.execute(sa.select(User.id, User.handle).where(User.id.in_(on_shift)).order_by(User.handle))
    return [{"id": r.id, "handle": r.handle, "available": r.id in taking} for r in rows]


def capacity_of(peer: User) -> int:
    # Read, not taken from `peer`: a socket's events reuse the user loaded when it connected.
    capacity = db.session.scalar(sa.select(User.chat_capacity).where(User.id == peer.id))
    return capacity or current_app.config["CHAT_DEFAULT_CAPACITY"]


def party_conversation(user: User, conversation_id: Any) -> Conversation:
    """The conversation if `user` is its member or its peer; otherwise `forbidden`, whether
    or not it exists, so an outsider learns nothing."""
    conversation = db.session.get(Conversation, conversation_id) if isinstance(conversation_id, int) else None
    if conversation is None or user.id not in (conversation.member_id, conversation.peer_id):
        raise forbidden(_("That conversation is not yours."))
    return conversation


def average_handle_minutes(now: datetime) -> float:
    """Mean length of the last week's answered conversations; a default before there are any."""
    rows = db.session.execute(
        sa.select(Conversation.first_assigned_at, Conversation.ended_at)
        .where(
            Conversation.status == ENDED,
            Conversation.first_assigned_at.is_not(None),
            Conversation.ended_at > now - timedelta(days=7),
        )
        .limit(500)
    ).all()
    lengths = [
        (ended - started).total_seconds() / 60 for started, ended in rows if ended and started and ended > started
    ]
    return sum(lengths) / len(lengths) if lengths else DEFAULT_HANDLE_MINUTES


def wait_estimator(now: datetime | None = None) -> Callable[[int], int | None]:
    """Minutes until a peer likely answers position N, from live staffing (peers available,
    their free places) and recent handling times; None when no peer is available. Reads the
    figures in three queries, so a whole queue is estimated cheaply."""
    now = now or clock.now()
    peers = roster.available_peer_ids(now)
    free = 0
    if peers:
        capacities = dict(db.session.execute(sa.select(User.id, User.chat_capacity).where(User.id.in_(peers))).all())
        active = dict(
            db.session.execute(
                sa.select(Conversation.peer_id, sa.func.count())
                .where(Conversation.peer_id.in_(peers), Conversation.status == ACTIVE)
                .group_by(Conversation.peer_id)
            ).all()
        )
        default = current_app.config["CHAT_DEFAULT_CAPACITY"]
        free = sum(max(0, (capacities.get(p) or default) - active.get(p, 0)) for p in peers)
    per_round = average_handle_minutes(now) / 2 if peers else 0.0

    def estimate(position: int) -> int | None:
        if not peers or position <= 0:
            return None
        if position <= free:
            return 0
        return max(1, round(math.ceil((position - free) / len(peers)) * per_round))

    return estimate


def conversation_json(conversation: Conversation, viewer: User | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": conversation.id,
        "conversation_id": conversation.id,
        "status": conversation.status,
        "topic": conversation.topic,
        "risk": conversation.risk,
        "member_handle": conversation.member.handle,
        "peer_handle": conversation.peer.handle if conversation.peer else None,
        "requested_at": iso(conversation.requested_at),
        "assigned_at": iso(conversation.assigned_at) if conversation.assigned_at else None,
        "answered_at": iso(conversation.first_assigned_at) if conversation.first_assigned_at else None,
        "ended_at": iso(conversation.ended_at) if conversation.ended_at else None,
        "end_reason": conversation.end_reason,
        "last_seq": conversation.last_seq,
    }
    if viewer is not None and viewer.id == conversation.peer_id:
        data["intake_danger"] = conversation.intake_danger
        data["member_connected"] = conversation.member_gone_since is None
        data["earlier_contacts"] = earlier_contacts(conversation)
    if viewer is not None and viewer.id == conversation.member_id:
        data["peer_connected"] = conversation.peer_gone_since is None
    return data


EARLIER_CONTACTS = 5


def earlier_contacts(conversation: Conversation) -> list[dict[str, Any]]:
    """The member's last few contacts with this organisation before this one, for the peer's
    context (when, with whom, about what): no transcript."""
    rows = db.session.execute(
        sa.select(Conversation.id, Conversation.requested_at, Conversation.topic, User.handle)
        .outerjoin(User, User.id == Conversation.peer_id)
        .where(Conversation.member_id == conversation.member_id, Conversation.id != conversation.id)
        .where(Conversation.requested_at < conversation.requested_at)
        .order_by(Conversation.requested_at.desc())
        .limit(EARLIER_CONTACTS)
    ).all()
    return [
        {"conversation_id": r.id, "requested_at": iso(r.requested_at), "topic": r.topic, "peer_handle": r.handle}
        for r in rows
    ]


def message_json(message: Message) -> dict[str, Any]:
    data = _message_dict(
        message.conversation_id,
        message.id,
        message.seq,
        message.client_id,
        message.sender_role,
        message.sender.handle if message.sender else "Warmline",
        message.body,
        message.sent_at,
    )
    if message.resource_id is not None:
        shared = db.session.get(Resource, message.resource_id)
        if shared is not None:
            data["resource"] = resources.resource_json(shared)
    return data


def _message_dict(
    conversation_id: int,
    message_id: int | None,
    seq: int,
    client_id: str,
    sender_role: str,
    sender_handle: str,
    body: str,
    sent_at: datetime,
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "id": message_id,
        "seq": seq,
        "client_id": client_id,
        "sender_role": sender_role,
        "sender_handle": sender_handle,
        "body": body,
        "sent_at": iso(sent_at),
    }


# Member: asking for a peer -----------------------------------------------------------------


@dataclass
class Requested:
    conversation: Conversation
    position: int
    existing: bool


def closed_error(now: datetime) -> WarmlineError:
    next_open = roster.next_shift_start(now)
    return WarmlineError(
        "closed",
        _("No peer is on shift right now. If you are in crisis, call or text 988; in danger, call 911."),
        409,
        resources=coverage.RESOURCES,
        next_open_at=iso(next_open) if next_open else None,
    )


def request_chat(
    member: User,
    topic: str = "",
    in_danger: bool = False,
    known_risk: str = "none",
    *,
    same_peer: bool = False,
    language: str = "en",
) -> Requested:
    """Join the queue. A member has one open conversation: asking again returns it (raised to
    `known_risk` if that is higher: e.g. the member comes from a risky forum post).
    `same_peer`: offered first to the member's last peer, if on shift (services/continuity)."""
    existing = open_conversation_of(member.id)
    if existing is not None:
        raise_risk(existing, known_risk)
        db.session.commit()
        return Requested(existing, position_of(existing), True)
    now = clock.now()
    if not roster.on_shift(now):
        demand.record_closed_request(now)
        raise closed_error(now)
    detected = max(risk.level_of(topic), known_risk, key=risk_rank)
    level = "imminent" if in_danger else (detected if risk_rank(detected) >= risk_rank("moderate") else "none")
    conversation = Conversation(
        member_id=member.id,
        topic=topic,
        intake_danger=in_danger,
        language=language,
        risk=level,
        risk_rank=risk_rank(level),
        requested_at=now,
        queued_at=now,
        same_peer_id=continuity.previous_peer_id(member.id, now) if same_peer else None,
    )
    db.session.add(conversation)
    db.session.flush()
    bus.announce("chat.queue_changed")
    db.session.commit()
    return Requested(conversation, position_of(conversation), False)


def _score_later(conversation_id: int, message_id: int, rank: int, text: str) -> None:
    """After the commit, off the request: member text goes through the risk detector, and a
    higher level raises the conversation's risk and shows the peer a banner with why
    (`_apply_score`). It never stops the member writing, nor delays the message."""
    if rank >= risk_rank("imminent"):
        return
    app = current_app._get_current_object()  # noqa: SLF001
    extra, path = risk.settings_of(app)
    worker.submit(app, partial(risk.assess, text, extra, path), partial(_apply_score, conversation_id, message_id))


def _apply_score(conversation_id: int, message_id: int, assessment: risk.Assessment) -> None:
    """Risk only goes up: one guarded update, so scores landing in any order keep the highest.
    A reading that raised it is recorded with it, for the peer to judge (services/risk_verdicts.py)."""
    if assessment.rank < risk_rank("moderate"):
        return
    table = Conversation.__table__.c
    raised = db.session.execute(
        sa.update(Conversation.__table__)
        .where(table.id == conversation_id, table.risk_rank < assessment.rank)
        .values(risk=assessment.level, risk_rank=assessment.rank)
        .returning(table.peer_id, table.status)
    ).first()
    if raised is None:
        db.session.rollback()
        return
    reading = {"conversation_id": conversation_id, "message_id": message_id, "level": assessment.level}
    reading_id = db.session.execute(_INSERT_READING, reading).scalar_one()
    if raised.status == WAITING:
        bus.announce("chat.queue_changed")
    if raised.peer_id is not None:
        bus.announce(
            "chat.risk",
            conversation_id=conversation_id,
            peer_id=raised.peer_id,
            risk=assessment.level,
            why=assessment.why(),
            reading_id=reading_id,
        )
    db.session.commit()


def _insert_reading() -> sa.Insert:
    """The message is linked only if it is still there: the member may have deleted the
    transcript while the score ran."""
    readings, messages = ChatRiskReading.__table__, Message.__table__
    still_there = sa.select(messages.c.id).where(messages.c.id == sa.bindparam("message_id")).scalar_subquery()
    return (
        sa.insert(readings)
        .values(
            conversation_id=sa.bindparam("conversation_id"),
            message_id=still_there,
            detector_level=sa.bindparam("level"),
        )
        .returning(readings.c.id)
    )


_INSERT_READING = _insert_reading()


def raise_risk(conversation: Conversation, level: str) -> None:
    """Risk only goes up; it moves a waiting conversation forward in the queue."""
    if level in RISK_LEVELS and risk_rank(level) > conversation.risk_rank:
        conversation.risk = level
        conversation.risk_rank = risk_rank(level)
        if conversation.status == WAITING:
            bus.announce("chat.queue_changed")


# Peer: taking a conversation ------------------------------------------------------------


def _check_can_take(peer: User, now: datetime) -> None:
    if not roster.is_on_shift(peer.id, now):
        raise WarmlineError("not_on_shift", "You can take chats only during your peer shift.", 409)
    if not roster.is_available(peer.id, now):
        raise WarmlineError("not_available", "Switch yourself to available to take chats.", 409)
    if len(active_for_peer(peer.id)) >= capacity_of(peer):
        raise WarmlineError("at_capacity", f"You already have {capacity_of(peer)} conversations open.", 409)


def _claim(conversation_id: int, peer: User, now: datetime) -> bool:
    """The atomic step: only a still-waiting conversation changes hands, so of two peers
    (even on two processes) exactly one sees a row updated."""
    result = db.session.execute(
        sa.update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == WAITING)
        .values(status=ACTIVE, peer_id=peer.id, assigned_at=now, front_of_queue=False, peer_gone_since=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def accept(peer: User, conversation_id: int | None = None) -> Conversation:
    now = clock.now()
    _check_can_take(peer, now)
    if conversation_id is not None:
        if not _claim(conversation_id, peer, now):
            db.session.rollback()
            exists = db.session.get(Conversation, conversation_id) is not None
            if not exists:
                raise forbidden("That conversation is not in the queue.")
            raise WarmlineError("already_taken", "Another peer took that conversation.", 409)
        claimed = conversation_id
    else:
        claimed = _claim_next(peer, now)
    conversation = db.session.get(Conversation, claimed, populate_existing=True)
    assert conversation is not None
    if conversation.first_assigned_at is None:
        conversation.first_assigned_at = now
    bus.announce(
        "chat.assigned",
        conversation_id=conversation.id,
        member_id=conversation.member_id,
        peer_id=peer.id,
        peer_handle=peer.handle,
    )
    bus.announce("chat.queue_changed")
    db.session.commit()
    return conversation


def _claim_next(peer: User, now: datetime) -> int:
    for _attempt in range(20):
        view = queue_order.view(peer_id=peer.id, now=now, peer_languages=tuple(languages.peer_languages(peer)))
        # Another peer's running continuity offer is left to that peer.
        candidates = (
            queue_order.waiting(view)
            .where(~continuity.reserved_for_another(peer.id, now))
            .with_only_columns(Conversation.id)
            .limit(1)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        candidate = db.session.scalar(candidates)
        if candidate is None:
            raise WarmlineError("queue_empty", "Nobody is waiting right now.", 409)
        if _claim(candidate, peer, now):
            return candidate
    raise WarmlineError("already_taken", "Other peers took the waiting conversations; try again.", 409)


def transfer(peer: User, conversation_id: Any, to_peer_id: int, note: str) -> Conversation:
    """Hand a conversation to another available peer, with a note the member never sees."""
    conversation = party_conversation(peer, conversation_id)
    if conversation.peer_id != peer.id or conversation.status != ACTIVE:
        raise forbidden("Only the peer of an active conversation can hand it on.")
    target = db.session.get(User, to_peer_id)
    if target is None or target.id == peer.id or not target.has_role("peer"):
        raise WarmlineError("invalid", "Choose another peer.", 400, field="to_peer_id")
    _check_can_take(target, clock.now())
    conversation.peer_id = target.id
    conversation.peer_gone_since = None
    conversation.assigned_at = clock.now()
    db.session.add(Handoff(conversation_id=conversation.id, from_peer_id=peer.id, to_peer_id=target.id, note=note))
    # The member hears of it in the conversation itself, where they are looking.
    notice = _notice(
        conversation, _("%(from)s handed the conversation to %(to)s.", **{"from": peer.handle, "to": target.handle})
    )
    bus.announce("chat.message", message=notice, member_id=conversation.member_id, peer_id=target.id)
    bus.announce("chat.released", conversation_id=conversation.id, peer_id=peer.id, reason="transferred")
    bus.announce(
        "chat.assigned",
        conversation_id=conversation.id,
        member_id=conversation.member_id,
        peer_id=target.id,
        peer_handle=target.handle,
        handoff_note=note,
        from_handle=peer.handle,
    )
    db.session.commit()
    return conversation


# Both parties: messages, typing, the end ---------------------------------------------------


SYSTEM = "system"


def _notice(conversation: Conversation, body: str) -> dict[str, Any]:
    """A line from Warmline itself in the transcript (next seq, no sender), e.g. a hand-over."""
    table = Conversation.__table__.c
    seq = db.session.execute(
        sa.update(Conversation.__table__)
        .where(table.id == conversation.id)
        .values(last_seq=table.last_seq + 1)
        .returning(table.last_seq)
    ).scalar_one()
    db.session.expire(conversation, ["last_seq"])
    now = clock.now()
    client_id = f"system-{seq}"
    row = {
        "conversation_id": conversation.id,
        "seq": seq,
        "client_id": client_id,
        "sender_id": None,
        "sender_role": SYSTEM,
        "body": body,
        "sent_at": now,
    }
    message_id = db.session.execute(_INSERT_MESSAGE, row).scalar_one()
    return _message_dict(conversation.id, message_id, seq, client_id, SYSTEM, "Warmline", body, now)


def _bump_statement(*, from_party: bool = True) -> sa.Update:
    """Counts a message in: only into an active conversation, only from one of its parties
    (a notice from Warmline itself, `from_party=False`, from nobody's side). Also notes the
    peer's first reply (the unanswered-chat rule reads it)."""
    table = Conversation.__table__.c
    party = sa.or_(table.member_id == sa.bindparam("user_id"), table.peer_id == sa.bindparam("user_id"))
    return (
        sa.update(Conversation.__table__)
        .where(table.id == sa.bindparam("conversation_id"), table.status == ACTIVE, party if from_party else sa.true())
        .values(
            last_seq=table.last_seq + 1,
            peer_replied_at=sa.case(
                (
                    sa.and_(table.peer_id == sa.bindparam("user_id"), table.peer_replied_at.is_(None)),
                    sa.bindparam("now", type_=UTCDateTime),
                ),
                else_=table.peer_replied_at,
            ),
        )
        .returning(table.last_seq, table.member_id, table.peer_id, table.risk_rank)
    )


# Built once: Core statements on the tables skip the ORM's per-call work on the hot path.
_BUMP = _bump_statement()
_BUMP_NOTICE = _bump_statement(from_party=False)
_INSERT_MESSAGE = sa.insert(Message.__table__).returning(Message.__table__.c.id)


def send_message(user: User, conversation_id: Any, client_id: str, body: str) -> tuple[dict[str, Any], bool]:
    """Stores the message, then (after the commit) it is delivered; returns it as sent on the
    wire and whether it is new. The same client_id from the same sender is stored once: a
    resend answers the stored message.

    The hot path of the whole service, so its common case is two statements and a commit,
    with nothing loaded through the ORM: bumping the counter (which also checks that the
    sender is a party and the conversation is open, and locks its row until the commit, so
    seq stays gapless) and the insert."""
    return append_message(user, conversation_id, client_id, body)


def append_message(
    user: User,
    conversation_id: Any,
    client_id: str,
    body: str,
    *,
    resource: dict[str, Any] | None = None,
    notice: bool = False,
) -> tuple[dict[str, Any], bool]:
    """The one way a message enters a conversation's sequence (send_message's path). A
    `resource` card is the peer's message carrying the card; a `notice` is Warmline's own
    line in the conversation (a supervisor joined openly), with no sender. Commits whatever
    the caller changed in the session along with the message."""
    now = clock.now()
    bumped = None
    if isinstance(conversation_id, int):
        params = {"conversation_id": conversation_id, "user_id": user.id, "now": now}
        bumped = db.session.execute(_BUMP_NOTICE if notice else _BUMP, params).first()
    if bumped is None:
        if notice:
            raise WarmlineError("not_active", "This conversation is not open.", 409)
        return _not_sendable(user, conversation_id, client_id), False
    seq, member_id, peer_id, rank = bumped
    role = "system" if notice else "member" if user.id == member_id else "peer"
    row = {
        "conversation_id": conversation_id,
        "seq": seq,
        "client_id": client_id,
        "sender_id": None if notice else user.id,
        "sender_role": role,
        "body": body,
        "sent_at": now,
        "resource_id": resource["id"] if resource else None,
    }
    try:
        message_id = db.session.execute(_INSERT_MESSAGE, row).scalar_one()
    except sa.exc.IntegrityError:  # a resend: this sender's client_id is stored already
        db.session.rollback()  # and so is the counter's bump
        again = _by_client_id(conversation_id, user.id, client_id)
        if again is None:
            raise
        return message_json(again), False
    handle = "Warmline" if notice else user.handle
    message = _message_dict(conversation_id, message_id, seq, client_id, role, handle, body, now)
    if resource:
        message["resource"] = resource
    bus.announce("chat.message", message=message, member_id=member_id, peer_id=peer_id)
    db.session.commit()
    if role == "member":
        _score_later(conversation_id, message_id, rank, body)
    return message, True


def _not_sendable(user: User, conversation_id: Any, client_id: str) -> dict[str, Any]:
    """Why a message cannot be stored, or the stored one when it is a resend (which is
    answered even after the conversation ended)."""
    conversation = party_conversation(user, conversation_id)
    existing = _by_client_id(conversation.id, user.id, client_id)
    if existing is not None:
        return message_json(existing)
    raise WarmlineError(
        "not_active", _("This conversation is not open for messages."), 409, conversation_status=conversation.status
    )


def _by_client_id(conversation_id: int, sender_id: int, client_id: str) -> Message | None:
    return db.session.scalar(
        sa.select(Message).where(
            Message.conversation_id == conversation_id, Message.sender_id == sender_id, Message.client_id == client_id
        )
    )


def messages_after(user: User, conversation_id: Any, after_seq: int) -> list[Message]:
    conversation = party_conversation(user, conversation_id)
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.conversation_id == conversation.id, Message.seq > after_seq)
            .order_by(Message.seq)
            .limit(RESUME_LIMIT)
        )
    )


def set_typing(user: User, conversation_id: Any, typing: bool) -> None:
    conversation = party_conversation(user, conversation_id)
    other = conversation.peer_id if user.id == conversation.member_id else conversation.member_id
    if conversation.status == ACTIVE and other is not None:
        bus.announce("chat.typing", conversation_id=conversation.id, to_user_id=other, typing=typing)
        db.session.commit()


def end(user: User, conversation_id: Any, reason: str | None = None) -> Conversation:
    conversation = party_conversation(user, conversation_id)
    if conversation.status != ENDED:
        ended_by = "member" if user.id == conversation.member_id else "peer"
        _finish(conversation, ended_by, reason or f"{ended_by}_ended")
        db.session.commit()
    return conversation


def _finish(conversation: Conversation, ended_by: str, reason: str) -> None:
    was_waiting = conversation.status == WAITING
    conversation.status = ENDED
    conversation.ended_at = clock.now()
    conversation.ended_by = ended_by
    conversation.end_reason = reason
    from warmline.services import supervision  # it reads and writes messages through this module

    supervision.conversation_ended(conversation.id, conversation.ended_at)
    bus.announce(
        "chat.ended",
        conversation_id=conversation.id,
        member_id=conversation.member_id,
        peer_id=conversation.peer_id,
        reason=reason,
        ended_by=ended_by,
    )
    if was_waiting:
        bus.announce("chat.queue_changed")


def held_by(peer_id: int, conversation: Conversation) -> bool:
    """True when `peer_id` holds the conversation now or held it before a hand-over."""
    if conversation.peer_id == peer_id:
        return True
    return (
        db.session.scalar(
            sa.select(Handoff.id)
            .where(Handoff.conversation_id == conversation.id, Handoff.from_peer_id == peer_id)
            .limit(1)
        )
        is not None
    )


def save_contact_note(
    peer: User,
    conversation_id: Any,
    topics: str,
    referral: str,
    note: str,
    *,
    service_minutes: int | None = None,
    distress_start: int | None = None,
    distress_end: int | None = None,
    code_ids: list[int] | None = None,
) -> ContactNote:
    """Each peer who held the conversation keeps their own note (a hand-over leaves the first
    peer's note with them); the member never sees any of it."""
    conversation = db.session.get(Conversation, conversation_id) if isinstance(conversation_id, int) else None
    if conversation is None or not held_by(peer.id, conversation):
        raise forbidden("Only a peer who held this conversation writes a contact note for it.")
    row = db.session.get(ContactNote, (conversation.id, peer.id)) or ContactNote(
        conversation_id=conversation.id, peer_id=peer.id
    )
    row.topics, row.referral, row.note = topics, referral, note
    row.service_minutes, row.distress_start, row.distress_end = service_minutes, distress_start, distress_end
    if row.created_at is not None:
        row.updated_at = clock.now()
    db.session.add(row)
    if code_ids is not None:  # coded topics and referrals (reports count them)
        coding.set_note_codes(row, code_ids)
    db.session.commit()
    return row


# Presence and the timers that follow from it -----------------------------------------------


def connection_changed(user_id: int) -> None:
    """After a socket opens or closes: mark the user's open conversations present or gone
    (the grace periods run from `*_gone_since`), and tell the other party."""
    connected = (
        db.session.scalar(sa.select(sa.func.count()).select_from(LiveSocket).where(LiveSocket.user_id == user_id)) > 0
    )
    now = clock.now()
    conversations = db.session.scalars(
        sa.select(Conversation).where(
            Conversation.status.in_(OPEN), sa.or_(Conversation.member_id == user_id, Conversation.peer_id == user_id)
        )
    )
    for conversation in conversations:
        as_member = conversation.member_id == user_id
        column = "member_gone_since" if as_member else "peer_gone_since"
        was_gone = getattr(conversation, column) is not None
        if connected == was_gone:
            setattr(conversation, column, None if connected else now)
            if as_member and conversation.status == WAITING:  # peers see who is connected
                bus.announce("chat.queue_changed")
            other = conversation.peer_id if as_member else conversation.member_id
            if other is not None:
                bus.announce(
                    "chat.presence",
                    conversation_id=conversation.id,
                    to_user_id=other,
                    who="member" if as_member else "peer",
                    connected=connected,
                )
    db.session.commit()


def requeue(conversation: Conversation, reason: str) -> None:
    """Back to the front of the queue (the peer is gone, or never answered)."""
    previous_peer = conversation.peer_id
    conversation.status = WAITING
    conversation.peer_id = None
    conversation.peer_gone_since = None
    conversation.front_of_queue = True
    conversation.peer_replied_at = None
    if previous_peer is not None:
        bus.announce("chat.released", conversation_id=conversation.id, peer_id=previous_peer, reason=reason)
    bus.announce("chat.requeued", conversation_id=conversation.id, member_id=conversation.member_id, reason=reason)
    bus.announce("chat.queue_changed")


def _just_stepped_away(now: datetime) -> bool:
    """A waiting member crossed the stepped-away limit since about the last sweep (a second
    announcement is harmless: queue updates are snapshots)."""
    config = current_app.config
    limit = now - timedelta(seconds=config["CHAT_STEPPED_AWAY"])
    window = timedelta(seconds=2 * config["SWEEP_INTERVAL"])
    found = db.session.scalar(
        sa.select(Conversation.id)
        .where(
            Conversation.status == WAITING,
            Conversation.member_gone_since <= limit,
            Conversation.member_gone_since > limit - window,
        )
        .limit(1)
    )
    return found is not None


def apply_timers(now: datetime) -> dict[str, list[int]]:
    """What the grace periods and the unanswered-chat rule decide at `now`. Run by the
    sweeper under its lease, so once across all processes."""
    config = current_app.config
    done: dict[str, list[int]] = {"peer_gone": [], "member_left": [], "unanswered": []}
    peer_gone = sa.select(Conversation).where(
        Conversation.status == ACTIVE,
        Conversation.peer_gone_since <= now - timedelta(seconds=config["CHAT_PEER_GRACE"]),
    )
    for conversation in db.session.scalars(peer_gone):
        requeue(conversation, "peer_disconnected")
        done["peer_gone"].append(conversation.id)
    member_gone = sa.select(Conversation).where(
        Conversation.status.in_(OPEN),
        Conversation.member_gone_since <= now - timedelta(seconds=config["CHAT_MEMBER_GRACE"]),
    )
    for conversation in db.session.scalars(member_gone):
        _finish(conversation, "system", "member_left")
        done["member_left"].append(conversation.id)
    if _just_stepped_away(now):
        bus.announce("chat.queue_changed")  # their place in the order moved
    unanswered = sa.select(Conversation).where(
        Conversation.status == ACTIVE,
        Conversation.peer_replied_at.is_(None),
        Conversation.assigned_at <= now - timedelta(seconds=config["CHAT_UNANSWERED"]),
    )
    for conversation in db.session.scalars(unanswered):
        peer_id = conversation.peer_id
        requeue(conversation, "unanswered")
        bus.announce(
            "chat.unanswered",
            conversation_id=conversation.id,
            peer_id=peer_id,
            coordinator_ids=[s.user_id for s in roster.on_shift(now, "on_call_coordinator")],
        )
        done["unanswered"].append(conversation.id)
    db.session.commit()
    return done


# Member privacy: their transcripts ---------------------------------------------------------


def member_conversations(member: User) -> list[Conversation]:
    return list(
        db.session.scalars(
            sa.select(Conversation)
            .where(Conversation.member_id == member.id)
            .order_by(Conversation.requested_at.desc())
            .limit(100)
        )
    )


def transcript(user: User, conversation_id: Any) -> tuple[Conversation, list[Message]]:
    conversation = party_conversation(user, conversation_id)
    return conversation, messages_after(user, conversation.id, 0)


def delete_transcript(member: User, conversation_id: Any) -> None:
    """The member removes what was said. The record that a contact happened (times, who
    answered) stays; a transcript an escalation must keep is refused."""
    conversation = party_conversation(member, conversation_id)
    if conversation.member_id != member.id:
        raise forbidden(_("Only the member can delete their transcript."))
    if conversation.status != ENDED:
        raise WarmlineError("not_ended", _("End the conversation first."), 409)
    if conversation.retain:
        raise WarmlineError("retained", _("This transcript is kept because of a safety escalation."), 409)
    db.session.execute(sa.delete(Message).where(Message.conversation_id == conversation.id))
    conversation.transcript_deleted_at = clock.now()
    db.session.commit()


def purge_transcripts(now: datetime, retention_days: int) -> int:
    """Delete message bodies of conversations ended before the retention period, except
    those an escalation keeps. Idempotent: a second run finds nothing."""
    cutoff = now - timedelta(days=retention_days)
    expired = sa.select(Conversation.id).where(
        Conversation.status == ENDED, Conversation.ended_at < cutoff, Conversation.retain.is_(False)
    )
    result = db.session.execute(sa.delete(Message).where(Message.conversation_id.in_(expired)))
    db.session.execute(
        sa.update(Conversation)
        .where(Conversation.id.in_(expired), Conversation.transcript_deleted_at.is_(None))
        .values(transcript_deleted_at=now)
    )
    db.session.commit()
    return result.rowcount or 0


def over_time(now: datetime) -> list[Conversation]:
    """Active conversations whose peer's shift has ended: they go on until ended or handed
    over, and coordinators see them."""
    on_now = {shift.user_id for shift in roster.on_shift(now)}
    return [
        c
        for c in db.session.scalars(sa.select(Conversation).where(Conversation.status == ACTIVE))
        if c.peer_id not in on_now
    ]
