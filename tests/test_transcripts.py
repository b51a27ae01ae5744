"""A member's transcripts: read, download, delete; the peer's contact note; retention."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.chat_support import Socket
from tests.support import error_of
from tests.test_chat import start_conversation
from warmline.extensions import db
from warmline.models import ContactNote, Conversation, Message


def ended_conversation(app, api, new_api) -> tuple[int, object, object]:
    from tests.chat_support import on_duty_peer

    api.join()
    member = Socket(app, api)
    on_duty_peer(app, "pat")
    peer_api = new_api()
    peer_api.login("pat")
    peer = Socket(app, peer_api)
    conversation_id = start_conversation(member, peer)
    member.call("message:send", {"conversation_id": conversation_id, "client_id": "1", "body": "thanks for listening"})
    peer.call("message:send", {"conversation_id": conversation_id, "client_id": "2", "body": "any time"})
    member.call("chat:end", {"conversation_id": conversation_id})
    return conversation_id, peer_api, member


def test_member_reads_downloads_and_deletes(app, api, new_api):
    conversation_id, peer_api, _ = ended_conversation(app, api, new_api)
    listed = api.get("/api/v1/me/conversations").get_json()["conversations"]
    assert [c["id"] for c in listed] == [conversation_id]
    transcript = api.get(f"/api/v1/conversations/{conversation_id}/transcript").get_json()
    assert [m["body"] for m in transcript["messages"]] == ["thanks for listening", "any time"]
    download = api.get(f"/api/v1/conversations/{conversation_id}/transcript.txt")
    assert download.mimetype == "text/plain" and "attachment" in download.headers["Content-Disposition"]
    assert "Pat: any time" in download.get_data(as_text=True)
    # Nobody else reads it.
    stranger = new_api()
    stranger.join()
    assert stranger.get(f"/api/v1/conversations/{conversation_id}/transcript").status_code == 403
    assert api.delete(f"/api/v1/conversations/{conversation_id}/transcript").status_code == 200
    assert api.get(f"/api/v1/conversations/{conversation_id}/transcript").get_json()["messages"] == []
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).ended_at is not None  # the record stays


def test_retained_transcripts_cannot_be_deleted(app, api, new_api):
    conversation_id, _, _ = ended_conversation(app, api, new_api)
    with app.app_context():
        db.session.get(Conversation, conversation_id).retain = True
        db.session.commit()
    response = api.delete(f"/api/v1/conversations/{conversation_id}/transcript")
    assert response.status_code == 409 and error_of(response)["code"] == "retained"


def test_contact_note_by_the_peer_only(app, api, new_api):
    conversation_id, peer_api, _ = ended_conversation(app, api, new_api)
    note = {"topics": "sleep, work", "referral": "988 info given", "note": "follow up tomorrow"}
    assert (
        api.client.put(
            f"/api/v1/conversations/{conversation_id}/note", json=note, headers={"X-CSRFToken": api.csrf_token}
        ).status_code
        == 403
    )
    saved = peer_api.client.put(
        f"/api/v1/conversations/{conversation_id}/note", json=note, headers={"X-CSRFToken": peer_api.csrf_token}
    )
    assert saved.status_code == 200
    with app.app_context():
        assert db.session.scalar(
            sa.select(ContactNote.referral).where(ContactNote.conversation_id == conversation_id)
        ) == ("988 info given")


def test_retention_purge_is_idempotent_and_keeps_retained(app, api, new_api, runner):
    conversation_id, _, _ = ended_conversation(app, api, new_api)
    with app.app_context():
        kept = Conversation(
            member_id=db.session.get(Conversation, conversation_id).member_id, status="ended", retain=True
        )
        db.session.add(kept)
        db.session.flush()
        db.session.add(Message(conversation_id=kept.id, seq=1, client_id="k", sender_role="member", body="kept"))
        conversation = db.session.get(Conversation, conversation_id)
        conversation.ended_at = conversation.ended_at - timedelta(days=91)
        kept.ended_at = conversation.ended_at
        db.session.commit()
    first = runner.invoke(args=["retention", "purge"])
    assert "deleted 2 messages" in first.output
    second = runner.invoke(args=["retention", "purge"])
    assert "deleted 0 messages" in second.output
    with app.app_context():
        assert list(db.session.scalars(sa.select(Message.body))) == ["kept"]


def test_member_deletes_from_the_chat_page(app, api, new_api):
    import re

    conversation_id, _, _ = ended_conversation(app, api, new_api)
    html = api.get("/chat").get_data(as_text=True)
    assert f"/chat/transcripts/{conversation_id}/delete" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = api.client.post(f"/chat/transcripts/{conversation_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert "transcript deleted" in api.get("/chat").get_data(as_text=True)


def test_coordinator_sees_peers_over_time(app, api, new_api):
    from tests.support import make_staff
    from warmline.models import Shift

    api.join()
    member = Socket(app, api)
    from tests.chat_support import on_duty_peer

    on_duty_peer(app, "pat")
    peer_api = new_api()
    peer_api.login("pat")
    peer = Socket(app, peer_api)
    start_conversation(member, peer)
    make_staff(app, "casey", "coordinator")
    coordinator = new_api()
    coordinator.login("casey")
    assert 'data-testid="over-time"' not in coordinator.get("/shifts").get_data(as_text=True)
    with app.app_context():
        from warmline import clock

        db.session.execute(sa.update(Shift).values(ends_at=clock.now() - timedelta(minutes=1)))
        db.session.commit()
    html = coordinator.get("/shifts").get_data(as_text=True)
    assert 'data-testid="over-time"' in html and "Pat: a conversation since" in html
