"""Peer tools: canned responses (shared and private) and the resource directory (search
through the full-text index, visibility, CSV, review)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.chat_support import LiveChat, signed_in_staff
from tests.support import Api, error_of, make_staff
from warmline import clock
from warmline.extensions import db
from warmline.models import Resource, User
from warmline.services import resources


@pytest.fixture
def peer(app, new_api) -> Api:
    return signed_in_staff(app, new_api, "pat", "peer")


@pytest.fixture
def coordinator(app, new_api) -> Api:
    return signed_in_staff(app, new_api, "casey", "coordinator")


def canned(api: Api) -> list[dict]:
    response = api.get("/api/v1/canned-responses")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["responses"]


# Canned responses ----------------------------------------------------------------------------


def test_a_peers_own_reply_is_seen_by_that_peer_only(app, peer, new_api):
    made = peer.post(
        "/api/v1/canned-responses",
        {"title": "Hello", "body": "Hi, I'm glad you reached out.", "shortcut": "/Hi", "scope": "mine"},
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["response"]["shortcut"] == "hi"
    assert [(r["title"], r["scope"]) for r in canned(peer)] == [("Hello", "mine")]

    make_staff(app, "robin", "peer")
    other = new_api()
    other.login("robin")
    assert canned(other) == []
    rid = made.get_json()["response"]["id"]
    assert other.delete(f"/api/v1/canned-responses/{rid}").status_code == 404
    assert (
        other.client.put(
            f"/api/v1/canned-responses/{rid}",
            json={"title": "x", "body": "y"},
            headers={"X-CSRFToken": other.csrf_token},
        ).status_code
        == 404
    )


def test_shared_replies_are_kept_by_coordinators_and_seen_by_every_peer(app, peer, coordinator):
    refused = peer.post("/api/v1/canned-responses", {"title": "Welcome", "body": "Welcome!", "scope": "shared"})
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    made = coordinator.post(
        "/api/v1/canned-responses",
        {"title": "Welcome", "body": "Welcome to Warmline.", "shortcut": "welcome", "scope": "shared"},
    )
    assert made.status_code == 201
    peer.post("/api/v1/canned-responses", {"title": "Mine", "body": "my words", "shortcut": "welcome"})
    listed = canned(peer)
    # The peer's own first, so their shortcut wins over the shared one of the same name.
    assert [(r["title"], r["scope"]) for r in listed] == [("Mine", "mine"), ("Welcome", "shared")]
    rid = made.get_json()["response"]["id"]
    assert peer.delete(f"/api/v1/canned-responses/{rid}").status_code == 403
    assert coordinator.delete(f"/api/v1/canned-responses/{rid}").status_code == 200
    assert [r["scope"] for r in canned(peer)] == ["mine"]


def test_canned_reply_validation(peer):
    assert error_of(peer.post("/api/v1/canned-responses", {"title": "", "body": "x"}))["field"] == "title"
    bad = peer.post("/api/v1/canned-responses", {"title": "t", "body": "x", "shortcut": "no spaces"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "shortcut"
    assert peer.post("/api/v1/canned-responses", {"title": "t", "body": "x", "shortcut": "hi"}).status_code == 201
    taken = peer.post("/api/v1/canned-responses", {"title": "t2", "body": "y", "shortcut": "HI"})
    assert taken.status_code == 409 and error_of(taken)["code"] == "shortcut_taken"


def test_saved_replies_page(app, peer, coordinator):
    refused = peer.client.post(
        "/replies", data={"title": "Mine", "body": "my words", "scope": "shared", "csrf_token": peer.csrf_token}
    )
    assert refused.status_code == 403 and canned(peer) == []  # a peer cannot share
    added = peer.client.post(
        "/replies",
        data={"title": "Mine", "body": "my words", "shortcut": "/me", "csrf_token": peer.csrf_token},
        follow_redirects=True,
    )
    assert added.status_code == 200 and [r["scope"] for r in canned(peer)] == ["mine"]
    assert "Every peer (shared)" not in peer.get("/replies").get_data(as_text=True)
    coordinator.client.post(
        "/replies", data={"title": "Hello", "body": "Welcome", "scope": "shared", "csrf_token": coordinator.csrf_token}
    )
    page = peer.get("/replies").get_data(as_text=True)
    assert "Hello" in page and "/me" in page
    shared_id = next(r["id"] for r in canned(peer) if r["scope"] == "shared")
    peer.client.post(f"/replies/{shared_id}/delete", data={"csrf_token": peer.csrf_token})
    assert len(canned(peer)) == 2  # not theirs to delete
    empty = peer.client.post("/replies", data={"title": "", "body": "", "csrf_token": peer.csrf_token})
    assert empty.status_code == 400 and "needs a title" in empty.get_data(as_text=True)


# Resources -------------------------------------------------------------------------------------

FOOD = {
    "name": "Eastside Food Pantry",
    "category": "food",
    "phone": "555-0100",
    "url": "https://eastside-pantry.example.org/hours",
    "hours": "Mon-Fri 9-5",
    "area": "Eastside",
    "languages": "English, Spanish",
}
SHELTER = {"name": "Harbor House", "category": "shelter", "text": "text SAFE to 555-0111", "area": "Downtown"}


def names(api: Api, **args) -> list[str]:
    response = api.get("/api/v1/resources", query_string=args)
    assert response.status_code == 200, response.get_json()
    return [r["name"] for r in response.get_json()["resources"]]


def test_coordinators_add_resources_and_anyone_finds_them(app, coordinator, new_api):
    made = coordinator.post("/api/v1/resources", FOOD)
    assert made.status_code == 201, made.get_json()
    resource = made.get_json()["resource"]
    assert {k: resource[k] for k in ("name", "category", "phone", "text", "url", "hours", "area", "languages")} == {
        **{"text": ""},
        **{k: FOOD[k] for k in FOOD},
    }
    assert coordinator.post("/api/v1/resources", SHELTER).status_code == 201
    visitor = new_api()  # nobody signed in
    assert sorted(names(visitor)) == ["Eastside Food Pantry", "Harbor House"]
    # Words in any field, any case, word beginnings too.
    assert names(visitor, q="PANTRY") == ["Eastside Food Pantry"]
    assert names(visitor, q="spanish") == ["Eastside Food Pantry"]
    assert names(visitor, q="safe") == ["Harbor House"]
    assert names(visitor, q="eastside-pantry") == ["Eastside Food Pantry"]  # inside the web address
    assert names(visitor, q="harb") == ["Harbor House"]
    assert names(visitor, q="food eastside") == ["Eastside Food Pantry"]
    assert names(visitor, q="food downtown") == []
    assert names(visitor, q='"*()') == []  # never search syntax
    assert names(visitor, q="pantry OR harbor") == []  # every word, not FTS5's OR
    assert names(visitor, category="shelter") == ["Harbor House"]
    assert names(visitor, q="food", category="shelter") == []


def test_search_follows_edits_and_retirement(app, coordinator, new_api):
    rid = coordinator.post("/api/v1/resources", FOOD).get_json()["resource"]["id"]
    visitor = new_api()
    with app.app_context():
        resources.update(rid, {"name": "Northside Market Pantry"})
    assert names(visitor, q="northside") == ["Northside Market Pantry"]
    assert names(visitor, q="eastside food") == ["Northside Market Pantry"]  # area still Eastside
    assert names(visitor, q="eastside food pantry northside") == ["Northside Market Pantry"]
    with app.app_context():
        resources.retire(rid)
    assert names(visitor) == [] and names(visitor, q="northside") == []


def test_resource_validation_and_roles(app, peer, coordinator):
    assert peer.post("/api/v1/resources", FOOD).status_code == 403
    assert error_of(coordinator.post("/api/v1/resources", {"category": "food"}))["field"] == "name"
    assert (
        error_of(coordinator.post("/api/v1/resources", {"name": "x", "category": "spaceships"}))["field"] == "category"
    )
    bad = coordinator.post("/api/v1/resources", {**FOOD, "url": "javascript:alert(1)"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "url"


def test_entries_not_reviewed_in_six_months(app, coordinator):
    old = coordinator.post("/api/v1/resources", FOOD).get_json()["resource"]["id"]
    coordinator.post("/api/v1/resources", SHELTER)
    with app.app_context():
        db.session.get(Resource, old).reviewed_at = clock.now() - timedelta(days=200)
        db.session.commit()
        assert [r.id for r in resources.needing_review()] == [old]
        resources.mark_reviewed(old)
        assert resources.needing_review() == []


def test_csv_round_trip(app, coordinator):
    coordinator.post("/api/v1/resources", {**FOOD, "name": '=HYPERLINK("x")'})
    with app.app_context():
        exported = resources.export_csv(resources.all_current())
        assert (
            exported.splitlines()[0] == "id,name,category,phone,text,url,hours,area,languages,description,reviewed_at"
        )
        assert "'=HYPERLINK" in exported  # a formula stays text in a spreadsheet
        edited = exported.replace("Eastside", "Westside") + ",Harbor House,shelter,,,,,,,,\n"
        assert resources.import_csv(edited) == {"added": 1, "updated": 1}
        rows = resources.all_current()
        assert sorted(r.name for r in rows) == ['=HYPERLINK("x")', "Harbor House"]
        assert {r.area for r in rows} == {"Westside", ""}
        with pytest.raises(Exception, match="Line 2"):
            resources.import_csv("name,category\nBad,spaceships\n")
        assert len(resources.all_current()) == 2


# Sharing a resource into a chat ----------------------------------------------------------------


@pytest.fixture
def live_chat(app, new_api):
    """A member talking with Pat, a resource to share, and both sockets."""
    chat = LiveChat(app, new_api, topic="food")
    with app.app_context():
        resource_id = resources.create(FOOD).id
    return chat.member, chat.peer, chat.conversation_id, resource_id, chat.member_api


def test_a_shared_resource_is_a_stored_card_in_the_sequence(app, live_chat):
    from warmline.models import ContactNote

    member, peer, conversation_id, resource_id, member_api = live_chat
    assert member.call("message:send", {"conversation_id": conversation_id, "client_id": "m1", "body": "I need food"})[
        "ok"
    ]
    shared = peer.call("chat:share-resource", {"conversation_id": conversation_id, "resource_id": resource_id})
    assert shared["ok"], shared
    message = shared["message"]
    assert message["seq"] == 2 and message["sender_role"] == "peer"
    assert message["resource"]["name"] == "Eastside Food Pantry" and message["resource"]["phone"] == "555-0100"
    arrived = [m for m in member.events("message:new") if m["seq"] == 2]
    assert arrived and arrived[0]["resource"]["id"] == resource_id
    # In the resumed history, the transcript and the download.
    resumed = member.call("chat:resume", {"conversation_id": conversation_id, "after_seq": 1})
    assert [m["resource"]["name"] for m in resumed["messages"]] == ["Eastside Food Pantry"]
    member.call("chat:end", {"conversation_id": conversation_id})
    download = member_api.get(f"/api/v1/conversations/{conversation_id}/transcript.txt").get_data(as_text=True)
    assert "Resource: Eastside Food Pantry" in download and "Phone: 555-0100" in download
    # The peer's contact note records the referral, once.
    peer.call("chat:share-resource", {"conversation_id": conversation_id, "resource_id": resource_id})
    with app.app_context():
        note = db.session.get(
            ContactNote, (conversation_id, db.session.scalar(sa.select(User.id).where(User.username == "pat")))
        )
        assert note.referral == "Eastside Food Pantry"


def test_only_the_conversations_peer_shares(app, live_chat, new_api):
    from tests.chat_support import Socket, on_duty_peer

    member, peer, conversation_id, resource_id, _ = live_chat
    refused = member.call("chat:share-resource", {"conversation_id": conversation_id, "resource_id": resource_id})
    assert refused["error"]["code"] == "forbidden"
    on_duty_peer(app, "robin")
    other_api = new_api()
    other_api.login("robin")
    other = Socket(app, other_api)
    assert (
        other.call("chat:share-resource", {"conversation_id": conversation_id, "resource_id": resource_id})["error"][
            "code"
        ]
        == "forbidden"
    )
    assert (
        peer.call("chat:share-resource", {"conversation_id": conversation_id, "resource_id": 999})["error"]["code"]
        == "not_found"
    )
    assert not [m for m in member.events("message:new") if m.get("resource")]


# Supervision -----------------------------------------------------------------------------------


def test_a_monitor_reads_along_and_whispers_to_the_peer_only(app, live_chat, new_api):
    from tests.chat_support import Socket
    from warmline.models import MonitorSession

    member, peer, conversation_id, _, _ = live_chat
    member.call("message:send", {"conversation_id": conversation_id, "client_id": "m1", "body": "hello"})
    make_staff(app, "casey", "coordinator", handle="Casey")
    coordinator_api = new_api()
    coordinator_api.login("casey")
    monitor = Socket(app, coordinator_api)
    joined = monitor.call("monitor:join", {"conversation_id": conversation_id})
    assert joined["ok"], joined
    assert [m["body"] for m in joined["messages"]] == ["hello"]
    assert peer.events("monitor:joined") == [{"conversation_id": conversation_id, "by": "Casey"}]
    assert member.events("monitor:joined") == []

    peer.call("message:send", {"conversation_id": conversation_id, "client_id": "p1", "body": "hi there"})
    assert [m["body"] for m in monitor.events("message:new")] == ["hi there"]

    assert monitor.call("monitor:whisper", {"conversation_id": conversation_id, "body": "ask about sleep"})["ok"]
    assert peer.events("monitor:whisper") == [
        {"conversation_id": conversation_id, "body": "ask about sleep", "from": "Casey"}
    ]
    assert member.events("monitor:whisper") == [] and monitor.events("monitor:whisper") == []
    # Nothing of it was stored in the conversation.
    resumed = member.call("chat:resume", {"conversation_id": conversation_id, "after_seq": 0})
    assert "ask about sleep" not in [m["body"] for m in resumed["messages"]]

    member.call("chat:end", {"conversation_id": conversation_id})
    assert monitor.events("chat:ended")
    with app.app_context():
        session = db.session.scalars(sa.select(MonitorSession)).one()
        assert session.conversation_id == conversation_id and session.coordinator.handle == "Casey"
        assert session.ended_at is not None and session.ended_at >= session.started_at and not session.open_join


def test_whisper_needs_a_join_and_an_open_join_tells_the_member(app, live_chat, new_api):
    from tests.chat_support import Socket

    member, peer, conversation_id, _, _ = live_chat
    make_staff(app, "casey", "coordinator", handle="Casey")
    coordinator_api = new_api()
    coordinator_api.login("casey")
    monitor = Socket(app, coordinator_api)
    early = monitor.call("monitor:whisper", {"conversation_id": conversation_id, "body": "psst"})
    assert early["error"]["code"] == "forbidden" and peer.events("monitor:whisper") == []
    assert peer.call("monitor:join", {"conversation_id": conversation_id})["error"]["reason"] == "role"
    assert monitor.call("monitor:join", {"conversation_id": conversation_id, "open": True})["ok"]
    notices = [m for m in member.events("message:new") if m["sender_role"] == "system"]
    assert len(notices) == 1 and "supervisor (Casey)" in notices[0]["body"] and notices[0]["seq"] == 1
    assert (
        monitor.call("message:send", {"conversation_id": conversation_id, "client_id": "c1", "body": "x"})["ok"]
        is False
    )
    monitor.disconnect()
    from warmline.models import MonitorSession

    with app.app_context():
        session = db.session.scalars(sa.select(MonitorSession)).one()
        assert session.open_join and session.ended_at is not None


# Pages -----------------------------------------------------------------------------------------


def test_the_directory_page_is_public_and_searchable(app, coordinator, new_api):
    coordinator.post("/api/v1/resources", FOOD)
    coordinator.post("/api/v1/resources", SHELTER)
    visitor = new_api()
    page = visitor.get("/resources?q=pantry").get_data(as_text=True)
    assert "Eastside Food Pantry" in page and "Harbor House" not in page
    assert 'href="tel:5550100"' in page and 'href="https://eastside-pantry.example.org/hours"' in page
    assert "Harbor House" in visitor.get("/resources?category=shelter").get_data(as_text=True)


def test_coordinators_keep_the_directory_in_pages(app, coordinator):
    page = coordinator.get("/resources/manage")
    assert page.status_code == 200
    added = coordinator.client.post(
        "/resources/manage", data={**FOOD, "csrf_token": coordinator.csrf_token}, follow_redirects=True
    )
    assert "Added Eastside Food Pantry" in added.get_data(as_text=True)
    refused = coordinator.client.post(
        "/resources/manage", data={"name": "", "category": "food", "csrf_token": coordinator.csrf_token}
    )
    assert refused.status_code == 400 and "name is required" in refused.get_data(as_text=True)
    with app.app_context():
        rid = resources.all_current()[0].id
        db.session.get(Resource, rid).reviewed_at = clock.now() - timedelta(days=190)
        db.session.commit()
    stale = coordinator.get("/resources/manage").get_data(as_text=True)
    assert 'Not reviewed in 6 months <span class="tag">1</span>' in stale
    coordinator.client.post(
        f"/resources/manage/{rid}", data={"action": "reviewed", "csrf_token": coordinator.csrf_token}
    )
    assert 'Not reviewed in 6 months <span class="tag">0</span>' in coordinator.get("/resources/manage").get_data(
        as_text=True
    )

    exported = coordinator.get("/resources/export.csv")
    assert exported.mimetype == "text/csv" and "Eastside Food Pantry" in exported.get_data(as_text=True)
    import io

    csv_file = (io.BytesIO(b"name,category,area\nHarbor House,shelter,Downtown\n"), "more.csv")
    imported = coordinator.client.post(
        "/resources/import",
        data={"file": csv_file, "csrf_token": coordinator.csrf_token},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "1 added, 0 updated" in imported.get_data(as_text=True)
    coordinator.client.post(f"/resources/manage/{rid}", data={"action": "retire", "csrf_token": coordinator.csrf_token})
    with app.app_context():
        assert [r.name for r in resources.all_current()] == ["Harbor House"]


def test_the_member_is_told_supervisors_may_read(app, api):
    api.join()
    page = api.get("/chat").get_data(as_text=True)
    assert "a supervisor who may read conversations for safety and support" in page


def test_monitor_page_and_the_escalation_record_list_sessions(app, live_chat, new_api):
    from tests.chat_support import Socket

    member, peer, conversation_id, _, _ = live_chat
    make_staff(app, "casey", "coordinator", handle="Casey")
    coordinator_api = new_api()
    coordinator_api.login("casey")
    page = coordinator_api.get("/monitor").get_data(as_text=True)
    assert f'data-conversation-id="{conversation_id}"' in page
    monitor = Socket(app, coordinator_api)
    assert monitor.call("monitor:join", {"conversation_id": conversation_id})["ok"]
    escalated = peer.call(
        "chat:escalate",
        {"conversation_id": conversation_id, "risk_level": "moderate", "action": "safety_plan", "notes": ""},
    )
    assert escalated["ok"], escalated
    record = coordinator_api.get(f"/escalations/{escalated['escalation_id']}").get_data(as_text=True)
    assert "Supervisors who read the conversation" in record and "Casey" in record and "still reading" in record
