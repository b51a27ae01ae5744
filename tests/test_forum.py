"""Forums: posting, trust levels, risk holds and outreach, watched words, flags and auto-hide,
claims, every moderation action and its log, silences, edits and deletes, support, limits,
and a fixed number of SQL statements per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.support import error_of, make_staff
from warmline import clock
from warmline.extensions import db
from warmline.models import ModerationAction, Post, PostRevision
from warmline.services import forums


def new_thread(api, title="Hello", body="first post", **extra):
    return api.post("/api/v1/forums/daily-check-in/threads", {"title": title, "body": body, **extra})


def trusted_member(new_api, moderator):
    """A member whose first two posts were approved."""
    member = new_api()
    member.join()
    for i in range(2):
        post_id = new_thread(member, f"t{i}", "hello").get_json()["post"]["id"]
        assert moderator.post(f"/api/v1/moderation/posts/{post_id}", {"action": "approve"}).status_code == 200
    return member


def test_a_new_members_first_posts_are_held_then_they_post_directly(app, new_api, board):
    member = new_api()
    member.join()
    first = new_thread(member, "Hi all", "Glad to be here *today*")
    assert first.status_code == 201
    post = first.get_json()["post"]
    assert post["status"] == "pending" and post["body_html"] == "<p>Glad to be here <em>today</em></p>"
    thread_id = first.get_json()["thread"]["id"]
    stranger = new_api()
    stranger.join()
    assert stranger.get(f"/api/v1/threads/{thread_id}").status_code == 404
    assert [p["status"] for p in member.get(f"/api/v1/threads/{thread_id}").get_json()["posts"]] == ["pending"]
    assert member.get("/api/v1/me/notices").get_json()["notices"][0]["kind"] == "held"
    board.post(f"/api/v1/moderation/posts/{post['id']}", {"action": "approve"})
    assert [p["status"] for p in stranger.get(f"/api/v1/threads/{thread_id}").get_json()["posts"]] == ["published"]
    second = member.post(f"/api/v1/threads/{thread_id}/posts", {"body": "thanks"}).get_json()["post"]
    board.post(f"/api/v1/moderation/posts/{second['id']}", {"action": "approve"})
    third = member.post(f"/api/v1/threads/{thread_id}/posts", {"body": "now I post directly"})
    assert third.get_json()["post"]["status"] == "published"


def test_risky_post_is_held_urgent_with_outreach(app, new_api, board):
    member = trusted_member(new_api, board)
    answer = new_thread(member, "tonight", "I want to kill myself").get_json()
    assert answer["post"]["status"] == "pending"
    assert "988" in answer["outreach"]["message"] and answer["outreach"]["chat_url"].startswith("/chat")
    item = board.get("/api/v1/moderation/queue").get_json()["items"][0]
    # "tonight" beside it may read as imminent to the model; either level is held urgent.
    assert item["urgent"] is True and item["risk"] in ("high", "imminent")
    assert f"risk: {item['risk']}" in item["reasons"]


def test_urgent_items_come_first(app, new_api, board):
    member = new_api()
    member.join()
    new_thread(member, "a", "just saying hi")
    new_thread(member, "b", "I want to die")
    items = board.get("/api/v1/moderation/queue").get_json()["items"]
    assert [i["urgent"] for i in items] == [True, False]
    assert items[0]["post"]["author"]["posts"] == 2


def test_watched_words_block_hold_and_flag(app, new_api, board):
    member = trusted_member(new_api, board)
    for word, action in [("buy pills", "block"), ("meetup", "hold"), ("diet", "flag")]:
        assert board.post("/api/v1/moderation/watched-words", {"word": word, "action": action}).status_code == 201
    blocked = new_thread(member, "x", "where to buy pills cheap")
    assert blocked.status_code == 400 and error_of(blocked)["field"] == "body"
    assert new_thread(member, "x", "anyone up for a meetup?").get_json()["post"]["status"] == "pending"
    flagged = new_thread(member, "x", "my diet is going ok").get_json()["post"]
    assert flagged["status"] == "published"
    reasons = {i["post"]["id"]: i["reasons"] for i in board.get("/api/v1/moderation/queue").get_json()["items"]}
    assert reasons[flagged["id"]] == ["watched word (flag): diet"]


def test_flags_one_per_member_and_auto_hide(app, new_api, board):
    author = trusted_member(new_api, board)
    post = new_thread(author, "x", "an opinion").get_json()["post"]
    thread_id = post["thread_id"]
    flaggers = [trusted_member(new_api, board) for _ in range(3)]
    assert flaggers[0].post(f"/api/v1/posts/{post['id']}/flags", {"reason": "unkind"}).get_json() == {
        "ok": True,
        "flags": 1,
        "weight": 1.0,
        "hidden": False,
    }
    assert flaggers[0].post(f"/api/v1/posts/{post['id']}/flags", {"reason": "again"}).status_code == 409
    assert author.post(f"/api/v1/posts/{post['id']}/flags", {"reason": "me"}).status_code == 400
    flaggers[1].post(f"/api/v1/posts/{post['id']}/flags", {"reason": "unkind"})
    assert flaggers[2].post(f"/api/v1/posts/{post['id']}/flags", {"reason": "spam"}).get_json()["hidden"] is True
    assert flaggers[0].get(f"/api/v1/threads/{thread_id}").status_code == 404  # its only post is hidden
    assert board.get(f"/api/v1/threads/{thread_id}").get_json()["posts"][0]["status"] == "hidden"
    board.post(f"/api/v1/moderation/posts/{post['id']}", {"action": "restore", "note": "not a rule break"})
    assert flaggers[0].get(f"/api/v1/threads/{thread_id}").get_json()["posts"][0]["status"] == "published"


def test_fresh_members_flags_count_half_and_a_moderators_hides_at_once(app, new_api, board):
    """Three fresh anonymous members cannot hide a post; six can (the threshold is 3)."""
    author = trusted_member(new_api, board)
    post = new_thread(author, "x", "an opinion").get_json()["post"]
    answers = []
    for _ in range(5):
        fresh = new_api()
        fresh.join()
        answers.append(fresh.post(f"/api/v1/posts/{post['id']}/flags", {"reason": "unkind"}).get_json())
    assert [a["weight"] for a in answers] == [0.5, 1.0, 1.5, 2.0, 2.5]
    assert not any(a["hidden"] for a in answers)
    sixth = new_api()
    sixth.join()
    assert sixth.post(f"/api/v1/posts/{post['id']}/flags", {"reason": "unkind"}).get_json()["hidden"] is True
    other = new_thread(author, "y", "another opinion").get_json()["post"]
    assert board.post(f"/api/v1/posts/{other['id']}/flags", {"reason": "rule 3"}).get_json()["hidden"] is True


def test_the_flag_threshold_is_configurable(app, new_api, board):
    app.config["FORUM_FLAGS_TO_HIDE"] = 1
    author = trusted_member(new_api, board)
    post = new_thread(author, "x", "an opinion").get_json()["post"]
    flagger = trusted_member(new_api, board)
    assert flagger.post(f"/api/v1/posts/{post['id']}/flags", {"reason": "unkind"}).get_json()["hidden"] is True


def queue_reasons(board) -> dict[int, list[str]]:
    return {i["post"]["id"]: i["reasons"] for i in board.get("/api/v1/moderation/queue").get_json()["items"]}


def test_an_edit_goes_through_the_same_decision_as_a_new_post(app, new_api, board):
    member = trusted_member(new_api, board)
    assert board.post("/api/v1/moderation/watched-words", {"word": "meetup", "action": "hold"}).status_code == 201
    post = new_thread(member, "x", "hello all").get_json()["post"]
    assert post["status"] == "published"
    edited = member.patch(f"/api/v1/posts/{post['id']}", {"body": "anyone up for a meetup?"})
    assert edited.get_json()["post"]["status"] == "pending"
    assert queue_reasons(board)[post["id"]] == ["watched word (hold): meetup", "edited"]
    assert member.get("/api/v1/me/notices").get_json()["notices"][0]["kind"] == "held"
    stranger = new_api()
    stranger.join()
    assert stranger.get(f"/api/v1/threads/{post['thread_id']}").status_code == 404
    # A link from a member with few posts is held, written new or added by an edit.
    reply = member.post(f"/api/v1/threads/{post['thread_id']}/posts", {"body": "see you"}).get_json()["post"]
    assert reply["status"] == "published"
    linked = member.patch(f"/api/v1/posts/{reply['id']}", {"body": "see https://pills.com/cheap"})
    assert linked.get_json()["post"]["status"] == "pending"
    assert queue_reasons(board)[reply["id"]] == ["link from a new member", "edited"]
    assert new_thread(member, "z", "[my blog](https://pills.com/)").get_json()["post"]["status"] == "pending"


def test_an_edit_by_a_member_not_yet_trusted_is_held_again(app, new_api, board):
    member = new_api()
    member.join()
    post = new_thread(member, "x", "hi").get_json()["post"]
    board.post(f"/api/v1/moderation/posts/{post['id']}", {"action": "approve"})
    edited = member.patch(f"/api/v1/posts/{post['id']}", {"body": "something else entirely"})
    assert edited.get_json()["post"]["status"] == "pending"
    assert "new member" in queue_reasons(board)[post["id"]]


def test_a_risky_edit_is_held_urgent(app, new_api, board):
    member = trusted_member(new_api, board)
    post = new_thread(member, "x", "fine today").get_json()["post"]
    member.patch(f"/api/v1/posts/{post['id']}", {"body": "I want to kill myself"})
    item = board.get("/api/v1/moderation/queue").get_json()["items"][0]
    assert item["post"]["id"] == post["id"] and item["urgent"] and item["risk"] == "high"


def test_claims_keep_two_moderators_apart(app, new_api, board):
    make_staff(app, "robin", "moderator")
    other = new_api()
    other.login("robin")
    member = new_api()
    member.join()
    post_id = new_thread(member).get_json()["post"]["id"]
    item_id = board.get("/api/v1/moderation/queue").get_json()["items"][0]["id"]
    assert board.post(f"/api/v1/moderation/items/{item_id}/claim").status_code == 200
    assert other.post(f"/api/v1/moderation/items/{item_id}/claim").status_code == 409
    assert other.post(f"/api/v1/moderation/posts/{post_id}", {"action": "approve"}).status_code == 409
    assert board.post(f"/api/v1/moderation/posts/{post_id}", {"action": "approve"}).status_code == 200


def test_every_action_is_logged_and_reject_tells_the_author(app, new_api, board):
    member = new_api()
    member.join()
    ids = [new_thread(member, f"t{i}").get_json()["post"]["id"] for i in range(3)]
    assert (
        board.post(f"/api/v1/moderation/posts/{ids[0]}", {"action": "reject"}).status_code == 400
    )  # a reason is needed
    board.post(f"/api/v1/moderation/posts/{ids[0]}", {"action": "reject", "note": "please no personal details"})
    board.post(f"/api/v1/moderation/posts/{ids[1]}", {"action": "approve"})
    board.post(f"/api/v1/moderation/posts/{ids[1]}", {"action": "hide", "note": "reported"})
    board.post(f"/api/v1/moderation/posts/{ids[1]}", {"action": "restore"})
    member_id = member.get("/api/v1/me").get_json()["user"]["id"]
    silenced = board.post(f"/api/v1/moderation/members/{member_id}/silence", {"days": 7, "reason": "cool off"})
    assert silenced.status_code == 201
    actions = [a["action"] for a in board.get("/api/v1/moderation/log").get_json()["actions"]]
    assert actions == ["silence", "restore", "hide", "approve", "reject"]
    notices = [n["message"] for n in member.get("/api/v1/me/notices").get_json()["notices"]]
    assert any("please no personal details" in n for n in notices)
    refused = new_thread(member, "x", "hello?")
    assert refused.status_code == 403 and error_of(refused)["code"] == "silenced" and "until" in error_of(refused)


def test_edit_window_history_and_soft_delete(app, new_api, board, monkeypatch):
    member = trusted_member(new_api, board)
    post = new_thread(member, "x", "first version").get_json()["post"]
    edited = member.patch(f"/api/v1/posts/{post['id']}", {"body": "second version"})
    assert edited.status_code == 200 and edited.get_json()["post"]["body_html"] == "<p>second version</p>"
    with app.app_context():
        assert list(db.session.scalars(sa.select(PostRevision.body))) == ["first version"]
    other = new_api()
    other.join()
    assert other.patch(f"/api/v1/posts/{post['id']}", {"body": "hijack"}).status_code == 403
    later = clock.now() + timedelta(minutes=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    closed = member.patch(f"/api/v1/posts/{post['id']}", {"body": "third"})
    assert closed.status_code == 409 and error_of(closed)["code"] == "edit_window_closed"


def test_delete_is_soft_and_shown_as_removed(app, new_api, board):
    member = trusted_member(new_api, board)
    post = new_thread(member, "x", "oops").get_json()["post"]
    assert member.delete(f"/api/v1/posts/{post['id']}").get_json()["post"]["removed"] is True
    shown = new_api()
    shown.join()
    listed = shown.get(f"/api/v1/threads/{post['thread_id']}").get_json()["posts"][0]
    assert listed["removed"] is True and listed["body_html"] == ""
    with app.app_context():
        assert db.session.get(Post, post["id"]).body == "oops"  # kept for the record


def test_support_once_per_member(app, new_api, board):
    author = trusted_member(new_api, board)
    post = new_thread(author, "x", "rough week").get_json()["post"]
    fan = new_api()
    fan.join()
    assert fan.post(f"/api/v1/posts/{post['id']}/support").get_json()["support_count"] == 1
    assert fan.post(f"/api/v1/posts/{post['id']}/support").get_json()["support_count"] == 1
    listed = fan.get(f"/api/v1/threads/{post['thread_id']}").get_json()["posts"][0]
    assert listed["support_count"] == 1 and listed["supported"] is True


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": "", "body": "x"}, "title"),
        ({"title": "x" * 151, "body": "x"}, "title"),
        ({"title": "x", "body": ""}, "body"),
        ({"title": "x", "body": "y" * 10_001}, "body"),
        ({"title": "x", "body": "y", "content_warning": "z" * 151}, "content_warning"),
    ],
)
def test_bad_posts_name_the_field(app, new_api, board, payload, field):
    member = new_api()
    member.join()
    response = member.post("/api/v1/forums/daily-check-in/threads", payload)
    assert response.status_code == 400 and error_of(response)["field"] == field


def test_posting_is_rate_limited(database_url):
    from tests.conftest import TEST_CONFIG
    from tests.support import Api
    from warmline import create_app
    from warmline.extensions import limiter

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True})
    limiter.reset()
    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
    member = Api(app.test_client())
    member.join()
    statuses = [new_thread(member, f"t{i}", "hi").status_code for i in range(11)]
    assert statuses[:10] == [201] * 10 and statuses[10] == 429
    with app.app_context():
        db.engine.dispose()


def test_thread_page_runs_a_fixed_number_of_statements(app, new_api, board):
    author = trusted_member(new_api, board)
    thread_id = new_thread(author, "busy", "opening").get_json()["thread"]["id"]
    reader = new_api()
    reader.join()

    def statements_for_page() -> int:
        count = 0

        def counter(*_args, **_kwargs):
            nonlocal count
            count += 1

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            assert reader.get(f"/api/v1/threads/{thread_id}").status_code == 200
            assert reader.client.get(f"/threads/{thread_id}").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)
        return count

    few = statements_for_page()
    for i in range(30):
        author.post(f"/api/v1/threads/{thread_id}/posts", {"body": f"reply {i}"})
    many = statements_for_page()
    assert few == many
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationAction)) == 2


def test_rerender_applies_a_changed_allow_list(app, new_api, board, runner):
    member = trusted_member(new_api, board)
    post = new_thread(member, "x", "plain *text*").get_json()["post"]
    with app.app_context():
        db.session.execute(sa.update(Post).where(Post.id == post["id"]).values(body_html="<p>stale</p>"))
        db.session.commit()
    assert "re-rendered 1 posts" in runner.invoke(args=["forums", "rerender"]).output
    with app.app_context():
        assert db.session.get(Post, post["id"]).body_html == "<p>plain <em>text</em></p>"


def test_pages_hide_topics_edit_and_add_forums(app, new_api, board):
    import re

    make_staff(app, "casey", "coordinator")
    coordinator = new_api()
    coordinator.login("casey")
    html = coordinator.client.get("/forums").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    added = coordinator.client.post(
        "/forums/new", data={"csrf_token": token, "slug": "recovery-stories", "title": "Recovery stories"}
    )
    assert added.status_code == 302 and added.headers["Location"] == "/forums/recovery-stories"
    member = trusted_member(new_api, board)
    page = member.client.get("/forums").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    member.client.post("/forums/recovery-stories/hide", data={"csrf_token": token, "hidden": "1"})
    page = member.client.get("/forums").get_data(as_text=True)
    assert "Topics you hid" in page and page.index("Recovery stories") > page.index("Topics you hid")
    post = new_thread(member, "x", "first").get_json()["post"]
    thread_html = member.client.get(f"/threads/{post['thread_id']}").get_data(as_text=True)
    assert f'action="/posts/{post["id"]}/edit"' in thread_html
    member.client.post(f"/posts/{post['id']}/edit", data={"csrf_token": token, "body": "second"})
    assert "<p>second</p>" in member.client.get(f"/threads/{post['thread_id']}").get_data(as_text=True)
