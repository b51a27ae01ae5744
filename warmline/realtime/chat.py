"""The /chat events (CONTRACT.md): each parses, calls one chat service, answers the ack."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_login import current_user

from warmline import clock
from warmline.errors import invalid
from warmline.i18n import current_language
from warmline.models.escalations import ACTIONS, CONSENT, ESCALATION_RISKS
from warmline.permissions import ANY_SIGNED_IN, MEMBERS, PEERS
from warmline.realtime.protocol import on_event
from warmline.services import chat, escalations, roster
from warmline.validation import boolean, choice, integer, optional, text

CONVERSATION = {"conversation_id": integer(minimum=1)}


def _queued(requested: chat.Requested) -> dict[str, Any]:
    return {
        "conversation_id": requested.conversation.id,
        "position": requested.position,
        "status": requested.conversation.status,
        "existing": requested.existing,
        "estimated_wait_minutes": chat.wait_estimator()(requested.position),
        "risk": requested.conversation.risk,
    }


@on_event(
    "chat:request",
    *MEMBERS,
    fields={
        "topic": optional(text(max_len=chat.TOPIC_MAX, min_len=0), ""),
        "in_danger": optional(boolean(), False),
        "same_peer": optional(boolean(), False),
    },
)
def request_chat(data: dict[str, Any]) -> dict[str, Any]:
    # The member's language goes on the queue item, so a peer who speaks it can take it.
    return _queued(
        chat.request_chat(
            current_user, data["topic"], data["in_danger"], same_peer=data["same_peer"], language=current_language()
        )
    )


@on_event("peer:available", *PEERS, fields={"available": boolean()})
def peer_available(data: dict[str, Any]) -> dict[str, Any]:
    roster.set_available(current_user, data["available"])
    return {"available": data["available"]}


@on_event("chat:accept", *PEERS, fields={"conversation_id": optional(integer(minimum=1))})
def accept(data: dict[str, Any]) -> dict[str, Any]:
    conversation = chat.accept(current_user, data["conversation_id"])
    return {"conversation_id": conversation.id, "conversation": chat.conversation_json(conversation, current_user)}


@on_event(
    "message:send",
    *ANY_SIGNED_IN,
    rate="CHAT_MESSAGE_RATE",
    fields={
        **CONVERSATION,
        "client_id": text(max_len=64),
        "body": text(max_len=chat.MESSAGE_MAX, multiline=True, strip=False),
    },
)
def send(data: dict[str, Any]) -> dict[str, Any]:
    if not data["body"].strip():
        raise invalid("body", _("body is required."))
    message, created = chat.send_message(current_user, data["conversation_id"], data["client_id"], data["body"])
    return {"message": message, "duplicate": not created}


@on_event("chat:resume", *ANY_SIGNED_IN, fields={**CONVERSATION, "after_seq": integer(minimum=0)})
def resume(data: dict[str, Any]) -> dict[str, Any]:
    messages = chat.messages_after(current_user, data["conversation_id"], data["after_seq"])
    conversation = chat.party_conversation(current_user, data["conversation_id"])
    return {
        "messages": [chat.message_json(m) for m in messages],
        "conversation": chat.conversation_json(conversation, current_user),
    }


@on_event("typing", *ANY_SIGNED_IN, fields={**CONVERSATION, "typing": boolean()})
def typing(data: dict[str, Any]) -> None:
    chat.set_typing(current_user, data["conversation_id"], data["typing"])


@on_event("chat:end", *ANY_SIGNED_IN, fields={**CONVERSATION, "reason": optional(text(max_len=100))})
def end(data: dict[str, Any]) -> dict[str, Any]:
    conversation = chat.end(current_user, data["conversation_id"], data["reason"])
    return {"conversation_id": conversation.id, "status": conversation.status}


@on_event(
    "chat:transfer",
    *PEERS,
    fields={
        **CONVERSATION,
        "to_peer_id": integer(minimum=1),
        "note": optional(text(max_len=2000, min_len=0, multiline=True), ""),
    },
)
def transfer(data: dict[str, Any]) -> dict[str, Any]:
    conversation = chat.transfer(current_user, data["conversation_id"], data["to_peer_id"], data["note"])
    return {"conversation_id": conversation.id}


@on_event(
    "chat:escalate",
    *PEERS,
    fields={
        **CONVERSATION,
        "risk_level": choice(*ESCALATION_RISKS),
        "action": choice(*ACTIONS),
        "notes": optional(text(max_len=4000, min_len=0, multiline=True), ""),
        "consent": optional(choice(*CONSENT)),
    },
)
def escalate(data: dict[str, Any]) -> dict[str, Any]:
    escalation = escalations.escalate(
        current_user, data["conversation_id"], data["risk_level"], data["action"], data["notes"], data["consent"]
    )
    return {"escalation_id": escalation.id, "paused": escalation.risk_level in escalations.REVIEW_LEVELS}


@on_event("chat:state", *ANY_SIGNED_IN, fields={})
def state(_: dict[str, Any]) -> dict[str, Any]:
    """Everything a page needs after (re)connecting. (extension)"""
    now = clock.now()
    if current_user.is_member:
        conversation = chat.open_conversation_of(current_user.id)
        position = chat.position_of(conversation) if conversation and conversation.status == "waiting" else 0
        return {
            "conversation": chat.conversation_json(conversation, current_user) if conversation else None,
            "position": position,
            "estimated_wait_minutes": chat.wait_estimator()(position),
        }
    return {
        "on_shift": roster.is_on_shift(current_user.id, now),
        "available": roster.is_available(current_user.id, now),
        "capacity": chat.capacity_of(current_user),
        "conversations": [chat.conversation_json(c, current_user) for c in chat.active_for_peer(current_user.id)],
        "queue": chat.queue_items(chat.queue_snapshot()) if roster.is_available(current_user.id, now) else [],
        "peers": chat.peers_on_shift(now),
    }
