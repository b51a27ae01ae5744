"""The permission matrix: every route, every role (and anonymous). Each route declares its
roles next to it; a route that declares nothing fails this test."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support import Api, make_staff

ROLES = ["anonymous", "member", "peer", "moderator", "coordinator", "admin", "billing"]
SAMPLE_ARGS = {
    "IntegerConverter": 999999,
    "BoundedIntConverter": 999999,
    "UnicodeConverter": "no-such-thing",
    "PathConverter": "no/such",
}
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
    "/api/v1/me/quick-exit",
    "/unlock/forget",
}
# (rule, method) pairs that end the account they are called with: checked in their own tests.
ACCOUNT_ENDING = {("/api/v1/me", "DELETE")}


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


def refused_for_role(response) -> bool:
    """A role refusal, as opposed to e.g. `forbidden` for someone else's conversation."""
    if response.status_code != 403:
        return False
    if response.mimetype != "application/json":
        return True  # pages: the friendly 403 page
    return response.get_json()["error"].get("reason") == "role"


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
        if rule.rule in SIGN_IN_ROUTES or (rule.rule, method) in ACCOUNT_ENDING:
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
            ok = status != 401 and not refused_for_role(response)
        else:
            expected = "403"
            ok = status == 403 and refused_for_role(response)
        assert ok, f"{role} {method} {path}: {status}, expected {expected}"
        checked += 1
    assert checked > 0


SOCKET_ROLES = ["member", "peer", "moderator", "coordinator", "admin"]


def test_every_contract_event_is_registered():
    from warmline.realtime.protocol import REGISTRY

    contract = {"chat:request", "peer:available", "chat:accept", "message:send", "chat:resume", "typing", "chat:end"}
    assert contract <= set(REGISTRY)


@pytest.mark.parametrize("role", SOCKET_ROLES)
def test_socket_event_matrix(app, role):
    """Every event, every role: a role the event is not for gets `forbidden`; one it is for
    gets past the role check (any other answer). Anonymous cannot even connect."""
    from tests.chat_support import Socket
    from warmline.realtime.protocol import REGISTRY

    api = signed_in_as(app, role)
    sock = Socket(app, api)
    for event, roles in REGISTRY.items():
        answer = sock.call(event, {})
        allowed_here = not roles or role in roles
        refused = answer.get("error", {}).get("reason") == "role"
        if allowed_here:
            assert not refused, (role, event, answer)
        else:
            assert answer["error"]["code"] == "forbidden" and refused, (role, event, answer)


def test_anonymous_cannot_connect(app):
    from warmline.extensions import socketio

    api = Api(app.test_client())
    sock = socketio.test_client(
        app, namespace="/chat", flask_test_client=api.client, auth={"csrf_token": api.csrf_token}
    )
    assert not sock.is_connected("/chat")


# Payer records (contract): who may call each route (the matrix above checks they are enforced,
# billing included).
PAYER_ROUTES = {
    ("POST", "/api/v1/payers"): {"billing", "admin"},
    ("PATCH", "/api/v1/payers/<int:payer_id>"): {"billing", "admin"},
    ("POST", "/api/v1/enrolments"): {"billing", "admin"},
    ("DELETE", "/api/v1/enrolments/<int:enrolment_id>"): {"billing", "admin"},
    ("GET", "/api/v1/enrolments/<int:enrolment_id>"): {"billing", "admin"},
    ("POST", "/api/v1/me/enrolment"): {"member"},
    ("DELETE", "/api/v1/me/enrolment"): {"member"},
    ("GET", "/api/v1/encounters"): {"billing", "admin", "coordinator"},
    ("GET", "/api/v1/encounters.csv"): {"billing", "admin"},
    ("GET", "/api/v1/encounters.fhir"): {"billing", "admin"},
    ("GET", "/api/v1/claims.837p"): {"billing", "admin"},
    ("GET", "/api/v1/case-rates"): {"billing", "admin"},
    ("GET", "/api/v1/phi-reads"): {"admin"},
    ("GET", "/billing"): {"billing", "admin"},
    ("GET", "/billing/claims.837p"): {"billing", "admin"},
}


def test_payer_routes_declare_the_contract_roles(app):
    declared = {
        (method, rule.rule): set(app.view_functions[rule.endpoint].required_roles or ())
        for rule, method in routes(app)
        if (method, rule.rule) in PAYER_ROUTES
    }
    assert declared == PAYER_ROUTES


REPORT_ROUTES = (
    "/reports",
    "/reports/summary",
    "/reports/codes",
    "/reports/comments",
    "/api/v1/reports/contacts",
    "/api/v1/reports/contacts.csv",
    "/api/v1/reports/programme",
)


def test_reports_are_for_coordinators_and_admins(app):
    """Programme reports (per peer included) are never open to peers; the matrix above
    checks every role against these declarations."""
    adapter = app.url_map.bind("localhost")
    for path in REPORT_ROUTES:
        endpoint, _ = adapter.match(path, method="GET")
        assert set(app.view_functions[endpoint].required_roles) == {"coordinator", "admin"}, path
    endpoint, _ = adapter.match("/api/v1/conversations/1/survey", method="POST")
    assert app.view_functions[endpoint].required_roles == ("member",)


# Peer tools: who each new route and event is for, pinned (the matrix above checks that the
# declared roles are enforced; this checks they are the intended ones).
PEER_TOOLS_ROUTES = {
    ("GET", "/api/v1/canned-responses"): ("peer", "coordinator", "admin"),
    ("POST", "/api/v1/canned-responses"): ("peer", "coordinator", "admin"),
    ("PUT", "/api/v1/canned-responses/<int:response_id>"): ("peer", "coordinator", "admin"),
    ("DELETE", "/api/v1/canned-responses/<int:response_id>"): ("peer", "coordinator", "admin"),
    ("GET", "/replies"): ("peer", "coordinator", "admin"),
    ("POST", "/replies"): ("peer", "coordinator", "admin"),
    ("POST", "/replies/<int:response_id>/delete"): ("peer", "coordinator", "admin"),
    ("GET", "/api/v1/resources"): None,
    ("POST", "/api/v1/resources"): ("coordinator", "admin"),
    ("GET", "/resources"): None,
    ("GET", "/resources/manage"): ("coordinator", "admin"),
    ("POST", "/resources/manage"): ("coordinator", "admin"),
    ("GET", "/resources/manage/<int:resource_id>"): ("coordinator", "admin"),
    ("POST", "/resources/manage/<int:resource_id>"): ("coordinator", "admin"),
    ("POST", "/resources/import"): ("coordinator", "admin"),
    ("GET", "/resources/export.csv"): ("coordinator", "admin"),
    ("GET", "/monitor"): ("coordinator", "admin"),
    ("POST", "/api/v1/me/checkins"): ("member",),
    ("GET", "/api/v1/me/checkins"): ("member",),
    ("DELETE", "/api/v1/me/checkins/<int:checkin_id>"): ("member",),
    ("POST", "/chat/checkins/<int:checkin_id>/cancel"): ("member",),
    ("GET", "/api/v1/checkins"): ("peer", "coordinator", "admin"),
    ("POST", "/api/v1/checkins/<int:checkin_id>/take"): ("peer",),
    ("POST", "/api/v1/checkins/<int:checkin_id>/message"): ("peer",),
    ("PUT", "/api/v1/checkins/<int:checkin_id>/handoff"): ("peer",),
}
PEER_TOOLS_EVENTS = {
    "chat:share-resource": ("peer",),
    "monitor:join": ("coordinator", "admin"),
    "monitor:whisper": ("coordinator", "admin"),
    "monitor:leave": ("coordinator", "admin"),
}


# The peer's word on a chat risk reading: peers, and coordinators (only while supervising the
# conversation, which the service checks: tests/test_chat_risk_readings.py).
JUDGING_A_CHAT_RISK_READING = ("POST", "/api/v1/conversations/<int:conversation_id>/risk-readings/<int:reading_id>")


def test_a_chat_risk_reading_is_judged_by_peers_and_coordinators(app):
    declared = {(method, rule.rule): app.view_functions[rule.endpoint].required_roles for rule, method in routes(app)}
    assert sorted(declared[JUDGING_A_CHAT_RISK_READING]) == ["admin", "coordinator", "peer"]


def test_peer_tools_routes_are_for_the_intended_roles(app):
    declared = {(method, rule.rule): app.view_functions[rule.endpoint].required_roles for rule, method in routes(app)}
    for key, roles in PEER_TOOLS_ROUTES.items():
        assert key in declared, key
        got = declared[key]
        assert (got if got is None else tuple(sorted(got))) == (roles if roles is None else tuple(sorted(roles))), key


def test_peer_tools_events_are_for_the_intended_roles():
    from warmline.realtime.protocol import REGISTRY

    for event, roles in PEER_TOOLS_EVENTS.items():
        assert tuple(sorted(REGISTRY[event])) == tuple(sorted(roles)), event
