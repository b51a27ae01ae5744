"""On a shared phone (390 x 844): the quick exit stays on screen after scrolling, and after
it this browser is locked until the member's recovery code opens it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import NEUTRAL_SITE

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_quick_exit_on_a_phone_locks_this_browser_until_the_recovery_code(page):
    page.set_viewport_size(PHONE)
    page.goto("/join")
    expect(page.locator("#quick-exit-explained")).to_be_visible()
    page.get_by_role("button", name="Join").click()
    handle = page.get_by_test_id("handle").inner_text()
    code = page.get_by_test_id("recovery-code").inner_text()

    page.goto("/forums")
    # A long page, scrolled to its end: the quick exit is still on screen.
    page.evaluate("document.querySelector('main').style.minHeight = '4000px'")
    page.mouse.wheel(0, 5000)
    page.wait_for_function("() => window.scrollY > 2000")
    expect(page.get_by_role("link", name="Quick exit")).to_be_in_viewport()

    with page.expect_request("**/api/v1/me/quick-exit"):
        page.get_by_role("link", name="Quick exit").click()
    expect(page).to_have_url(NEUTRAL_SITE)

    # Whoever opens the site next sees the unlock screen, not the member's account.
    page.goto("/chat")
    expect(page.get_by_role("heading", name="This device is locked")).to_be_visible()
    expect(page.get_by_text(handle)).to_have_count(0)
    assert page.request.get("/api/v1/me").status == 423
    page.goto("/forums")
    expect(page.get_by_role("heading", name="This device is locked")).to_be_visible()

    page.get_by_label("Recovery code").fill(code)
    page.get_by_role("button", name="Unlock with the recovery code").click()
    expect(page).to_have_url(re.compile(r"/forums$"))
    expect(page.get_by_test_id("current-handle")).to_have_text(handle)
    assert page.request.get("/api/v1/me").status == 200
