"""A coordinator sees tomorrow's gap on the roster and closes it with a new shift."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support import PASSWORD, make_staff
from warmline import clock
from warmline.extensions import db
from warmline.services import hours

pytestmark = pytest.mark.e2e


def test_coordinator_closes_a_gap(app, page):
    make_staff(app, "casey", "coordinator", handle="Casey")
    make_staff(app, "pat", "peer", handle="Pat")
    with app.app_context():
        hours.set_weekly_hours({d: [(9 * 60, 17 * 60)] for d in range(7)})
        tomorrow = clock.now().astimezone(hours.zone()).date() + timedelta(days=1)
        db.session.remove()

    page.goto("/login")
    page.get_by_label("Username").fill("casey")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Roster")).to_be_visible()

    upcoming = page.get_by_test_id("upcoming-gaps")
    expect(upcoming).to_contain_text(tomorrow.strftime("%a %d %b") + " 09:00")

    form = page.locator("form", has=page.get_by_role("button", name="Add shift"))
    form.get_by_label("Person").select_option(label="Pat")
    form.get_by_label("Shift role").select_option("peer")
    form.get_by_label("Date").fill(tomorrow.isoformat())
    form.get_by_label("Starts").fill("09:00")
    form.get_by_label("Ends").fill("17:00")
    page.get_by_role("button", name="Add shift").click()

    expect(page.get_by_role("status")).to_contain_text("Shift added for Pat.")
    day = page.locator("section.day", has=page.get_by_role("heading", name=tomorrow.strftime("%A %d %b")))
    expect(day).to_contain_text("09:00–17:00 Pat")
    expect(day.locator(".gap")).to_have_count(0)
    expect(page.get_by_test_id("upcoming-gaps")).not_to_contain_text(tomorrow.strftime("%a %d %b") + " 09:00")
