"""A member joins anonymously, sees their handle and recovery code and the crisis bar, and
the quick exit leaves at once (button and Escape) without leaving the page in history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import NEUTRAL_SITE

pytestmark = pytest.mark.e2e


def test_join_anonymously_then_quick_exit(page):
    page.goto("/")
    crisis = page.get_by_role("region", name="Crisis resources")
    expect(crisis).to_contain_text("Call or text 988")
    expect(crisis).to_contain_text("911")
    page.get_by_role("link", name="Join anonymously").first.click()
    expect(page).to_have_url(re.compile(r"/join$"))
    page.get_by_label("Choose a handle (optional)").fill("")
    page.get_by_role("button", name="Join").click()

    handle = page.get_by_test_id("handle").inner_text()
    code = page.get_by_test_id("recovery-code").inner_text()
    assert re.fullmatch(r"[A-Z][a-z]+[A-Z][a-z]+\d+", handle)
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code)
    expect(page.get_by_test_id("current-handle")).to_have_text(handle)
    expect(page.get_by_role("region", name="Crisis resources")).to_be_visible()

    page.get_by_role("link", name=re.compile("Quick exit")).click()
    expect(page).to_have_url(NEUTRAL_SITE)
    # The exit replaced the page showing the code: Back does not bring it up again.
    page.go_back()
    expect(page.get_by_test_id("recovery-code")).to_have_count(0)


def test_escape_key_leaves(page):
    page.goto("/login")
    page.get_by_label("Username").fill("someone")
    page.keyboard.press("Escape")
    expect(page).to_have_url(NEUTRAL_SITE)


def test_pages_fit_a_phone(browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path in ["/", "/join", "/login"]:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways on a phone"
        expect(page.locator("#quick-exit")).to_be_visible()
    context.close()
