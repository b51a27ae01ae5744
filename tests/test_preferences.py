"""A staff member's alert sound is on by default and their choice is kept on the server,
so the console and the alert pages render it."""

from __future__ import annotations

from tests.chat_support import on_duty_peer
from tests.support import error_of


def test_the_alert_sound_is_on_by_default_and_can_be_turned_off(app, api, new_api):
    on_duty_peer(app, "pat")
    api.login("pat")
    assert api.get("/api/v1/me/preferences").get_json()["preferences"] == {"alert_sound": True}
    assert 'data-alert-sound="on"' in api.get("/console").get_data(as_text=True)

    answer = api.patch("/api/v1/me/preferences", {"alert_sound": False})
    assert answer.status_code == 200 and answer.get_json()["preferences"] == {"alert_sound": False}
    assert api.get("/api/v1/me/preferences").get_json()["preferences"] == {"alert_sound": False}
    assert 'data-alert-sound="off"' in api.get("/console").get_data(as_text=True)

    refused = api.patch("/api/v1/me/preferences", {"alert_sound": "loud"})
    assert refused.status_code == 400 and error_of(refused)["code"] == "invalid"

    member = new_api()
    member.join()
    assert member.get("/api/v1/me/preferences").status_code == 403
