"""A page that reads like care: transcripts read on the page, past conversations that were
conversations, kind words about what is kept, support that can be taken back, a silence
told in local time, community guidelines where members join, and deleting one's account."""

from __future__ import annotations

import re

from tests.chat_support import Socket, on_duty_peer
from tests.support import error_of, make_staff
from tests.test_forum import new_thread, trusted_member
from warmline.extensions import db
from warmline.models import Conversation, Post
from warmline.services import texts


def chat_with_peer(app, api, new_api, text="I had a rough day"):
    member = Socket(app, api)
    if not hasattr(app, "_pat"):
        app._pat = on_duty_peer(app, "pat")
    peer_browser = new_api()
    peer_browser.login("pat")
    peer = Socket(app, peer_browser)
    asked = member.call("chat:request", {"topic": "day"})
    conversation_id = asked["conversation_id"]
    assert peer.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "c1", "body": text})["ok"]
    assert member.call("chat:end", {"conversation_id": conversation_id})["ok"]
    return conversation_id, member


def test_transcript_reads_on_the_page_and_past_lists_only_answered_chats(app, api, new_api):
    api.join()
    conversation_id, member = chat_with_peer(app, api, new_api)
    # A chat left while still waiting is not a past conversation.
    left = member.call("chat:request", {"topic": "again"})
    assert member.call("chat:end", {"conversation_id": left["conversation_id"], "reason": "left_queue"})["ok"]

    page = api.get("/chat").get_data(as_text=True)
    assert f"/chat/transcripts/{conversation_id}" in page
    assert f"/chat/transcripts/{left['conversation_id']}" not in page
    assert page.count("<li>") >= 1 and "Connected." not in page
    transcript = api.get(f"/chat/transcripts/{conversation_id}")
    assert transcript.status_code == 200 and "I had a rough day" in transcript.get_data(as_text=True)
    stranger = new_api()
    stranger.join()
    assert stranger.get(f"/chat/transcripts/{conversation_id}").status_code == 404


def test_a_kept_safety_record_says_why_it_cannot_be_deleted(app, api, new_api):
    api.join()
    conversation_id, _member = chat_with_peer(app, api, new_api)
    with app.app_context():
        db.session.get(Conversation, conversation_id).retain = True
        db.session.commit()
    page = api.get("/chat").get_data(as_text=True)
    assert "it is a safety record" in page
    assert f"/chat/transcripts/{conversation_id}/delete" not in page


def test_support_is_taken_back_and_the_page_returns_to_the_post(app, new_api, board):
    author = trusted_member(new_api, board)
    post = new_thread(author, "x", "rough week").get_json()["post"]
    fan = new_api()
    fan.join()
    back = f"/threads/{post['thread_id']}?page=1"
    sent = fan.client.post(f"/posts/{post['id']}/support", data={"csrf_token": fan.csrf_token, "back": back})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"{back}#post-{post['id']}")
    page = fan.get(back).get_data(as_text=True)
    assert "Support sent (1)" in page and 'aria-pressed="true"' in page
    fan.client.post(f"/posts/{post['id']}/support", data={"csrf_token": fan.csrf_token, "back": back, "undo": "1"})
    assert "Send support (0)" in fan.get(back).get_data(as_text=True)
    assert fan.post(f"/api/v1/posts/{post['id']}/support").get_json()["support_count"] == 1
    assert fan.delete(f"/api/v1/posts/{post['id']}/support").get_json()["support_count"] == 0


def test_a_silenced_member_is_told_until_when_in_local_time(app, new_api, board):
    member = trusted_member(new_api, board)
    member_id = member.get("/api/v1/me").get_json()["user"]["id"]
    assert (
        board.post(f"/api/v1/moderation/members/{member_id}/silence", {"days": 7, "reason": "cool off"}).status_code
        == 201
    )
    refused = new_thread(member, "x", "hello")
    message = error_of(refused)["message"]
    # "Thursday 10 December, 20:05 EST", not an ISO time.
    assert re.search(r"from [A-Z][a-z]+day \d{2} [A-Z][a-z]+, \d{2}:\d{2} [A-Z]{3,4}\. Reason: cool off", message), (
        message
    )
    notices = member.get("/notices", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You can post again from" in notices


def test_join_shows_the_guidelines_coordinators_edit(app, api, new_api):
    join = api.get("/join").get_data(as_text=True)
    assert "Community guidelines" in join and "Be kind." in join and 'href="/guidelines"' in join
    assert "cannot erase your browser" in join
    make_staff(app, "casey", "coordinator")
    coordinator = new_api()
    coordinator.login("casey")
    saved = coordinator.client.post(
        "/guidelines/edit",
        data={"csrf_token": coordinator.csrf_token, "language": "en", "body": "Look after each other.\nNo selling."},
    )
    assert saved.status_code == 302
    assert "Look after each other." in api.get("/join").get_data(as_text=True)
    assert "No selling." in api.get("/guidelines").get_data(as_text=True)
    # Spanish readers keep the built-in Spanish text until coordinators write theirs.
    spanish = api.get("/guidelines", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Sé amable." in spanish
    with app.app_context():
        assert texts.summary("en") == ["Look after each other.", "No selling."]


def test_a_member_deletes_their_account(app, api, new_api, board):
    joined = api.join()
    kept_id, _member = chat_with_peer(app, api, new_api, "kept for safety")
    gone_id, _member = chat_with_peer(app, api, new_api, "please forget")
    with app.app_context():
        db.session.get(Conversation, kept_id).retain = True
        db.session.commit()
    post = new_thread(api, "mine", "my words").get_json()["post"]

    unconfirmed = api.client.post("/account/delete", data={"csrf_token": api.csrf_token})
    assert unconfirmed.status_code == 400
    done = api.client.post("/account/delete", data={"csrf_token": api.csrf_token, "confirm": "yes"})
    assert done.status_code == 200 and "safety record" in done.get_data(as_text=True)
    assert api.get("/api/v1/me").status_code == 401
    again = new_api().post(
        "/api/v1/members/recover", {"handle": joined["member"]["handle"], "recovery_code": joined["recovery_code"]}
    )
    assert again.status_code == 401
    with app.app_context():
        assert db.session.get(Conversation, gone_id).transcript_deleted_at is not None
        kept = db.session.get(Conversation, kept_id)
        assert kept.transcript_deleted_at is None
        assert db.session.get(Post, post["id"]).deleted_at is not None


def test_delete_me_over_the_api(api):
    api.join()
    answer = api.delete("/api/v1/me")
    assert answer.status_code == 200 and answer.get_json()["transcripts_kept"] == 0
    assert api.get("/api/v1/me").status_code == 401
