"""A member and a peer, in two browsers, through a whole conversation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.chat_support import on_duty_peer
from tests.support import PASSWORD

pytestmark = pytest.mark.e2e


def test_member_and_peer_talk(app, new_page):
    on_duty_peer(app, "pat")
    member, peer = new_page(), new_page()

    member.goto("/join")
    member.get_by_role("button", name="Join").click()
    handle = member.get_by_test_id("handle").inner_text()
    member.goto("/chat")
    expect(member.locator("#connection")).to_have_class(re.compile(r"\bok\b"))
    expect(member.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(member.locator("#confidentiality")).to_contain_text("The one exception")
    member.get_by_label("What would you like to talk about? (optional)").fill("trouble sleeping")
    member.get_by_role("radio", name="No").check()
    member.get_by_role("button", name="Talk to a peer").click()
    expect(member.locator("#position")).to_contain_text("next in line")

    peer.goto("/login")
    peer.get_by_label("Username").fill("pat")
    peer.get_by_label("Password").fill(PASSWORD)
    peer.get_by_role("button", name="Sign in").click()
    expect(peer.get_by_role("heading", name="Peer console")).to_be_visible()
    expect(peer.locator("#connection")).to_have_text("Connected.")
    expect(peer.locator("#availability")).to_have_attribute("aria-pressed", "true")
    peer.get_by_role("button", name="Accept: trouble sleeping").click()
    expect(peer.get_by_role("tab", name=handle)).to_have_attribute("aria-selected", "true")
    expect(peer.locator(".pane:not([hidden]) .note-form")).to_be_hidden()  # only after the end

    expect(member.locator("#peer-handle")).to_have_text("Pat")
    member.get_by_label("Your message").fill("hi, I can't sleep\nagain <b>tonight</b>")
    member.get_by_role("button", name="Send").click()

    peer_log = peer.locator(".pane:not([hidden]) .messages")
    expect(peer_log).to_contain_text("hi, I can't sleep")
    expect(peer_log.locator(".body").first).to_have_text("hi, I can't sleep\nagain <b>tonight</b>")
    reply = peer.locator(".pane:not([hidden]) textarea[name=body]")
    reply.fill("I'm glad you reached out.")
    reply.press("Enter")
    expect(member.get_by_role("log", name="Conversation")).to_contain_text("I'm glad you reached out.")

    # A reload resumes the conversation without losing or repeating anything.
    member.reload()
    expect(member.get_by_role("log", name="Conversation").locator(".message")).to_have_count(2)

    member.get_by_role("button", name="End chat").click()
    expect(member.get_by_role("heading", name="The conversation has ended")).to_be_visible()
    expect(peer.locator(".pane:not([hidden]) .presence")).to_contain_text("The member ended the chat")
    note = peer.locator(".pane:not([hidden]) .note-form")
    note.get_by_label("Topics").fill("sleep")
    note.get_by_role("button", name="Save note").click()
    expect(note.locator(".note-status")).to_have_text("Note saved.")
    assert re.search(r"Warmline", member.title())
