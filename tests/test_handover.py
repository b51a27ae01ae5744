"""A hand-over as both peers and the member live it: the member is told in the conversation,
the receiving peer's transcript keeps the first peer's lines as theirs, and both peers may
write their own contact note."""

from __future__ import annotations

from tests.chat_support import Socket, on_duty_peer


def test_a_hand_over_is_told_in_the_conversation_and_both_peers_keep_their_notes(app, api, new_api):
    on_duty_peer(app, "pat")
    robin = on_duty_peer(app, "robin")
    api.join()
    member = Socket(app, api)
    pat_browser, robin_browser = new_api(), new_api()
    pat_browser.login("pat")
    robin_browser.login("robin")
    pat, other = Socket(app, pat_browser), Socket(app, robin_browser)
    peers = pat.call("chat:state")["peers"]  # the console's presence list: who else is working
    assert [(p["handle"], p["available"]) for p in peers] == [("Pat", True), ("Robin", True)]
    other.call("peer:available", {"available": False})
    assert [p["available"] for p in pat.call("chat:state")["peers"]] == [True, False]
    other.call("peer:available", {"available": True})
    conversation_id = member.call("chat:request", {"topic": "work"})["conversation_id"]
    assert pat.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    pat.call("message:send", {"conversation_id": conversation_id, "client_id": "p1", "body": "Hi, I'm Pat."})

    answer = pat.call("chat:transfer", {"conversation_id": conversation_id, "to_peer_id": robin, "note": "work"})
    assert answer["ok"], answer

    notice = member.events("message:new")[-1]
    assert notice["sender_role"] == "system"
    assert notice["body"] == "Pat handed the conversation to Robin."
    assert notice["seq"] == 2
    assert other.events("message:new")[-1] == notice
    assert pat.events("message:new")[-1]["seq"] == 1  # the first peer's view ends with their own line

    history = other.call("chat:resume", {"conversation_id": conversation_id, "after_seq": 0})["messages"]
    assert [(m["sender_role"], m["sender_handle"]) for m in history] == [("peer", "Pat"), ("system", "Warmline")]
    sent = other.call("message:send", {"conversation_id": conversation_id, "client_id": "r1", "body": "Robin here"})
    assert sent["message"]["seq"] == 3  # seq stays gapless after the notice

    for browser in (pat_browser, robin_browser):
        saved = browser.client.put(
            f"/api/v1/conversations/{conversation_id}/note",
            json={"topics": "work", "referral": "", "note": ""},
            headers={"X-CSRFToken": browser.csrf_token},
        )
        assert saved.status_code == 200, saved.get_json()
