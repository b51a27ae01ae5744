"""The coded lists coordinators keep, chosen on the contact note beside the free text."""

from __future__ import annotations

from tests.support import error_of, make_staff
from tests.test_transcripts import ended_conversation


def test_coordinators_keep_the_lists_and_peers_choose_from_them(app, api, new_api):
    conversation_id, peer_api, _ = ended_conversation(app, api, new_api)
    make_staff(app, "casey", "coordinator")
    coordinator = new_api()
    coordinator.login("casey")
    housing = coordinator.post("/api/v1/contact-codes", {"kind": "topic", "label": "Housing"}).get_json()["code"]
    food = coordinator.post("/api/v1/contact-codes", {"kind": "referral", "label": "Food bank"}).get_json()["code"]
    twice = coordinator.post("/api/v1/contact-codes", {"kind": "topic", "label": "housing"})
    assert twice.status_code == 409
    assert peer_api.post("/api/v1/contact-codes", {"kind": "topic", "label": "Mine"}).status_code == 403
    listed = peer_api.get("/api/v1/contact-codes").get_json()["codes"]
    assert {c["label"] for c in listed} == {"Housing", "Food bank"}
    url = f"/api/v1/conversations/{conversation_id}/note"
    saved = peer_api._write(
        "PUT", url, {"topics": "rent", "topic_ids": [housing["id"]], "referral_ids": [food["id"]], "distress_start": 6}
    )
    assert saved.status_code == 200, saved.get_json()
    note = saved.get_json()["note"]
    assert note["topic_ids"] == [housing["id"]] and note["referral_ids"] == [food["id"]] and note["topics"] == "rent"
    bad = peer_api._write("PUT", url, {"topic_ids": [999999]})
    assert bad.status_code == 400 and error_of(bad)["code"] == "invalid"
    coordinator.delete(f"/api/v1/contact-codes/{housing['id']}")
    assert [c["label"] for c in peer_api.get("/api/v1/contact-codes").get_json()["codes"]] == ["Food bank"]
    kept = peer_api._write("PUT", url, {"topic_ids": [housing["id"]], "referral_ids": []})
    assert kept.status_code == 200 and kept.get_json()["note"]["topic_ids"] == [housing["id"]]  # retired, kept
    cleared = peer_api._write("PUT", url, {"topic_ids": []})
    assert cleared.get_json()["note"]["topic_ids"] == []
    console = peer_api.get("/console").get_data(as_text=True)
    assert 'name="referral_ids"' in console and "Food bank" in console
