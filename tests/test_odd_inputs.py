"""Odd inputs a fuzzer sent (142 of 3,737 were 500s): each is a 400 or a 404 in the
contract's shape under /api/, a friendly page elsewhere, never a 500."""

from __future__ import annotations

import re

import pytest

from tests.support import error_of, make_staff

HUGE = "99999999999999999999"


@pytest.fixture
def coordinator(app, new_api):
    make_staff(app, "casey", "coordinator", "moderator")
    api = new_api()
    api.login("casey")
    return api


def raw_post(api, path: str, data: str):
    return api.client.post(path, data=data, headers={"X-CSRFToken": api.csrf_token, "Content-Type": "application/json"})


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/threads/{HUGE}",
        f"/api/v1/shifts/{HUGE}",
        f"/api/v1/escalations/{HUGE}",
        "/api/v1/threads/2147483648",
    ],
)
def test_path_ids_beyond_the_database_are_404(coordinator, path):
    response = coordinator.get(path)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/shifts?from=9999-12-31T00:00:00%2B00:00",
        "/api/v1/coverage?from=9999-12-31T23:59:59-12:00",
        "/api/v1/shifts?from=0001-01-01T00:00:00%2B14:00",
        "/api/v1/escalations?from=9999-12-31T23:00:00-05:00",
        "/api/v1/escalations?peer_id=%C2%B2",  # ²
        f"/api/v1/escalations?peer_id={HUGE}",
        f"/api/v1/shifts?peer_id={HUGE}",
    ],
)
def test_query_values_out_of_range_are_400(coordinator, path):
    response = coordinator.get(path)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert error_of(response)["code"] in ("invalid", "bad_request")


def test_numbers_beyond_the_database_in_bodies_are_400(app, coordinator):
    response = coordinator.post(
        "/api/v1/shifts",
        {"peer_id": int(HUGE), "starts_at": "2026-01-05T18:00:00+00:00", "ends_at": "2026-01-05T20:00:00+00:00"},
    )
    assert response.status_code == 400 and error_of(response)["field"] == "peer_id"


@pytest.mark.parametrize(
    "data",
    [
        '{"slug": "x", "title": "\\ud800"}',
        '{"slug": "x", "title": "ok", "\\udfff": 1}',
        "[" * 50_000 + "]" * 50_000,
        '{"slug": ' + '{"a": ' * 200 + "1" + "}" * 200 + ', "title": "x"}',
    ],
)
def test_bodies_json_accepts_but_nothing_can_hold_are_400(coordinator, data):
    response = raw_post(coordinator, "/api/v1/forums", data)
    assert response.status_code == 400 and error_of(response)["code"] in ("invalid", "bad_request")


def page_token(api, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', api.client.get(path).get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    "path", ["/shifts?week=2026-13-45", "/shifts?week=9999-12-31", f"/escalations?peer_id={HUGE}", "/shifts?week=--"]
)
def test_html_views_answer_malformed_queries_with_400(coordinator, path):
    response = coordinator.client.get(path)
    assert response.status_code == 400 and b"crisis" in response.data.lower()  # the friendly page
    assert b"Traceback" not in response.data


@pytest.mark.parametrize(
    "path,data",
    [
        ("/shifts/settings", {"min_peers": "many"}),
        ("/shifts/settings", {"action": "remove_exception", "exception_id": "x"}),
        ("/moderation/watched-words", {"remove": "²"}),
        ("/shifts/settings", {"action": "remove_exception", "exception_id": HUGE}),
    ],
)
def test_html_forms_with_malformed_fields_are_400(coordinator, path, data):
    token = page_token(coordinator, "/shifts/settings")
    response = coordinator.client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == 400, response.status_code
