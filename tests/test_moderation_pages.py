"""The moderators' page reads like a log people keep (names, actions in words, local times),
silences can be listed and lifted (page and API), and the coordinators' escalation pages
show acknowledge and co-sign as buttons."""

from __future__ import annotations

import re

from tests.test_escalations import escalate, scene  # noqa: F401  (fixture)


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_log_names_moderators_and_silences_can_be_listed_and_lifted(app, new_api, board):
    member = new_api()
    member.join("Sunny")
    post_id = member.post("/api/v1/forums/daily-check-in/threads", {"title": "hi", "body": "hello"}).get_json()["post"][
        "id"
    ]
    board.post(f"/api/v1/moderation/posts/{post_id}", {"action": "approve"})
    member_id = member.get("/api/v1/me").get_json()["user"]["id"]
    assert (
        board.post(f"/api/v1/moderation/members/{member_id}/silence", {"days": 2, "reason": "cool off"}).status_code
        == 201
    )

    page = board.client.get("/moderation").get_data(as_text=True)
    assert re.search(rf"<strong>morgan</strong> approved\s+post #{post_id} by Sunny", page)
    assert re.search(r"<strong>morgan</strong> silenced\s+Sunny · until \w{3} \d+ \w{3} at \d\d:\d\d", page)
    assert "+00:00" not in page  # no raw UTC anywhere on the page
    assert "Sunny, until" in page and "Lift silence" in page

    listed = board.get("/api/v1/moderation/silences").get_json()["silences"]
    assert [(s["member_id"], s["handle"], s["reason"]) for s in listed] == [(member_id, "Sunny", "cool off")]
    lift_url = re.search(r'action="(/moderation/silences/\d+/lift)"', page).group(1)
    board.client.post(lift_url, data={"csrf_token": token_of(page)})
    assert board.get("/api/v1/moderation/silences").get_json()["silences"] == []
    again = member.post("/api/v1/forums/daily-check-in/threads", {"title": "back", "body": "I can post again"})
    assert again.status_code == 201
    page = board.client.get("/moderation").get_data(as_text=True)
    assert "Nobody is silenced." in page
    assert re.search(r"<strong>morgan</strong> lifted the silence of\s+Sunny", page)
    notices = [n["message"] for n in member.get("/api/v1/me/notices").get_json()["notices"]]
    assert "You can post again." in notices
    assert board.delete(f"/api/v1/moderation/silences/{listed[0]['id']}").status_code == 404  # lifted already


def test_acknowledge_and_co_sign_are_buttons(app, scene):  # noqa: F811
    escalation_id = escalate(scene)["escalation_id"]
    client = scene["coordinator_api"].client
    listing = client.get("/escalations").get_data(as_text=True)
    assert f'Acknowledge<span class="visually-hidden"> escalation #{escalation_id}' in listing
    detail = client.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert '<button type="submit">Acknowledge</button>' in detail
    assert '<button type="submit">Co-sign</button>' in detail
    client.post(f"/escalations/{escalation_id}/entries", data={"csrf_token": token_of(detail), "kind": "acknowledged"})
    detail = client.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert '<button type="submit">Acknowledge</button>' not in detail
    client.post(f"/escalations/{escalation_id}/entries", data={"csrf_token": token_of(detail), "kind": "cosign"})
    detail = client.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert '<button type="submit">Co-sign</button>' not in detail and "co-signed" in detail
