"""A member deletes their own account. What they said goes as today's rules say: the
transcripts of their ended conversations (chat.delete_transcript) and their posts (shown as
"removed by author", forum.delete). What a safety escalation keeps stays, and the member is
told so. The account itself can no longer sign in: its recovery code, PIN and handle go."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from warmline import clock
from warmline.errors import invalid
from warmline.extensions import db
from warmline.logs import audit
from warmline.models import Conversation, HiddenForum, Message, Notice, Post, User
from warmline.models.chat import ENDED, WAITING
from warmline.services import accounts, chat


@dataclass(frozen=True)
class Deleted:
    transcripts_deleted: int
    transcripts_kept: int
    posts_removed: int


def delete_account(member: User) -> Deleted:
    if not member.is_member:
        raise invalid("user", "Only a member's own account can be deleted here.")
    member = db.session.get(User, member.id) or member
    now = clock.now()
    open_conversation = chat.open_conversation_of(member.id)
    if open_conversation is not None:
        was_waiting = open_conversation.status == WAITING
        chat._finish(open_conversation, "member", "left_queue" if was_waiting else "member_ended")  # noqa: SLF001
    deleted = kept = 0
    for conversation in db.session.scalars(sa.select(Conversation).where(Conversation.member_id == member.id)):
        if conversation.status != ENDED or conversation.transcript_deleted_at is not None:
            continue
        if conversation.retain:
            kept += 1
            continue
        db.session.execute(sa.delete(Message).where(Message.conversation_id == conversation.id))
        conversation.transcript_deleted_at = now
        deleted += 1
    posts = list(db.session.scalars(sa.select(Post).where(Post.author_id == member.id, Post.deleted_at.is_(None))))
    for post in posts:
        post.deleted_at = now
        post.body_html = ""
    db.session.execute(sa.delete(Notice).where(Notice.member_id == member.id))
    db.session.execute(sa.delete(HiddenForum).where(HiddenForum.member_id == member.id))
    # The row stays (conversations and escalations point at it) but names and opens nothing.
    member.handle = "Former member"
    member.handle_key = f"deleted-{member.id}"
    member.recovery_code_hash = None
    member.pin_hash = None
    member.language = None
    member.disabled_at = now
    accounts.revoke_user_sessions(member, "account_deleted")
    db.session.commit()
    audit("member_deleted_account", user_id=member.id, transcripts_kept=kept)
    return Deleted(deleted, kept, len(posts))
