"""A member on a phone: in Spanish from join to chat to a forum post with no English on
screen, and axe-core finds nothing serious on the member pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.chat_support import on_duty_peer
from tests.e2e.phone import english_on_screen, phone_context, serious_violations
from tests.support import PASSWORD
from warmline.services import forums

pytestmark = pytest.mark.e2e


def no_english(page, where: str) -> None:
    assert english_on_screen(page) == [], f"English on {where}"


def test_a_spanish_members_whole_path(app, browser, server):
    with app.app_context():
        forums.create_forum("como-estas", "Cómo estás hoy", "Cuéntanos")
    on_duty_peer(app, "pat")
    member_context = phone_context(browser, server, locale="es-MX")
    peer_context = browser.new_context(base_url=server.url, locale="en-US")
    try:
        member = member_context.new_page()
        member.set_default_timeout(10_000)
        member.goto("/")
        expect(member.get_by_role("region", name="Ayuda en crisis")).to_contain_text("oprima 2")
        expect(member.get_by_role("region", name="Ayuda en crisis")).to_contain_text("AYUDA")
        no_english(member, "home")
        member.get_by_role("link", name="Únete de forma anónima").first.click()
        expect(member.get_by_role("heading", name="Normas de la comunidad")).to_be_visible()
        no_english(member, "join")
        member.get_by_role("button", name="Unirme").click()
        expect(member.get_by_test_id("recovery-code")).to_be_visible()
        no_english(member, "welcome")

        member.goto("/chat")
        expect(member.get_by_role("heading", name="Antes de empezar")).to_be_visible()
        no_english(member, "chat, before starting")
        member.get_by_label("¿De qué te gustaría hablar? (opcional)").fill("no puedo dormir")
        member.get_by_role("radio", name="No").check()
        member.get_by_role("button", name="Habla con un par").click()
        expect(member.locator("#position")).to_contain_text("fila")
        no_english(member, "chat, waiting")

        peer = peer_context.new_page()
        peer.set_default_timeout(10_000)
        peer.goto("/login")
        peer.get_by_label("Username").fill("pat")
        peer.get_by_label("Password").fill(PASSWORD)
        peer.get_by_role("button", name="Sign in").click()
        expect(peer.locator("#queue")).to_contain_text("Spanish")
        assert english_on_screen(peer) != []  # the check sees English where there is some
        peer.get_by_role("button", name="Accept: no puedo dormir").click()

        expect(member.get_by_role("heading", name=re.compile("Estás hablando con"))).to_be_visible()
        member.get_by_label("Tu mensaje").fill("hola, otra vez no puedo dormir")
        member.get_by_role("button", name="Enviar").click()
        expect(peer.locator(".pane:not([hidden]) .messages")).to_contain_text("otra vez no puedo dormir")
        reply = peer.locator(".pane:not([hidden]) textarea[name=body]")
        reply.fill("Qué bueno que escribiste.")
        reply.press("Enter")
        expect(member.get_by_role("log", name="Conversación")).to_contain_text("Qué bueno que escribiste.")
        no_english(member, "chat, talking")
        member.get_by_role("button", name="Terminar el chat").click()
        expect(member.get_by_role("heading", name="La conversación terminó")).to_be_visible()
        no_english(member, "chat, ended")

        member.goto("/forums")
        member.get_by_role("link", name="Cómo estás hoy").click()
        member.get_by_label("Título").fill("Primera vez aquí")
        member.get_by_label("Tu publicación", exact=True).fill("Hola a todos, me alegra encontrar este lugar.")
        member.get_by_role("button", name="Publicar").click()
        expect(member.get_by_role("status")).to_contain_text("cuando un moderador")
        no_english(member, "forum, after posting")
        member.goto("/account")
        no_english(member, "account")
    finally:
        member_context.close()
        peer_context.close()


MEMBER_PAGES = ["/", "/join", "/recover", "/chat", "/forums", "/guidelines", "/account", "/notices"]


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_member_pages_have_no_serious_accessibility_violations(app, browser, server, locale):
    on_duty_peer(app, "pat")
    context = phone_context(browser, server, locale=locale, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.set_content('<html lang="en"><body><main><img src="x.png"></main></body></html>')
        assert any(v.startswith("image-alt") for v in serious_violations(page))  # the audit runs
        found = {}
        for path in ["/", "/join", "/recover", "/chat"]:
            page.goto(path)
            found[f"{path} (visitor)"] = serious_violations(page)
        page.goto("/join")
        page.locator("form.stack button[type=submit]").click()
        expect(page.get_by_test_id("recovery-code")).to_be_visible()
        found["welcome"] = serious_violations(page)
        for path in MEMBER_PAGES:
            page.goto(path)
            found[path] = serious_violations(page)
        page.goto("/chat")
        page.locator("#request-button").wait_for(state="visible")
        found["/chat (before you start)"] = serious_violations(page)
        page.request.post(
            "/api/v1/me/quick-exit",
            headers={"X-CSRFToken": page.locator('meta[name="csrf-token"]').get_attribute("content")},
            data="{}",
        )
        page.goto("/chat")
        expect(page.locator("#recovery_code")).to_be_visible()
        found["unlock"] = serious_violations(page)
        assert {where: v for where, v in found.items() if v} == {}
    finally:
        context.close()
