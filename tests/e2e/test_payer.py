"""Payer records in a real browser: a member links a plan's code on their account page (after
reading what is shared) and removes it; the peer's contact note has service minutes,
prefilled at the end, saved with the note."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.chat_support import on_duty_peer
from tests.conftest import TEST_CONFIG
from tests.payer.support import PAYER, TEST_PHI_KEY
from tests.servers import LiveServer
from tests.support import PASSWORD, make_staff

pytestmark = pytest.mark.e2e


@pytest.fixture
def keyed(database, browser):
    """A server and an app for arranging data, both with payer features on."""
    from warmline import create_app
    from warmline.extensions import db

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database, "PHI_KEY": TEST_PHI_KEY})
    with LiveServer(database, WARMLINE_PHI_KEY=TEST_PHI_KEY) as live:
        contexts = []

        def new_page():
            context = browser.new_context(base_url=live.url)
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(10_000)
            return page

        yield app, new_page
        for context in contexts:
            context.close()
    with app.app_context():
        db.engine.dispose()


def _enrol(app) -> str:
    from tests.payer.support import enrol
    from warmline.services import payers

    biller = make_staff(app, "bea", "billing")
    with app.app_context():
        payer_id = payers.create_payer(dict(PAYER)).id
        return enrol(biller, payer_id)[1]


def test_member_links_and_peer_documents_minutes(keyed):
    app, new_page = keyed
    code = _enrol(app)
    on_duty_peer(app, "pat")
    member, peer = new_page(), new_page()

    member.goto("/join")
    member.get_by_role("button", name="Join").click()
    member.goto("/account")
    plan = member.get_by_role("region", name="Health plan referral")
    expect(plan).to_contain_text("Never what was said")
    expect(plan).to_contain_text("remove it at any time")
    plan.get_by_label("Referral code").fill(code.lower())
    plan.get_by_role("button", name="Link a plan referral code").click()
    expect(member.get_by_role("region", name="Health plan referral")).to_contain_text("Evergreen Health Plan")

    member.goto("/chat")
    # The member page says nothing once connected (no technical words): its class says it.
    expect(member.locator("#connection")).to_have_class(re.compile(r"\bok\b"))
    member.get_by_role("radio", name="No").check()
    member.get_by_role("button", name="Talk to a peer").click()
    peer.goto("/login")
    peer.get_by_label("Username").fill("pat")
    peer.get_by_label("Password").fill(PASSWORD)
    peer.get_by_role("button", name="Sign in").click()
    expect(peer.locator("#connection")).to_have_text("Connected.")
    peer.get_by_role("button", name="Accept").first.click()
    expect(member.locator("#peer-handle")).to_have_text("Pat")
    member.get_by_role("button", name="End chat").click()

    note = peer.locator(".pane:not([hidden]) .note-form")
    minutes = note.get_by_label("Service minutes")
    expect(minutes).to_have_value("0")  # whole minutes from the answer to the end
    minutes.fill("12")
    note.get_by_label("Topics").fill("sleep")
    note.get_by_role("button", name="Save note").click()
    expect(note.locator(".note-status")).to_have_text("Note saved.")
    with app.app_context():
        from warmline.extensions import db
        from warmline.models import ContactNote

        assert db.session.query(ContactNote).one().service_minutes == 12

    member.goto("/account")
    member.get_by_role("button", name="Remove the link").click()
    expect(member.get_by_role("region", name="Health plan referral")).to_contain_text("Link a plan referral code")
