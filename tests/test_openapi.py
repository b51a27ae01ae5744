"""docs/openapi.yaml describes the JSON API exactly (every /api/v1 route, and nothing else),
and schemathesis, driven by it against the app, finds no 5xx and no answer that breaks it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.payer.support import TEST_PHI_KEY, enrol, make_payer
from tests.support import Api, make_staff
from warmline import ROOT

SPEC_PATH = ROOT / "docs" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}
# Signing out ends the very session the run uses; it is covered by tests/test_accounts_api.py.
NOT_FUZZED = {("POST", "/api/v1/logout")}
EXAMPLES_PER_OPERATION = 10
LAST = [("DELETE", "/api/v1/me"), ("PUT", "/api/v1/settings/two-factor"), ("PATCH", "/api/v1/staff/{user_id}")]


def spec() -> dict:
    return yaml.safe_load(Path(SPEC_PATH).read_text())


def routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            found |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def described(document: dict) -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, item in document["paths"].items() for m in item if m in METHODS}


def test_every_api_route_is_described_and_nothing_else(app):
    in_app, in_spec = routes(app), described(spec())
    missing = sorted(in_app - in_spec)
    extra = sorted(in_spec - in_app)
    message = []
    if missing:
        message.append("routes missing from docs/openapi.yaml:\n" + "\n".join(f"  {m} {p}" for m, p in missing))
    if extra:
        message.append("described in docs/openapi.yaml but not routes:\n" + "\n".join(f"  {m} {p}" for m, p in extra))
    assert not message, "\n".join(message)


def test_errors_share_one_component_and_every_operation_answers_it():
    document = spec()
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["responses"]["4XX"] == {"$ref": "#/components/responses/Error"}, (method, path)


@pytest.fixture
def signed_in(app, new_api):
    """Someone who holds every staff role, with a forum and a thread to act on, and payer
    features on (a PHI key) with a payer and an enrolment, so the payer routes run for real."""
    from warmline.services import forums

    app.config["PHI_KEY"] = TEST_PHI_KEY
    root = make_staff(app, "root", "peer", "moderator", "coordinator", "admin", "billing")
    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
        enrol(root, make_payer())
    api: Api = new_api()
    api.login("root")
    api.post("/api/v1/forums/daily-check-in/threads", {"title": "hello", "body": "first"})
    member: Api = new_api()
    member.join()
    return {"staff": credentials(api), "member": credentials(member)}


def credentials(api: Api) -> dict:
    session = api.client.get_cookie("warmline_session")
    return {"cookies": {"warmline_session": session.value}, "headers": {"X-CSRFToken": api.csrf_token}}


def session_for(operation) -> str:
    """Members' own routes run as a member (a staff session only meets 403 there)."""
    who = operation.definition.raw.get("description", "")
    return "member" if who in ("Who: members.", "Who: its member.") else "staff"


def run_order(operation) -> int:
    """Operations that take the run's own standing away run last: deleting the member,
    requiring two-factor (undone after each case), changing staff (the run's own roles)."""
    key = (operation.method.upper(), operation.path)
    return LAST.index(key) + 1 if key in LAST else 0


def not_requiring_two_factor(app) -> None:
    from warmline.extensions import db
    from warmline.services import hours

    with app.app_context():
        hours.settings().require_mfa = False
        db.session.commit()


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_description(app, signed_in):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_path(SPEC_PATH)
    schema.app = app
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures: list[str] = []
    statuses: list[int] = []
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=run_order)
    for operation in operations:
        if (operation.method.upper(), operation.path) in NOT_FUZZED:
            continue
        strategy = st.one_of(
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            response = case.call(**signed_in[session_for(case.operation)])
            if case.path == "/api/v1/settings/two-factor":
                not_requiring_two_factor(app)
            statuses.append(response.status_code)
            try:
                case.validate_response(response, checks=checks)
            except Exception as failure:  # collected, so one run names every operation that fails
                failures.append(f"{case.method} {case.formatted_path}: {failure}".splitlines()[0][:300])

        run()
    assert failures == [], "\n".join(sorted(set(failures)))
    # The session held: most answers got past sign-in and CSRF to the validators and services.
    assert sum(s != 401 for s in statuses) > 0.9 * len(statuses)
    assert {200, 400, 404} <= set(statuses)
