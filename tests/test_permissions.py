"""The permission matrix: every route, every role (and anonymous). Each route declares its
roles next to it; a route that declares nothing fails this test."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support import Api, make_staff

ROLES = ["anonymous", "member", "peer", "moderator", "coordinator", "admin"]
SAMPLE_ARGS = {"IntegerConverter": 999999, "UnicodeConverter": "no-such-thing", "PathConverter": "no/such"}
# Routes that change who is signed in: they answer for anyone, by design.
SIGN_IN_ROUTES = {
    "/api/v1/logout",
    "/logout",
    "/api/v1/members",
    "/api/v1/members/recover",
    "/api/v1/login",
    "/join",
    "/recover",
    "/login",
}


def routes(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def fill(app: Flask, rule, method: str) -> str:
    values = {name: SAMPLE_ARGS.get(type(rule._converters[name]).__name__, "x") for name in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


def signed_in_as(app: Flask, role: str) -> Api:
    api = Api(app.test_client())
    if role == "member":
        api.join()
    elif role != "anonymous":
        make_staff(app, f"user_{role}", role)
        api.login(f"user_{role}")
    return api


def test_every_route_declares_its_roles(app):
    undeclared = [
        rule.rule for rule, _ in routes(app) if not hasattr(app.view_functions[rule.endpoint], "required_roles")
    ]
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES)
def test_matrix(app, role):
    api = signed_in_as(app, role)
    checked = 0
    for rule, method in routes(app):
        required = app.view_functions[rule.endpoint].required_roles
        if rule.rule in SIGN_IN_ROUTES:
            continue
        path = fill(app, rule, method)
        response = api.get(path) if method == "GET" else api._write(method, path, {})
        status = response.status_code
        if required is None:
            expected = "open"
            ok = status not in (401, 403)
        elif role == "anonymous":
            expected = "401 (or the login page)"
            ok = status == 401 or (status == 302 and "/login" in response.headers["Location"])
        elif not required or role in required:
            expected = "allowed"
            ok = status not in (401, 403)
        else:
            expected = "403"
            ok = status == 403
        assert ok, f"{role} {method} {path}: {status}, expected {expected}"
        checked += 1
    assert checked > 0
