"""The security baseline: headers on every response, cookies, no inline script, no
address in the cookie, friendly errors without stack traces."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask

from tests.support import error_of, make_staff

PAGES = ["/", "/join", "/recover", "/login", "/chat", "/forums"]


def assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
    ]:
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", PAGES + ["/api/v1/csrf", "/api/v1/me", "/nowhere", "/api/v1/nowhere", "/static/css/app.css"]
)
def test_every_response_carries_the_headers(client, path):
    with client.get(path) as response:
        assert_security_headers(response)


def test_errors_carry_headers_and_no_stack_trace(app: Flask, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals")

    page = client.get("/boom")
    assert page.status_code == 500
    assert_security_headers(page)
    assert b"secret internals" not in page.data and b"Traceback" not in page.data
    assert b"In crisis?" in page.data
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and error_of(api)["code"] == "server_error"
    assert_security_headers(api)


def test_not_found_is_json_under_api_and_a_page_elsewhere(client):
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404 and error_of(api)["code"] == "not_found"
    page = client.get("/nowhere")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert b"Quick exit" in page.data


def test_signed_in_pages_are_not_stored(app, client):
    assert client.get("/").headers["Cache-Control"] == "no-store"
    with client.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_session_cookie_flags_and_no_address_hash(app, api):
    make_staff(app, "pat", "peer")
    response = api.post("/api/v1/login", {"username": "pat", "password": "correct horse battery"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("warmline_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires" not in cookie  # a browser-session cookie: remember-me is off
    serializer = app.session_interface.get_signing_serializer(app)
    session = serializer.loads(api.client.get_cookie("warmline_session").value)
    assert session.get("_id", "") == ""
    assert "_remember" not in session


def test_cookie_is_secure_over_https(app):
    client = app.test_client()
    response = client.get("/api/v1/csrf", base_url="https://warmline.example")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("warmline_session="))
    assert "Secure" in cookie


class _PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag} has {name}=")
        if tag == "style":
            self.problems.append("inline <style>")
        if tag == "script":
            if not attributes.get("src", "").startswith("/static/"):
                self.problems.append(f"script src {attributes.get('src')!r}")
            self._in_script = True
        if tag == "link" and attributes.get("rel") == "stylesheet" and not attributes["href"].startswith("/static/"):
            self.problems.append("third-party stylesheet")
        for name in ("href", "src", "action"):
            if (attributes.get(name) or "").lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {tag}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline script")


def audit_page(html: str) -> list[str]:
    parser = _PageAudit()
    parser.feed(html)
    return parser.problems


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style_and_carry_the_crisis_bar(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert audit_page(html) == []
    assert "In crisis? Call or text" in html and 'href="tel:988"' in html and 'href="tel:911"' in html
    assert 'id="quick-exit"' in html
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    assert '<meta name="viewport"' in html


def test_signed_in_pages_audit_clean(app, api):
    make_staff(app, "pat", "peer", "moderator", "coordinator", "admin")
    api.login("pat")
    for path in PAGES + [
        "/account",
        "/console",
        "/shifts",
        "/shifts/mine",
        "/shifts/template",
        "/shifts/settings",
        "/moderation",
        "/escalations",
    ]:
        assert audit_page(api.get(path).get_data(as_text=True)) == [], path


def test_quick_exit_script_replaces_history():
    from warmline import ROOT

    script = (ROOT / "static/js/site.js").read_text()
    assert "location.replace" in script and '"Escape"' in script


def test_socketio_buffer_is_bounded(app):
    from warmline.extensions import socketio

    assert socketio.server.eio.max_http_buffer_size <= 256 * 1024
    # An event too large for the handlers still fits the transport, so it can be answered.
    assert app.config["SOCKET_MESSAGE_MAX"] < socketio.server.eio.max_http_buffer_size
    assert socketio.server.eio.cors_allowed_origins != "*"


def test_database_down_is_503_with_headers_on_pages_and_api(tmp_path):
    """With the database unreachable: the contract's 503 under /api/, a friendly page
    elsewhere (crisis bar and quick exit included), never a 500 or a stack trace."""
    from tests.conftest import TEST_CONFIG
    from warmline import create_app

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-signed-in-token"
    api = client.get("/api/v1/me")
    assert api.status_code == 503 and error_of(api)["code"] == "unavailable"
    assert_security_headers(api)
    page = client.get("/")
    assert page.status_code == 503 and b"Quick exit" in page.data and b"Traceback" not in page.data
    assert_security_headers(page)
