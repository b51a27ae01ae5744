"""Working a shift in the peer console, in a real browser: Escape keeps the draft, the tab
title counts waiting chats and unread messages, a desktop notification is shown while the
tab is hidden, conversation tabs work by keyboard, a hand-over leaves both peers' views and
notes right, and the console, the member chat and /moderation pass an axe-core scan (and
/moderation fits a phone)."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.chat_support import on_duty_peer
from tests.e2e.phone import serious_violations
from tests.support import PASSWORD, make_staff
from warmline.extensions import db
from warmline.models import ChatRiskReading
from warmline.services import accounts, forum, forums

pytestmark = pytest.mark.e2e

# Lets a test hide the tab (Chromium keeps every tab "visible" under automation) and records
# the desktop notifications the page shows, passing them on to the real constructor.
PAGE_HOOKS = """
(() => {
  window.__hidden = false;
  Object.defineProperty(document, "hidden", { configurable: true, get: () => window.__hidden });
  Object.defineProperty(document, "visibilityState", { configurable: true,
    get: () => (window.__hidden ? "hidden" : "visible") });
  window.__setHidden = (value) => { window.__hidden = value; document.dispatchEvent(new Event("visibilitychange")); };
  window.__notifications = [];
  const Real = window.Notification;
  if (!Real) { return; }
  function Spy(title, options) {
    window.__notifications.push({ title: title, body: (options && options.body) || "" });
    return new Real(title, options);
  }
  Spy.requestPermission = (cb) => Real.requestPermission(cb);
  Object.defineProperty(Spy, "permission", { get: () => Real.permission });
  window.Notification = Spy;
})();
"""


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Peer console")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("Connected.")


def member_asks(page, topic: str) -> str:
    page.goto("/join")
    page.get_by_role("button", name="Join").click()
    handle = page.get_by_test_id("handle").inner_text()
    page.goto("/chat")
    # The member page says nothing while all is well (only trouble is worth their attention).
    expect(page.locator("#connection")).to_have_class(re.compile(r"\bok\b"))
    page.get_by_label("What would you like to talk about? (optional)").fill(topic)
    page.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Talk to a peer").click()
    expect(page.locator("#position")).to_be_visible()
    return handle


def member_says(page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def open_pane(peer):
    return peer.locator(".pane:not([hidden])")


def test_escape_on_the_console_keeps_the_draft_and_the_member(app, new_page):
    on_duty_peer(app, "pat")
    member, peer = new_page(), new_page()
    handle = member_asks(member, "work")
    sign_in(peer, "pat")
    peer.get_by_role("button", name="Accept: work").click()
    expect(member.locator("#peer-handle")).to_have_text("Pat")
    reply = open_pane(peer).locator("textarea[name=body]")
    reply.fill("I hear you, and I")
    reply.press("Escape")
    peer.keyboard.press("Escape")
    expect(peer).to_have_url(re.compile(r"/console$"))
    expect(reply).to_have_value("I hear you, and I")
    expect(peer.get_by_role("tab", name=handle)).to_be_visible()
    expect(member.locator("#peer-handle")).to_have_text("Pat")
    assert "disconnected" not in member.locator("body").inner_text().lower()


def test_title_counts_and_a_notification_while_the_tab_is_hidden(app, new_page):
    on_duty_peer(app, "pat")
    member, peer = new_page(), new_page()
    peer.add_init_script(PAGE_HOOKS)
    sign_in(peer, "pat")
    expect(peer.get_by_role("checkbox", name=re.compile("Sound"))).to_be_checked()  # on by default
    # The peer asks for notifications from the console (the browser's prompt is answered
    # "allow" by granting the permission).
    ask = peer.get_by_role("button", name="Turn on desktop notifications")
    expect(ask).to_be_visible()
    peer.context.grant_permissions(["notifications"])
    ask.click()
    expect(peer.locator("[data-notifications-status]")).to_contain_text("Desktop notifications are on")
    expect(ask).to_be_hidden()

    peer.evaluate("window.__setHidden(true)")
    handle = member_asks(member, "can't sleep")
    expect(peer).to_have_title(re.compile(r"^1 waiting · Peer console"))
    peer.wait_for_function("() => window.__notifications.length >= 1")
    assert peer.evaluate("window.__notifications[0].title") == "A member is waiting"

    peer.evaluate("window.__setHidden(false)")
    peer.get_by_role("button", name="Accept: can't sleep").click()
    expect(peer).to_have_title(re.compile(r"^Peer console"))
    peer.evaluate("window.__setHidden(true)")
    member_says(member, "are you still there? I really need someone")
    expect(peer).to_have_title(re.compile(r"^1 unread · Peer console"))
    expect(peer.get_by_role("tab", name=re.compile(handle))).to_contain_text("1 new")
    peer.wait_for_function("() => window.__notifications.length >= 2")
    shown = peer.evaluate("window.__notifications[1]")
    assert shown == {"title": f"New message from {handle}", "body": ""}  # no member words on screen

    peer.evaluate("window.__setHidden(false)")  # the peer comes back to the tab
    expect(peer).to_have_title(re.compile(r"^Peer console"))
    expect(peer.get_by_role("tab", name=re.compile(handle))).not_to_contain_text("new")


def test_conversation_tabs_by_keyboard_and_closing_an_ended_one(app, new_page):
    on_duty_peer(app, "pat", capacity=3)
    first, second, peer = new_page(), new_page(), new_page()
    one = member_asks(first, "first")
    two = member_asks(second, "second")
    sign_in(peer, "pat")
    peer.get_by_role("button", name="Accept: first").click()
    peer.get_by_role("button", name="Accept: second").click()
    tab_one, tab_two = peer.get_by_role("tab", name=one), peer.get_by_role("tab", name=two)
    expect(tab_two).to_have_attribute("aria-selected", "true")
    expect(tab_one).to_have_attribute("tabindex", "-1")  # one tab stop for the tab list

    tab_two.focus()
    peer.keyboard.press("ArrowLeft")
    expect(tab_one).to_be_focused()
    expect(tab_one).to_have_attribute("aria-selected", "true")
    expect(peer.locator(f"#{tab_one.get_attribute('aria-controls')}")).to_be_visible()
    peer.keyboard.press("End")
    expect(tab_two).to_be_focused()
    expect(tab_two).to_have_attribute("aria-selected", "true")
    peer.keyboard.press("Home")
    expect(tab_one).to_have_attribute("aria-selected", "true")
    peer.keyboard.press("ArrowLeft")  # wraps around
    expect(tab_two).to_have_attribute("aria-selected", "true")
    peer.keyboard.press("Tab")  # from the tab into its panel's content
    expect(tab_two).not_to_be_focused()

    # Ending asks first; an ended conversation's tab can then be closed.
    open_pane(peer).get_by_role("button", name="End conversation").click()
    dialog = peer.get_by_role("dialog")
    expect(dialog).to_contain_text(f"End the conversation with {two}?")
    dialog.get_by_role("button", name="Go back").click()
    expect(open_pane(peer).locator("textarea[name=body]")).to_be_visible()
    open_pane(peer).get_by_role("button", name="End conversation").click()
    peer.get_by_role("dialog").get_by_role("button", name="End conversation").click()
    expect(peer.get_by_role("tab", name=f"{two} (ended)")).to_be_visible()
    expect(second.get_by_role("heading", name="The conversation has ended")).to_be_visible()
    open_pane(peer).get_by_role("button", name="Close this conversation").click()
    expect(peer.get_by_role("tab")).to_have_count(1)
    expect(tab_one).to_have_attribute("aria-selected", "true")

    # The member's transcript is deleted only after they confirm.
    second.goto("/chat")
    delete = second.get_by_role("button", name="delete this transcript")
    delete.click()
    second.get_by_role("dialog").get_by_role("button", name="Go back").click()
    expect(delete).to_be_visible()
    delete.click()
    expect(second.get_by_role("dialog")).to_contain_text("Delete this transcript?")
    second.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(second.get_by_text("transcript deleted")).to_be_visible()


def test_a_hand_over_leaves_both_peers_views_and_notes_right(app, new_page):
    on_duty_peer(app, "pat")
    on_duty_peer(app, "robin")
    member, pat, robin = new_page(), new_page(), new_page()
    handle = member_asks(member, "work stress")
    sign_in(pat, "pat")
    sign_in(robin, "robin")
    pat.get_by_role("button", name="Accept: work stress").click()
    pane = open_pane(pat)
    pane.locator("textarea[name=body]").fill("Hi, I'm Pat.")
    pane.locator("textarea[name=body]").press("Enter")
    expect(member.get_by_role("log", name="Conversation")).to_contain_text("Hi, I'm Pat.")

    pane.get_by_text("Hand over to another peer").click()
    pane.get_by_label("Peer").select_option(label="Robin")
    pane.get_by_label("Hand-off note (the member does not see it)").fill("talked about work")
    pane.get_by_role("button", name="Hand over").click()

    expect(member.get_by_role("log", name="Conversation")).to_contain_text("Pat handed the conversation to Robin.")
    expect(member.locator("#peer-handle")).to_have_text("Robin")
    robin_pane = open_pane(robin)
    expect(robin.get_by_role("tab", name=handle)).to_have_attribute("aria-selected", "true")
    expect(robin_pane.locator(".handoff-note")).to_have_text("talked about work")
    first_line = robin_pane.locator(".message").first
    expect(first_line.locator(".who")).to_contain_text("Pat")  # Pat's line, not "You"
    expect(robin_pane.locator(".message.system")).to_contain_text("Pat handed the conversation to Robin.")
    robin_pane.locator("textarea[name=body]").fill("Hi, Robin here.")
    robin_pane.locator("textarea[name=body]").press("Enter")
    expect(robin_pane.locator(".message.mine .who")).to_contain_text("You")
    expect(member.get_by_role("log", name="Conversation")).to_contain_text("Hi, Robin here.")

    # Pat's view stays: the conversation is marked handed over and Pat's own note saves.
    expect(pane.locator(".presence")).to_have_text("Handed over.")
    note = pane.locator(".note-form")
    note.get_by_label("Topics").fill("work")
    note.get_by_role("button", name="Save note").click()
    expect(note.locator(".note-status")).to_have_text("Note saved.")


def test_console_chat_and_moderation_have_no_serious_accessibility_violations(app, browser, server):
    on_duty_peer(app, "pat")
    make_staff(app, "morgan", "moderator")
    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
        newcomer, _ = accounts.create_member()
        # A new member's first post waits in the queue: the scan reads an item's form too.
        forum.start_thread(newcomer, "daily-check-in", "Hello", "first time here", None)
    # The pages' CSP rightly refuses an injected script: these contexts bypass it for axe.
    contexts = [browser.new_context(base_url=server.url, bypass_csp=True) for _ in range(3)]
    member, peer, moderator = (context.new_page() for context in contexts)
    try:
        member_asks(member, "axe")
        sign_in(peer, "pat")
        peer.get_by_role("button", name="Accept: axe").click()
        member_says(member, "hello")
        expect(open_pane(peer).locator(".messages")).to_contain_text("hello")
        member_says(member, "i want to kill myself")  # the risk banner, with its verdict buttons
        expect(open_pane(peer).get_by_role("button", name="Not a risk")).to_be_visible()
        moderator.goto("/login")
        moderator.get_by_label("Username").fill("morgan")
        moderator.get_by_label("Password").fill(PASSWORD)
        moderator.get_by_role("button", name="Sign in").click()
        moderator.goto("/moderation")
        expect(moderator.get_by_role("radio", name="Right")).to_be_visible()
        pages = (("console", peer), ("chat", member), ("moderation", moderator))
        results = {name: serious_violations(page) for name, page in pages}
        # Moderators review from a phone too: the queue item, its verdict and actions fit.
        moderator.set_viewport_size({"width": 390, "height": 844})
        sideways = moderator.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        approve = moderator.get_by_role("button", name="Approve")
        approve.scroll_into_view_if_needed()
        expect(approve).to_be_in_viewport()
    finally:
        for context in contexts:
            context.close()
    assert results == {"console": [], "chat": [], "moderation": []}, json.dumps(results, indent=1)
    assert sideways <= 0, "/moderation scrolls sideways on a phone"


def test_three_columns_on_a_desktop_one_on_a_phone_with_the_members_context(app, browser, server, new_page):
    on_duty_peer(app, "pat")
    member, peer = new_page(), new_page()
    handle = member_asks(member, "first time")
    sign_in(peer, "pat")
    peer.get_by_role("button", name="Accept: first time").click()
    open_pane(peer).get_by_role("button", name="End conversation").click()
    peer.get_by_role("dialog").get_by_role("button", name="End conversation").click()
    expect(member.get_by_role("heading", name="The conversation has ended")).to_be_visible()

    # The same member again, now in danger: the peer sees the earlier contact and the
    # escalation form starts at the detector's level.
    member.goto("/chat")
    member.get_by_label("What would you like to talk about? (optional)").fill("again")
    member.get_by_role("radio", name="Yes").check()
    member.get_by_role("button", name="Talk to a peer").click()
    peer.set_viewport_size({"width": 1280, "height": 900})
    peer.get_by_role("button", name="Accept: again").click()
    context = open_pane(peer).get_by_role("complementary", name="About this member")
    expect(context.locator(".earlier li")).to_have_count(1)
    expect(context.locator(".earlier li")).to_contain_text("with Pat: first time")
    expect(context.locator(".risk-level")).to_have_text("imminent")
    expect(context.locator("select[name=risk_level]")).to_have_value("imminent")
    expect(peer.get_by_role("tab", name=handle).last).to_have_attribute("aria-selected", "true")

    side = peer.locator(".console-side").bounding_box()
    log = open_pane(peer).locator(".messages").bounding_box()
    aside = context.bounding_box()
    assert side["x"] + side["width"] <= log["x"] and log["x"] + log["width"] <= aside["x"], (side, log, aside)
    main = peer.locator(".console-main").bounding_box()
    conversation = open_pane(peer).locator(".pane-conversation").bounding_box()
    assert abs(side["y"] - main["y"]) < 50 and abs(conversation["y"] - aside["y"]) < 50  # side by side, not stacked

    peer.set_viewport_size({"width": 390, "height": 800})
    main = peer.locator(".console-main").bounding_box()
    side = peer.locator(".console-side").bounding_box()
    assert main["y"] < side["y"], "on a phone the conversation comes first"
    assert peer.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_moderator_is_alerted_live_to_an_urgent_post(app, new_page):
    make_staff(app, "morgan", "moderator")
    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
    moderator, member = new_page(), new_page()
    moderator.context.grant_permissions(["notifications"])
    moderator.add_init_script(PAGE_HOOKS)
    moderator.goto("/login")
    moderator.get_by_label("Username").fill("morgan")
    moderator.get_by_label("Password").fill(PASSWORD)
    moderator.get_by_role("button", name="Sign in").click()
    moderator.goto("/moderation")
    title = moderator.title()
    sound = moderator.get_by_role("checkbox", name="Sound for alerts")
    expect(sound).to_be_checked()
    sound.uncheck()  # kept on the server: still off after a reload
    moderator.wait_for_function(
        "() => fetch('/api/v1/me/preferences').then(r => r.json()).then(b => b.preferences.alert_sound === false)"
    )
    moderator.reload()
    expect(moderator.get_by_role("checkbox", name="Sound for alerts")).not_to_be_checked()
    expect(moderator.locator("#alerts[data-connected]")).to_have_count(1)  # live before the post

    moderator.evaluate("window.__setHidden(true)")
    member.goto("/join")
    member.get_by_role("button", name="Join").click()
    member.goto("/forums/daily-check-in")
    answer = member.evaluate(
        """async () => {
          const token = document.querySelector('meta[name="csrf-token"]').content;
          const r = await fetch('/api/v1/forums/daily-check-in/threads', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
            body: JSON.stringify({title: 'tonight', body: 'I want to kill myself tonight'})});
          return r.status;
        }"""
    )
    assert answer == 201
    expect(moderator.locator("#alerts")).to_contain_text("A forum post was held at imminent risk")
    expect(moderator).to_have_title(f"1 new alert · {title}")
    moderator.wait_for_function("() => window.__notifications.length >= 1")
    assert moderator.evaluate("window.__notifications[0].title") == "Urgent forum post held"
    moderator.evaluate("window.__setHidden(false)")
    expect(moderator).to_have_title(title)


def test_the_risk_banner_says_why_and_what_the_model_read_when_it_overruled_the_words(app, new_page):
    """The shipped detector in a live chat: a figure of speech with a risk phrase reads moderate
    (the model overrules the words, and the peer sees both readings); words the model does not
    overrule raise the risk to high with the rule's words. The peer says of each reading whether
    it was right."""
    on_duty_peer(app, "pat")
    member, peer = new_page(), new_page()
    member_asks(member, "karaoke")
    sign_in(peer, "pat")
    peer.get_by_role("button", name="Accept: karaoke").click()
    pane = open_pane(peer)
    member_says(member, "id rather jump off a cliff than do karaoke tbh")
    banner = pane.locator(".banner.risk")
    expect(banner).to_contain_text("suggest moderate risk")
    both = "Why: the words \u201cjump off\u201d; the model thinks it reads as a figure of speech"
    expect(banner).to_contain_text(both)
    # The peer's word on each reading, by keyboard or by mouse; the buttons give way to thanks.
    right = banner.get_by_role("button", name="Right", exact=True)
    expect(right).to_have_accessible_description(re.compile("suggest moderate risk"))
    right.focus()
    peer.keyboard.press("Enter")
    expect(banner).to_contain_text("Thanks, noted.")
    expect(right).to_be_hidden()
    expect(banner.locator(".risk-noted")).to_be_focused()
    member_says(member, "i want to kill myself")
    expect(banner).to_contain_text("suggest high risk")
    expect(banner).to_contain_text("Why: the words \u201ckill myself\u201d.")
    expect(pane.locator(".risk-level")).to_have_text("high")
    expect(banner).not_to_contain_text("Thanks, noted.")  # a new reading, asked again
    banner.get_by_role("button", name="Not a risk", exact=True).click()
    expect(banner).to_contain_text("Thanks, noted.")
    expect(banner.get_by_role("button", name="Not a risk", exact=True)).to_be_hidden()
    with app.app_context():
        verdicts = db.session.execute(sa.select(ChatRiskReading.detector_level, ChatRiskReading.verdict)).all()
    assert sorted(verdicts) == [("high", "harmless"), ("moderate", "right")]
