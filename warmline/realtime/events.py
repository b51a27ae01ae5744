"""The one place that emits: announcements from the services, after their commit, become
Socket.IO traffic here. Every emit goes to `user:<id>` rooms, so only the people named
receive it, on whichever process holds their sockets (through the message queue)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import click
from flask import Flask, current_app

from warmline import bus, clock
from warmline.extensions import db, socketio
from warmline.models import Outbox
from warmline.realtime import NAMESPACE, rooms
from warmline.services import chat, escalations, roster
from warmline.services.presence import ended_sign_ins_here

log = logging.getLogger(__name__)


def _to(user_id: int | None, event: str, payload: dict[str, Any]) -> None:
    if user_id is not None:
        socketio.emit(event, payload, to=rooms.user(user_id), namespace=NAMESPACE)


def disconnect_sockets(sids: list[str]) -> None:
    """A revoked session's sockets close at once, on whichever process holds them."""
    for sid in sids:
        socketio.server.disconnect(sid, namespace=NAMESPACE)


def close_ended_sign_ins() -> int:
    """Every process, every sweep: its own sockets whose sign-in ended are closed, whether
    or not the close sent at revocation arrived."""
    sids = ended_sign_ins_here()
    db.session.close()
    for sid in sids:
        socketio.server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
    return len(sids)


class _QueueFanOut:
    """queue:update to the peers who can take chats and chat:queued to everyone waiting,
    from one snapshot. Under a burst every request and accept changes the queue, and a
    snapshot per change is O(queue) emits each (O(queue²) in all), so changes within
    QUEUE_UPDATE_DELAY_MS share one snapshot, taken after the last of them committed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scheduled = False

    def changed(self) -> None:
        delay = current_app.config["QUEUE_UPDATE_DELAY_MS"] / 1000
        if not delay:
            self.send()
            return
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        socketio.start_background_task(self._send_later, current_app._get_current_object(), delay)  # noqa: SLF001

    def _send_later(self, app: Flask, delay: float) -> None:
        socketio.sleep(delay)
        with self._lock:  # a change from here on schedules the next snapshot
            self._scheduled = False
        with app.app_context():
            try:
                self.send()
            except Exception:  # the next change sends a fresh snapshot
                log.exception("queue update failed")
            finally:
                db.session.remove()

    @staticmethod
    def send() -> None:
        waiting = chat.queue_snapshot()
        items = chat.queue_items(waiting)
        peer_ids = roster.available_peer_ids(clock.now())
        estimate = chat.wait_estimator()
        queued = [
            (c.member_id, {"conversation_id": c.id, "position": p, "estimated_wait_minutes": estimate(p)})
            for p, c in enumerate(waiting, start=1)
        ]
        # The connection goes back to the pool before the emits: with a message queue each
        # emit is a round trip to Redis, and a long queue is hundreds of them.
        db.session.close()
        for peer_id in peer_ids:
            _to(peer_id, "queue:update", {"waiting": len(items), "items": items})
        for member_id, payload in queued:
            _to(member_id, "chat:queued", payload)


queue_fan_out = _QueueFanOut()


def queue_changed() -> None:
    queue_fan_out.changed()


def assigned(conversation_id: int, member_id: int, peer_id: int, peer_handle: str, **handoff: Any) -> None:
    payload = {"conversation_id": conversation_id, "peer_handle": peer_handle}
    _to(member_id, "chat:assigned", payload)
    _to(peer_id, "chat:assigned", {**payload, **handoff})


def _to_monitors(conversation_id: int, event: str, payload: dict[str, Any]) -> None:
    socketio.emit(event, payload, to=rooms.monitor(conversation_id), namespace=NAMESPACE)


def message(message: dict[str, Any], member_id: int, peer_id: int | None) -> None:
    _to(member_id, "message:new", message)
    _to(peer_id, "message:new", message)
    _to_monitors(message["conversation_id"], "message:new", message)


def typing(conversation_id: int, to_user_id: int, typing: bool) -> None:
    _to(to_user_id, "typing", {"conversation_id": conversation_id, "typing": typing})


def ended(conversation_id: int, member_id: int, peer_id: int | None, reason: str, ended_by: str) -> None:
    payload = {"conversation_id": conversation_id, "reason": reason, "ended_by": ended_by}
    _to(member_id, "chat:ended", payload)
    _to(peer_id, "chat:ended", payload)
    _to_monitors(conversation_id, "chat:ended", payload)


def presence(conversation_id: int, to_user_id: int, who: str, connected: bool) -> None:
    _to(to_user_id, "presence", {"conversation_id": conversation_id, "who": who, "connected": connected})


def quick_exit(conversation_id: int, peer_id: int) -> None:
    _to(peer_id, "chat:quick-exit", {"conversation_id": conversation_id})


def released(conversation_id: int, peer_id: int, reason: str) -> None:
    _to(peer_id, "chat:released", {"conversation_id": conversation_id, "reason": reason})


def requeued(conversation_id: int, member_id: int, reason: str) -> None:
    _to(member_id, "chat:requeued", {"conversation_id": conversation_id, "reason": reason})


def unanswered(conversation_id: int, peer_id: int | None, coordinator_ids: list[int]) -> None:
    for coordinator_id in coordinator_ids:
        _to(
            coordinator_id,
            "coordinator:alert",
            {"kind": "unanswered", "conversation_id": conversation_id, "peer_id": peer_id},
        )


def survey_risk(conversation_id: int, risk: str, coordinator_ids: list[int]) -> None:
    for coordinator_id in coordinator_ids:
        _to(
            coordinator_id,
            "coordinator:alert",
            {"kind": "survey_risk", "conversation_id": conversation_id, "risk": risk},
        )


def risk_raised(
    conversation_id: int, peer_id: int, risk: str, why: dict[str, Any] | None = None, reading_id: int | None = None
) -> None:
    # reading_id: the reading the peer may judge (POST /api/v1/conversations/<id>/risk-readings/<reading_id>).
    payload = {"conversation_id": conversation_id, "risk": risk, "why": why, "reading_id": reading_id}
    _to(peer_id, "risk:raised", payload)


def outbox_pending() -> None:
    escalations.deliver_outbox()


def escalation_new(
    escalation_id: int, conversation_id: int | None, risk_level: str, action: str, to: list[int]
) -> None:
    for user_id in to:
        _to(
            user_id,
            "escalation:new",
            {
                "escalation_id": escalation_id,
                "conversation_id": conversation_id,
                "risk_level": risk_level,
                "action": action,
            },
        )


def escalation_unacknowledged(escalation_id: int, conversation_id: int | None, risk_level: str, to: list[int]) -> None:
    for user_id in to:
        _to(
            user_id,
            "escalation:unacknowledged",
            {"escalation_id": escalation_id, "conversation_id": conversation_id, "risk_level": risk_level},
        )


def post_urgent(post_id: int, thread_id: int, risk: str, url: str, to: list[int]) -> None:
    for user_id in to:
        _to(user_id, "post:urgent", {"post_id": post_id, "thread_id": thread_id, "risk": risk, "url": url})


def debrief(peer_id: int, escalation_id: int) -> None:
    _to(peer_id, "escalation:debrief", {"escalation_id": escalation_id, "paused": True})


def shift_changed(shift_id: int, user_ids: list[int]) -> None:
    for user_id in user_ids:
        _to(user_id, "shift:changed", {"shift_id": shift_id})


def shift_request(request_id: int) -> None:
    for user_id in escalations.coordinator_ids():
        _to(user_id, "shift:request", {"request_id": request_id})


def monitor_joined(conversation_id: int, peer_id: int | None, by: str) -> None:
    _to(peer_id, "monitor:joined", {"conversation_id": conversation_id, "by": by})


def monitor_left(conversation_id: int, peer_id: int | None, by: str) -> None:
    _to(peer_id, "monitor:left", {"conversation_id": conversation_id, "by": by})


def monitor_whisper(conversation_id: int, peer_id: int | None, body: str, from_handle: str) -> None:
    # The peer's own room only: never the member's, never the monitor room.
    _to(peer_id, "monitor:whisper", {"conversation_id": conversation_id, "body": body, "from": from_handle})


def checkin_requested(checkin_id: int, conversation_id: int, peer_id: int, due_at: str) -> None:
    _to(peer_id, "checkin:requested", {"checkin_id": checkin_id, "conversation_id": conversation_id, "due_at": due_at})


def checkins_changed() -> None:
    """To the peers on shift, whose consoles list the check-ins due: they refetch it."""
    for peer_id in {shift.user_id for shift in roster.on_shift(clock.now())}:
        _to(peer_id, "checkins:changed", {})


def checkin_message(member_id: int, checkin: dict[str, Any]) -> None:
    _to(member_id, "checkin:message", checkin)


RELAY = "relay"


def relay_from_command_line(announcements: list[tuple[str, dict[str, Any]]]) -> None:
    """A command (`flask users disable`) runs in a process that holds no sockets; without a
    message queue its emits and socket closes reach nobody. What it announced is also kept
    in the outbox, and the server's sweeper replays it there (within SWEEP_INTERVAL)."""
    if current_app.config["SOCKETIO_MESSAGE_QUEUE"] or click.get_current_context(silent=True) is None:
        return
    db.session.add(Outbox(kind=RELAY, payload={"announcements": [[kind, p] for kind, p in announcements]}))
    db.session.commit()


def replay(announcements: list[list[Any]]) -> None:
    for kind, payload in announcements:
        bus.deliver(kind, payload)


def subscribe_all() -> None:
    bus.relay_with(relay_from_command_line)
    bus.subscribe("checkin.requested", checkin_requested)
    bus.subscribe("checkin.message", checkin_message)
    bus.subscribe("checkins.changed", checkins_changed)
    bus.subscribe("monitor.joined", monitor_joined)
    bus.subscribe("monitor.left", monitor_left)
    bus.subscribe("monitor.whisper", monitor_whisper)
    bus.subscribe("alert." + RELAY, replay)
    bus.subscribe("shifts.changed", shift_changed)
    bus.subscribe("shifts.request", shift_request)
    bus.subscribe("chat.risk", risk_raised)
    bus.subscribe("outbox.pending", outbox_pending)
    bus.subscribe("alert.escalation:new", escalation_new)
    bus.subscribe("alert.escalation:unacknowledged", escalation_unacknowledged)
    bus.subscribe("escalation.debrief", debrief)
    bus.subscribe("alert.post:urgent", post_urgent)
    bus.subscribe("sockets.disconnect", disconnect_sockets)
    bus.subscribe("chat.queue_changed", queue_changed)
    bus.subscribe("chat.assigned", assigned)
    bus.subscribe("chat.message", message)
    bus.subscribe("chat.typing", typing)
    bus.subscribe("chat.ended", ended)
    bus.subscribe("chat.presence", presence)
    bus.subscribe("chat.quick_exit", quick_exit)
    bus.subscribe("chat.released", released)
    bus.subscribe("chat.requeued", requeued)
    bus.subscribe("chat.unanswered", unanswered)
    bus.subscribe("survey.risk", survey_risk)
