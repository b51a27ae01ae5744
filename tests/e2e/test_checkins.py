"""Check-ins in a real browser: one that falls due appears on the peer's console without a
reload (pushed by the server's sweeper), and a check-in message being written survives the
list changing under it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.chat_support import on_duty_peer
from tests.servers import LiveServer
from tests.support import PASSWORD
from warmline import clock
from warmline.extensions import db
from warmline.models import CheckIn
from warmline.services import accounts

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(database):
    """Overrides conftest's: the sweeper every second, so a check-in falls due promptly."""
    with LiveServer(database, WARMLINE_SWEEP_INTERVAL="1") as live:
        yield live


def falls_due_now(app) -> None:
    with app.app_context():
        member, _, _ = accounts.join()
        db.session.add(
            CheckIn(member_id=member.id, due_at=clock.now() + timedelta(seconds=1), requested_at=clock.now())
        )
        db.session.commit()


def test_a_due_check_in_appears_and_a_draft_survives_the_next_one(app, page):
    on_duty_peer(app, "pat")
    page.goto("/login")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#connection")).to_have_text("Connected.")
    expect(page.locator("#checkins-count")).to_have_text("0")

    falls_due_now(app)
    expect(page.locator("#checkins-count")).to_have_text("1")
    page.get_by_role("button", name="Take check-in").click()
    message = page.get_by_label("Your check-in message (the member reads it next time they open Warmline)")
    message.fill("Hi, checking in as promised")

    falls_due_now(app)  # the list is rebuilt under the draft
    expect(page.locator("#checkins-count")).to_have_text("1")
    expect(page.get_by_role("button", name="Take check-in")).to_be_visible()
    expect(message).to_have_value("Hi, checking in as promised")
    expect(message).to_be_focused()
    page.get_by_role("button", name="Send check-in").click()
    expect(page.locator("#checkins-status")).to_have_text("Check-in sent.")
