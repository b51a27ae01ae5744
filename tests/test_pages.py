"""The sign-in pages work without JavaScript, keep what was typed on error, and land staff
where they work."""

from __future__ import annotations

import re

from tests.support import PASSWORD, make_staff


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_join_page_shows_handle_and_code_once(client):
    token = form_token(client, "/join")
    response = client.post("/join", data={"csrf_token": token, "handle": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    handle = re.search(r'data-testid="handle">([^<]+)<', html).group(1)
    code = re.search(r'data-testid="recovery-code">([^<]+)<', html).group(1)
    assert len(code.replace("-", "")) == 16
    assert f'data-testid="current-handle">{handle}<' in html
    assert code not in client.get("/account").get_data(as_text=True)


def test_join_page_keeps_the_typed_handle_on_error(client):
    token = form_token(client, "/join")
    response = client.post("/join", data={"csrf_token": token, "handle": "Adm1n_Sam"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Adm1n_Sam"' in html and 'role="alert"' in html


def test_form_without_csrf_token_is_refused(client):
    response = client.post("/join", data={"handle": ""})
    assert response.status_code == 400
    assert b"security token" in response.data


def test_recover_page(client, app):
    token = form_token(client, "/join")
    html = client.post("/join", data={"csrf_token": token}).get_data(as_text=True)
    handle = re.search(r'data-testid="handle">([^<]+)<', html).group(1)
    code = re.search(r'data-testid="recovery-code">([^<]+)<', html).group(1)
    other = app.test_client()
    token = form_token(other, "/recover")
    bad = other.post("/recover", data={"csrf_token": token, "handle": handle, "recovery_code": "nope"})
    assert bad.status_code == 401 and f'value="{handle}"' in bad.get_data(as_text=True)
    good = other.post("/recover", data={"csrf_token": token, "handle": handle, "recovery_code": code})
    assert good.status_code == 200 and b"Welcome back" in good.data


def test_staff_login_redirects_safely(client, app):
    make_staff(app, "casey", "coordinator")
    token = form_token(client, "/login")
    evil = client.post(
        "/login", data={"csrf_token": token, "username": "casey", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert evil.status_code == 302 and evil.headers["Location"] == "/shifts"  # the coordinator's landing page
    client.post("/logout", data={"csrf_token": token})
    token = form_token(client, "/login")
    good = client.post(
        "/login", data={"csrf_token": token, "username": "casey", "password": PASSWORD, "next": "/account"}
    )
    assert good.headers["Location"] == "/account"


def test_wrong_login_keeps_username(client, app):
    token = form_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": "casey", "password": "wrong-password!"})
    assert response.status_code == 401
    assert 'value="casey"' in response.get_data(as_text=True)


def test_account_page_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/account")


def test_logout_form(client, app):
    make_staff(app, "casey", "coordinator")
    token = form_token(client, "/login")
    client.post("/login", data={"csrf_token": token, "username": "casey", "password": PASSWORD})
    assert client.get("/account").status_code == 200
    client.post("/logout", data={"csrf_token": form_token(client, "/")})
    assert client.get("/account").status_code == 302


def test_navigation_follows_roles(client, app):
    make_staff(app, "casey", "coordinator")
    anonymous = client.get("/").get_data(as_text=True)
    assert "Join anonymously" in anonymous and 'href="/account"' not in anonymous
    token = form_token(client, "/login")
    client.post("/login", data={"csrf_token": token, "username": "casey", "password": PASSWORD})
    assert 'href="/account"' in client.get("/").get_data(as_text=True)
