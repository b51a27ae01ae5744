"""A coordinator opens /reports, reads last month's figures, and opens the funder summary."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.report_support import conversation, utc
from tests.support import PASSWORD, make_staff
from warmline.extensions import db
from warmline.services import accounts

pytestmark = pytest.mark.e2e


def test_coordinator_reads_the_report(app, page):
    make_staff(app, "casey", "coordinator", handle="Casey")
    peer = make_staff(app, "pat", "peer", handle="Pat")
    with app.app_context():
        member, _ = accounts.create_member()
        db.session.commit()
        for day in (1, 2, 2, 3):
            conversation(member.id, utc(f"2026-10-0{day}T15:00:00"), answered_after=40, ended_after=640, peer_id=peer)
        conversation(member.id, utc("2026-10-02T16:00:00"), ended_after=45)  # abandoned
        conversation(member.id, utc("2026-10-02T16:30:00"), ended_after=5)  # short-abandoned
        db.session.commit()
        db.session.remove()

    page.goto("/login")
    page.get_by_label("Username").fill("casey")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Programme report")).to_be_visible()

    page.get_by_label("From").fill("2026-10-01")
    page.get_by_label("To (including)").fill("2026-10-31")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("range")).to_contain_text("1 October 2026 to 31 October 2026")
    headline = page.get_by_test_id("headline")
    expect(headline.locator('[data-figure="offered"]')).to_have_text("6")
    expect(headline.locator('[data-figure="answered"]')).to_have_text("4")
    expect(headline.locator('[data-figure="abandoned"]')).to_have_text("1")
    expect(headline.locator('[data-figure="service_level"]')).to_have_text("66.7%")
    expect(headline.locator('[data-figure="asa"]')).to_have_text("40 s")
    expect(headline).to_contain_text("1 left within 30 s")

    volume = page.get_by_role("table", name="Chats by day")
    expect(volume.get_by_role("row", name="2026-10-02")).to_contain_text("4")
    expect(
        page.get_by_role("img", name="Chats offered and answered by day (the table beside it has the numbers)")
    ).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(5)
    expect(page.get_by_role("table", name="Offered / answered by weekday and hour (local time)")).to_contain_text("2/2")

    page.get_by_role("link", name="monthly summary for a funder (October 2026, printable)").click()
    expect(page.get_by_role("heading", name="Warmline: October 2026")).to_be_visible()
    expect(page.get_by_role("table", name="By week (starting Monday)")).to_contain_text("<11")
