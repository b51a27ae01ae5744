"""The peer-tools events of /chat (CONTRACT.md "Peer tools"): sharing a resource card, and
supervisors reading live conversations."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import join_room, leave_room

from warmline.permissions import COORDINATORS, PEERS
from warmline.realtime import rooms
from warmline.realtime.protocol import on_event
from warmline.services import chat, referrals, supervision
from warmline.validation import boolean, integer, optional, text

CONVERSATION = {"conversation_id": integer(minimum=1)}


@on_event("chat:share-resource", *PEERS, fields={**CONVERSATION, "resource_id": integer(minimum=1)})
def share_resource(data: dict[str, Any]) -> dict[str, Any]:
    return {"message": referrals.share_resource(current_user, data["conversation_id"], data["resource_id"])}


@on_event("monitor:join", *COORDINATORS, fields={**CONVERSATION, "open": optional(boolean(), False)})
def monitor_join(data: dict[str, Any]) -> dict[str, Any]:
    messages = supervision.join(current_user, data["conversation_id"], request.sid, open_join=data["open"])
    join_room(rooms.monitor(data["conversation_id"]))  # only after the service allowed it
    return {"conversation_id": data["conversation_id"], "messages": [chat.message_json(m) for m in messages]}


@on_event(
    "monitor:whisper",
    *COORDINATORS,
    fields={**CONVERSATION, "body": text(max_len=supervision.WHISPER_MAX, multiline=True)},
)
def monitor_whisper(data: dict[str, Any]) -> None:
    supervision.whisper(current_user, data["conversation_id"], data["body"])


@on_event("monitor:leave", *COORDINATORS, fields=CONVERSATION)
def monitor_leave(data: dict[str, Any]) -> None:
    leave_room(rooms.monitor(data["conversation_id"]))
    supervision.leave(current_user, data["conversation_id"])
