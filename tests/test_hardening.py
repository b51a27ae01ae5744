"""Holes a hostile test found: NUL characters through HTML forms, an open redirect through
`back`, the CSRF token kept across sign-in, an oversized socket event dropped silently,
invisible characters in titles, markup in a staff handle from the command line."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.chat_support import Socket
from tests.support import PASSWORD, error_of, make_staff
from tests.test_forum import new_thread, trusted_member
from warmline.extensions import db
from warmline.models import Post, Thread, User


def page_token(api, path: str = "/forums") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', api.client.get(path).get_data(as_text=True)).group(1)


def test_html_forms_refuse_nul_like_the_api(app, new_api, board):
    member = trusted_member(new_api, board)
    token = page_token(member)
    for data in ({"title": "a\x00b", "body": "fine"}, {"title": "fine", "body": "a\x00b"}):
        page = member.client.post("/forums/daily-check-in/threads", data={"csrf_token": token, **data})
        assert page.status_code == 400
        api = new_thread(member, **data)
        assert api.status_code == 400 and error_of(api)["code"] == "invalid"
    post = new_thread(member, "x", "first").get_json()["post"]
    member.client.post(f"/posts/{post['id']}/edit", data={"csrf_token": token, "body": "edited\x00"})
    member.client.post(f"/threads/{post['thread_id']}/posts", data={"csrf_token": token, "body": "reply\x00"})
    assert member.client.get("/forums?x=\x00").status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Thread)) == 3  # the two trusted + one
        assert not any("\x00" in body for body in db.session.scalars(sa.select(Post.body)))


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
    ],
)
def test_back_goes_only_to_a_path_on_this_site(app, new_api, board, back):
    author = trusted_member(new_api, board)
    post = new_thread(author, "x", "an opinion").get_json()["post"]
    member = trusted_member(new_api, board)
    token = page_token(member)
    for path, data in [
        (f"/posts/{post['id']}/support", {}),
        (f"/posts/{post['id']}/flag", {"reason": "unkind"}),
        (f"/posts/{post['id']}/edit", {"body": "not mine"}),  # refused, so it goes back
    ]:
        response = member.client.post(path, data={"csrf_token": token, "back": back, **data})
        assert response.status_code == 302 and response.headers["Location"] == "/forums", (path, back)


def test_back_keeps_a_same_site_path(app, new_api, board):
    author = trusted_member(new_api, board)
    post = new_thread(author, "x", "an opinion").get_json()["post"]
    member = trusted_member(new_api, board)
    back = f"/threads/{post['thread_id']}?page=1"
    response = member.client.post(f"/posts/{post['id']}/support", data={"csrf_token": page_token(member), "back": back})
    # Back to the same page, at the post supported (the page does not jump to the top).
    assert response.headers["Location"] == f"{back}#post-{post['id']}"


def test_sign_in_rotates_the_csrf_token_and_answers_the_new_one(app, client):
    make_staff(app, "casey", "coordinator")
    before = client.get("/api/v1/csrf").get_json()["csrf_token"]
    answer = client.post(
        "/api/v1/login", json={"username": "casey", "password": PASSWORD}, headers={"X-CSRFToken": before}
    ).get_json()
    after = answer["csrf_token"]
    assert answer["ok"] and after and after != before
    stale = client.post("/api/v1/logout", json={}, headers={"X-CSRFToken": before})
    assert stale.status_code == 400 and error_of(stale)["code"] == "csrf_failed"
    assert client.post("/api/v1/logout", json={}, headers={"X-CSRFToken": after}).status_code == 200
    # A member's sign-in (joining) rotates it as well.
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    joined = client.post("/api/v1/members", json={}, headers={"X-CSRFToken": token}).get_json()
    assert joined["csrf_token"] != token


def test_an_oversized_socket_event_is_answered(app, api):
    api.join()
    socket = Socket(app, api)
    answer = socket.call("chat:request", {"topic": "x" * (app.config["SOCKET_MESSAGE_MAX"] + 1)})
    assert answer["ok"] is False and answer["error"]["code"] == "payload_too_large"


def test_titles_lose_direction_overrides_and_zero_width_characters(app, new_api, board):
    member = trusted_member(new_api, board)
    thread = new_thread(member, "Hel\u202elo\u200b \u2066there\u2069\ufeff", "body").get_json()["thread"]
    assert thread["title"] == "Hello there"
    assert error_of(new_thread(member, "\u200b\u202e", "body"))["field"] == "title"


@pytest.mark.parametrize("handle", ["<b>Pat</b>", "Pat<script>", 'Pat" onmouseover="x', "Pat&amp;"])
def test_the_cli_refuses_a_staff_handle_with_markup(app, runner, handle):
    result = runner.invoke(
        args=["users", "create", "pat", "--password", PASSWORD, "--role", "peer", "--handle", handle]
    )
    assert result.exit_code != 0 and "handle" in result.output.lower()
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "pat")) is None


def test_a_staff_handle_loses_invisible_characters(app, runner):
    result = runner.invoke(
        args=["users", "create", "pat", "--password", PASSWORD, "--role", "peer", "--handle", "Pat\u202e R.\u200b"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.handle).where(User.username == "pat")) == "Pat R."
