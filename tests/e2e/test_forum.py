"""A new member's first post is held; a moderator approves it, saying the risk detector read it
right; everyone sees it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import PASSWORD, make_staff
from warmline.services import forums

pytestmark = pytest.mark.e2e


def test_held_post_approved_then_visible(app, new_page):
    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in", "How are you today?")
    make_staff(app, "morgan", "moderator", handle="Morgan")
    member, moderator, reader = new_page(), new_page(), new_page()

    member.goto("/join")
    member.get_by_role("button", name="Join").click()
    member.goto("/forums")
    member.get_by_role("link", name="Daily check-in").click()
    member.get_by_label("Title").fill("First time here")
    member.get_by_label("Content warning (optional)").fill("mentions loss")
    member.get_by_label("Your post").fill("Hello *everyone*, <b>glad</b> to find this place.")
    member.get_by_role("button", name="Post").click()
    expect(member.get_by_role("status")).to_contain_text("once a moderator has looked at it")
    expect(member.locator(".post")).to_contain_text("waiting for a moderator")
    thread_url = member.url

    reader.goto("/join")
    reader.get_by_role("button", name="Join").click()
    reader.goto("/forums/daily-check-in")
    expect(reader.get_by_role("link", name="First time here")).to_have_count(0)

    moderator.goto("/login")
    moderator.get_by_label("Username").fill("morgan")
    moderator.get_by_label("Password").fill(PASSWORD)
    moderator.get_by_role("button", name="Sign in").click()
    moderator.goto("/moderation")
    review = moderator.locator("section.review", has_text="First time here")
    expect(review).to_contain_text("new member")
    expect(review.get_by_role("group", name="The risk detector read it as none. Was it right?")).to_be_visible()
    review.get_by_role("radio", name="Right").check()
    review.get_by_role("button", name="Approve").click()
    expect(moderator.get_by_text("The queue is empty.")).to_be_visible()
    verdicts = moderator.get_by_test_id("detector-verdicts")
    expect(verdicts).to_contain_text("Your verdicts on its readings: 1 right, 0 not a risk")

    reader.goto(thread_url)
    warning = reader.locator("details.cw")
    expect(warning).to_contain_text("Content warning: mentions loss")
    warning.locator("summary").click()
    body = reader.locator(".post-body").first
    expect(body).to_contain_text("Hello everyone, <b>glad</b> to find this place.")
    expect(body.locator("em")).to_have_text("everyone")
    expect(body.locator("b")).to_have_count(0)
    member.goto("/notices")
    expect(member.get_by_role("main")).to_contain_text("approved")
