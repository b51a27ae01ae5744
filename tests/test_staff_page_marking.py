"""Staff pages mark themselves, so the quick exit's Escape key stays on member-facing pages
(static/js/site.js): a peer mid-reply must not be sent away by it."""

from __future__ import annotations

from tests.chat_support import on_duty_peer
from warmline import ROOT


def test_staff_pages_are_marked_and_member_pages_are_not(app, api, new_api):
    on_duty_peer(app, "pat")
    api.login("pat")
    for path in ("/console", "/forums", "/account"):
        html = api.get(path).get_data(as_text=True)
        body_tag = html[html.index("<body") : html.index(">", html.index("<body")) + 1]
        assert "data-staff-page" in body_tag and "data-member-page" not in body_tag, path
        assert 'id="quick-exit"' in html, path  # the control stays
    member = new_api()
    member.join()
    for path in ("/chat", "/forums", "/"):
        html = member.get(path).get_data(as_text=True)
        assert "data-staff-page" not in html and "<body data-member-page" in html, path
    visitor = new_api()
    assert "data-staff-page" not in visitor.get("/login").get_data(as_text=True)
    script = (ROOT / "static" / "js" / "site.js").read_text(encoding="utf-8")
    assert 'hasAttribute("data-member-page")' in script
