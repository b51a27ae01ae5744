"""A peer shares a directory entry into a live chat: a card both parties see, stored as the
peer's next message (so it is in the transcript and the download), and the referral noted
on that peer's contact note without them writing it down."""

from __future__ import annotations

import uuid
from typing import Any

from warmline.errors import WarmlineError, forbidden
from warmline.extensions import db
from warmline.models import ContactNote, User
from warmline.models.chat import ACTIVE
from warmline.services import chat, resources

REFERRAL_MAX = 300  # ContactNote.referral


def share_resource(peer: User, conversation_id: Any, resource_id: int) -> dict[str, Any]:
    conversation = chat.party_conversation(peer, conversation_id)
    if conversation.peer_id != peer.id:
        raise forbidden("Only the conversation's peer shares resources.")
    if conversation.status != ACTIVE:
        raise WarmlineError("not_active", "This conversation is not open for messages.", 409)
    resource = resources.get(resource_id)
    note_referral(conversation.id, peer.id, resource.name)
    db.session.flush()
    message, _ = chat.append_message(
        peer,
        conversation.id,
        f"resource-{uuid.uuid4().hex}",
        resources.card_text(resource),
        resource=resources.resource_json(resource),
    )
    return message


def note_referral(conversation_id: int, peer_id: int, name: str) -> None:
    """Appends `name` to the peer's referral line (once), in the caller's transaction."""
    note = db.session.get(ContactNote, (conversation_id, peer_id))
    if note is None:
        note = ContactNote(conversation_id=conversation_id, peer_id=peer_id, topics="", referral="", note="")
        db.session.add(note)
    given = [part.strip() for part in note.referral.split(";") if part.strip()]
    if name not in given:
        combined = "; ".join([*given, name])
        note.referral = combined if len(combined) <= REFERRAL_MAX else combined[: REFERRAL_MAX - 1] + "…"
