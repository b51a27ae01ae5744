"""Forum categories over the API."""

from __future__ import annotations

from tests.support import error_of, make_staff


def test_coordinators_create_and_everyone_signed_in_lists(app, api, new_api):
    make_staff(app, "casey", "coordinator")
    api.login("casey")
    created = api.post(
        "/api/v1/forums", {"slug": "daily-check-in", "title": "Daily check-in", "description": "How are you?"}
    )
    assert created.status_code == 201 and created.get_json()["forum"]["slug"] == "daily-check-in"
    taken = api.post("/api/v1/forums", {"slug": "daily-check-in", "title": "Again"})
    assert taken.status_code == 409
    bad = api.post("/api/v1/forums", {"slug": "Bad Slug!", "title": "x"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "slug"
    member = new_api()
    member.join()
    assert [f["title"] for f in member.get("/api/v1/forums").get_json()["forums"]] == ["Daily check-in"]
    assert member.post("/api/v1/forums", {"slug": "mine", "title": "Mine"}).status_code == 403
