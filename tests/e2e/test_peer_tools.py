"""Peer tools in real browsers: a peer inserts a saved reply by its shortcut, edits it and
sends it, then shares a directory entry as a card the member sees."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.chat_support import on_duty_peer
from tests.support import PASSWORD
from warmline.extensions import db
from warmline.models import CannedResponse
from warmline.services import resources

pytestmark = pytest.mark.e2e


def test_saved_reply_by_shortcut_then_a_resource_card(app, new_page):
    on_duty_peer(app, "pat")
    with app.app_context():
        db.session.add(
            CannedResponse(owner_id=None, title="Welcome", body="Hi, I'm glad you reached out.", shortcut="hi")
        )
        db.session.commit()
        resources.create(
            {
                "name": "Eastside Food Pantry",
                "category": "food",
                "phone": "555-0100",
                "url": "https://pantry.example.org/",
            }
        )
    member, peer = new_page(), new_page()

    member.goto("/join")
    member.get_by_role("button", name="Join").click()
    member.goto("/chat")
    expect(member.locator("#confidentiality")).to_contain_text("supervisor who may read conversations")
    member.get_by_label("What would you like to talk about? (optional)").fill("groceries")
    member.get_by_role("button", name="Talk to a peer").click()
    expect(member.locator("#position")).to_contain_text("next in line")

    peer.goto("/login")
    peer.get_by_label("Username").fill("pat")
    peer.get_by_label("Password").fill(PASSWORD)
    peer.get_by_role("button", name="Sign in").click()
    expect(peer.locator("#connection")).to_have_text("Connected.")
    peer.get_by_role("button", name="Accept: groceries").click()
    expect(member.locator("#peer-handle")).to_have_text("Pat")

    # "/hi" then Space puts the saved reply in the box; nothing is sent until the peer sends.
    reply = peer.locator(".pane:not([hidden]) textarea[name=body]")
    reply.click()
    reply.press_sequentially("/hi")
    expect(peer.locator(".pane:not([hidden]) .canned-hint")).to_contain_text("Welcome")
    reply.press("Space")
    expect(reply).to_have_value("Hi, I'm glad you reached out.")
    reply.press("Enter")  # Enter sends only what is in the box, as written
    expect(member.get_by_role("log", name="Conversation")).to_contain_text("Hi, I'm glad you reached out.")
    reply.press_sequentially("/hi")
    reply.press("Enter")  # on a shortcut, Enter inserts: never sent unseen
    expect(reply).to_have_value("Hi, I'm glad you reached out.")
    reply.press(" ")
    reply.press_sequentially("What's been going on?")
    reply.press("Enter")
    log = member.get_by_role("log", name="Conversation")
    expect(log.locator(".message")).to_have_count(2)
    expect(log.locator(".body").last).to_have_text("Hi, I'm glad you reached out. What's been going on?")

    # The picker finds saved replies by title, with a preview.
    peer.locator(".pane:not([hidden]) .canned-picker summary").click()
    peer.get_by_label("Search saved replies").fill("welc")
    expect(peer.locator(".pane:not([hidden]) .canned-picker li")).to_have_count(1)
    expect(peer.locator(".pane:not([hidden]) .canned-preview")).to_have_text("Hi, I'm glad you reached out.")

    # Share a directory entry: a card for both, and the referral on the contact note.
    peer.locator(".pane:not([hidden]) .share-resource summary").click()
    peer.get_by_label("Search resources to share").fill("pantry")
    peer.get_by_role("button", name="Share: Eastside Food Pantry (food)").click()
    card = log.locator(".resource-card")
    expect(card).to_contain_text("Eastside Food Pantry")
    expect(card.get_by_role("link", name="555-0100")).to_have_attribute("href", "tel:5550100")
    expect(card.get_by_role("link", name="https://pantry.example.org/")).to_be_visible()
    expect(peer.locator(".pane:not([hidden]) .messages .resource-card")).to_contain_text("Eastside Food Pantry")
    expect(peer.locator(".pane:not([hidden]) .note-form input[name=referral]")).to_have_value("Eastside Food Pantry")
