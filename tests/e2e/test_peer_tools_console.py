"""The peer tools inside the reworked console, in a real browser: a saved reply by its
shortcut, a resource card shared into the chat, the contact note with codes, service
minutes and distress, and the member's survey after the end."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.chat_support import on_duty_peer
from tests.e2e.test_console import member_asks, open_pane, sign_in
from warmline.extensions import db
from warmline.models import User
from warmline.models.chat import ContactNote
from warmline.models.peer_tools import MINE
from warmline.services import canned, coding, resources, surveys

pytestmark = pytest.mark.e2e


def test_saved_reply_resource_card_coded_note_and_the_survey(app, new_page):
    pat = on_duty_peer(app, "pat")
    with app.app_context():
        canned.create(db.session.get(User, pat), "Greeting", "I'm here with you. What's on your mind?", "hi", MINE)
        resources.create({"name": "Eastside Food Pantry", "category": "food", "phone": "555-0100", "area": "Eastside"})
        loneliness = coding.add_code(coding.TOPIC, "Loneliness").id
    member, peer = new_page(), new_page()
    member_asks(member, "lonely")
    sign_in(peer, "pat")
    peer.get_by_role("button", name="Accept: lonely").click()
    pane = open_pane(peer)
    conversation_id = int(pane.get_attribute("id").removeprefix("pane-"))

    # The shortcut expands in the reply box (to be edited), Enter then sends it.
    reply = pane.locator("textarea[name=body]")
    reply.press_sequentially("/hi")
    expect(pane.locator(".canned-hint")).to_contain_text("Greeting")
    reply.press(" ")
    expect(reply).to_have_value("I'm here with you. What's on your mind?")
    reply.press("Enter")
    log = member.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("What's on your mind?")

    share = pane.locator("details.share-resource")
    share.locator("summary").click()
    share.get_by_role("button", name=re.compile("Share: Eastside Food Pantry")).click()
    expect(log.locator(".resource-card")).to_contain_text("Eastside Food Pantry")
    expect(log.locator(".resource-card")).to_contain_text("555-0100")

    pane.get_by_role("button", name="End conversation").click()
    peer.get_by_role("dialog").get_by_role("button", name="End conversation").click()
    note = pane.locator(".note-form")
    expect(note).to_be_visible()
    expect(pane.locator(".canned-picker")).to_be_hidden()  # nothing to reply to any more
    expect(share).to_be_hidden()
    expect(note.get_by_label("Referral given")).to_have_value("Eastside Food Pantry")
    expect(note.get_by_label(re.compile("Service minutes"))).to_have_value("0")
    note.get_by_label("Loneliness").check()
    note.get_by_label("At the start").select_option("6")
    note.get_by_label("At the end").select_option("3")
    note.get_by_label(re.compile("Service minutes")).fill("12")
    note.get_by_role("button", name="Save note").click()
    expect(note.locator(".note-status")).to_have_text("Note saved.")

    survey = member.locator("#survey")
    survey.get_by_role("group", name="Did the conversation help?").get_by_role("radio", name="Somewhat").check()
    survey.get_by_role("group", name="Did you feel heard?").get_by_role("radio", name="Yes").check()
    member.get_by_role("button", name="Send my answers").click()
    expect(member.locator("#survey-thanks")).to_be_visible()

    with app.app_context():
        saved = db.session.scalar(sa.select(ContactNote).where(ContactNote.conversation_id == conversation_id))
        assert (saved.referral, saved.service_minutes, saved.distress_start, saved.distress_end) == (
            "Eastside Food Pantry",
            12,
            6,
            3,
        )
        assert coding.chosen(conversation_id, pat)["topic_ids"] == [loneliness]
        assert surveys.answered_ids([conversation_id]) == {conversation_id}
