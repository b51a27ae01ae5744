"""After a chat ends the member answers the survey on the chat page, and the peer's contact
note takes a coded topic and distress ratings."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.chat_support import on_duty_peer
from tests.support import PASSWORD
from warmline.extensions import db
from warmline.models import ContactNote, ContactNoteCode, Survey
from warmline.services import coding

pytestmark = pytest.mark.e2e


def test_member_answers_the_survey_and_the_peer_codes_the_note(app, new_page):
    on_duty_peer(app, "pat")
    with app.app_context():
        coding.add_code("topic", "Sleep")
        db.session.remove()
    member, peer = new_page(), new_page()
    member.goto("/join")
    member.get_by_role("button", name="Join").click()
    handle = member.get_by_test_id("handle").inner_text()
    member.goto("/chat")
    # The member page says nothing once connected (no technical words): its class says it.
    expect(member.locator("#connection")).to_have_class(re.compile(r"\bok\b"))
    member.get_by_role("button", name="Talk to a peer").click()
    expect(member.locator("#position")).to_contain_text("next in line")

    peer.goto("/login")
    peer.get_by_label("Username").fill("pat")
    peer.get_by_label("Password").fill(PASSWORD)
    peer.get_by_role("button", name="Sign in").click()
    expect(peer.locator("#connection")).to_have_text("Connected.")
    peer.get_by_role("button", name="Accept").first.click()
    expect(peer.get_by_role("tab", name=handle)).to_have_attribute("aria-selected", "true")
    reply = peer.locator(".pane:not([hidden]) textarea[name=body]")
    reply.fill("Hello, I'm here.")
    reply.press("Enter")
    expect(member.get_by_role("log", name="Conversation")).to_contain_text("Hello, I'm here.")

    member.get_by_role("button", name="End chat").click()
    survey = member.locator("#survey")
    expect(survey).to_be_visible()
    survey.get_by_role("radio", name="Somewhat").check()
    survey.locator("fieldset", has_text="Did you feel heard?").get_by_role("radio", name="Yes").check()
    survey.get_by_label("If Warmline had not been here").select_option("988")
    survey.get_by_role("button", name="Send my answers").click()
    expect(member.locator("#survey-thanks")).to_be_visible()
    expect(survey).to_be_hidden()

    note = peer.locator(".pane:not([hidden]) .note-form")
    expect(note).to_be_visible()
    note.get_by_role("checkbox", name="Sleep").check()
    note.get_by_label("At the start").select_option("7")
    note.get_by_label("At the end").select_option("4")
    note.get_by_role("button", name="Save note").click()
    expect(note.locator(".note-status")).to_have_text("Note saved.")

    with app.app_context():
        [answer] = db.session.scalars(sa.select(Survey))
        assert (answer.helped, answer.felt_heard, answer.would_otherwise) == ("somewhat", True, "988")
        [saved] = db.session.scalars(sa.select(ContactNote))
        assert (saved.distress_start, saved.distress_end) == (7, 4)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactNoteCode)) == 1
        db.session.remove()
