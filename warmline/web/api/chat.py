"""Chat over HTTP: a member's own transcripts (read, download, delete), the peer's contact
note and the peer's word on the risk detector's readings. The conversation itself runs over
Socket.IO (realtime/chat.py)."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from warmline.permissions import COORDINATORS, MEMBERS, PEERS, roles_required
from warmline.services import chat, coding, risk_verdicts
from warmline.validation import choice, integer, list_of, optional, text, whole_number
from warmline.web.api import body, bp, ok


@bp.get("/me/conversations")
@roles_required(*MEMBERS)
def my_conversations() -> tuple[Response, int]:
    return ok(conversations=[chat.conversation_json(c, current_user) for c in chat.member_conversations(current_user)])


@bp.get("/conversations/<int:conversation_id>/transcript")
@roles_required(*MEMBERS, *PEERS)
def transcript(conversation_id: int) -> tuple[Response, int]:
    conversation, messages = chat.transcript(current_user, conversation_id)
    return ok(
        conversation=chat.conversation_json(conversation, current_user),
        messages=[chat.message_json(m) for m in messages],
    )


@bp.get("/conversations/<int:conversation_id>/transcript.txt")
@roles_required(*MEMBERS)
def transcript_download(conversation_id: int) -> Response:
    conversation, messages = chat.transcript(current_user, conversation_id)
    lines = [f"Warmline conversation {conversation.id}, {conversation.requested_at:%Y-%m-%d %H:%M} UTC", ""]
    lines += [f"[{m.sent_at:%H:%M}] {chat.message_json(m)['sender_handle']}: {m.body}" for m in messages]
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="warmline-conversation-{conversation.id}.txt"'
    return response


@bp.delete("/conversations/<int:conversation_id>/transcript")
@roles_required(*MEMBERS)
def delete_transcript(conversation_id: int) -> tuple[Response, int]:
    chat.delete_transcript(current_user, conversation_id)
    return ok()


@bp.put("/conversations/<int:conversation_id>/note")
@roles_required(*PEERS)
def contact_note(conversation_id: int) -> tuple[Response, int]:
    data = body(
        {
            "topics": optional(text(max_len=300, min_len=0), ""),
            "referral": optional(text(max_len=300, min_len=0), ""),
            "note": optional(text(max_len=4000, min_len=0, multiline=True), ""),
            "service_minutes": optional(integer(minimum=0, maximum=24 * 60)),
            "distress_start": optional(integer(minimum=0, maximum=10)),
            "distress_end": optional(integer(minimum=0, maximum=10)),
            "topic_ids": optional(list_of(whole_number(), max_items=50)),
            "referral_ids": optional(list_of(whole_number(), max_items=50)),
        }
    )
    coded = data["topic_ids"] is not None or data["referral_ids"] is not None
    note = chat.save_contact_note(
        current_user,
        conversation_id,
        data["topics"],
        data["referral"],
        data["note"],
        service_minutes=data["service_minutes"],
        distress_start=data["distress_start"],
        distress_end=data["distress_end"],
        code_ids=[*(data["topic_ids"] or []), *(data["referral_ids"] or [])] if coded else None,
    )
    return ok(
        note={
            "topics": note.topics,
            "referral": note.referral,
            "note": note.note,
            "service_minutes": note.service_minutes,
            "distress_start": note.distress_start,
            "distress_end": note.distress_end,
            **coding.chosen(note.conversation_id, note.peer_id),
        }
    )


@bp.post("/conversations/<int:conversation_id>/risk-readings/<int:reading_id>")
@roles_required(*PEERS, *COORDINATORS)
def judge_risk_reading(conversation_id: int, reading_id: int) -> tuple[Response, int]:
    """Coordinators only when supervising the conversation (the service checks)."""
    data = body({"verdict": choice(*risk_verdicts.CHAT_VERDICTS)})
    reading = risk_verdicts.judge_reading(current_user, conversation_id, reading_id, data["verdict"])
    return ok(reading=risk_verdicts.reading_json(reading))
