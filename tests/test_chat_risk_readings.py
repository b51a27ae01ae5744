"""Peers' verdicts on the risk detector's readings in chat: a reading that raised a
conversation's risk is recorded and named in `risk:raised`; the conversation's peer (or a
coordinator supervising it) says right or not a risk over HTTP; the counts, the report and
the corpus lines for review include them."""

from __future__ import annotations

import logging
import os

import pytest
import sqlalchemy as sa

from tests.chat_support import LiveChat, Socket, on_duty_peer, signed_in_staff
from tests.support import Api, error_of
from warmline.extensions import db
from warmline.models import ChatRiskReading, Conversation
from warmline.risk import corpus, worker
from warmline.services import chat, risk, risk_verdicts

RISKY = "honestly I want to kill myself"


def says(live: LiveChat, body: str, client_id: str) -> int:
    """The member's message, scored; its id."""
    answer = live.member.call(
        "message:send", {"conversation_id": live.conversation_id, "client_id": client_id, "body": body}
    )
    assert answer["ok"] and worker.wait_idle()
    return answer["message"]["id"]


def readings(app, conversation_id: int) -> list[ChatRiskReading]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(ChatRiskReading)
                .where(ChatRiskReading.conversation_id == conversation_id)
                .order_by(ChatRiskReading.id)
            )
        )


@pytest.fixture
def live(app, new_api) -> LiveChat:
    return LiveChat(app, new_api)


@pytest.fixture
def raised(app, live) -> dict:
    """The risk raised by a member's message: the peer's `risk:raised`, with the message's id."""
    message_id = says(live, RISKY, "r1")
    [event] = live.peer.events("risk:raised")
    return {**event, "message_id": message_id}


def judge(api: Api, conversation_id: int, reading_id: int, verdict: object = "harmless"):
    return api.post(f"/api/v1/conversations/{conversation_id}/risk-readings/{reading_id}", {"verdict": verdict})


def test_a_reading_that_raises_the_risk_is_recorded_and_named_to_the_peer(app, live, raised):
    assert raised["risk"] == "high" and isinstance(raised["reading_id"], int)
    [reading] = readings(app, live.conversation_id)
    assert (reading.id, reading.message_id, reading.detector_level) == (
        raised["reading_id"],
        raised["message_id"],
        "high",
    )
    assert reading.verdict is None and reading.judged_by is None and reading.judged_at is None
    # Only a reading that raised the risk is kept: the same level again, or nothing, is not.
    says(live, "i want to kill myself, really", "r2")
    says(live, "the weather is grey", "r3")
    assert live.peer.events("risk:raised") == [] and len(readings(app, live.conversation_id)) == 1
    assert live.member.events("risk:raised") == []


def test_a_message_gone_before_its_score_lands_leaves_the_reading_without_it(app, live):
    with app.app_context():
        chat._apply_score(live.conversation_id, 999999, risk.assess(RISKY, model_path=""))  # noqa: SLF001
    [reading] = readings(app, live.conversation_id)
    assert reading.message_id is None and reading.detector_level == "high"


def test_the_peer_says_right_or_not_a_risk_and_the_latest_counts(app, live, raised, caplog):
    cid, reading_id = live.conversation_id, raised["reading_id"]
    with caplog.at_level(logging.INFO):
        first = judge(live.peer_api, cid, reading_id, "right")
    assert first.status_code == 200
    reading = first.get_json()["reading"]
    assert (reading["id"], reading["conversation_id"], reading["message_id"]) == (reading_id, cid, raised["message_id"])
    assert (reading["detector_level"], reading["verdict"]) == ("high", "right") and reading["judged_at"]
    assert judge(live.peer_api, cid, reading_id, "harmless").get_json()["reading"]["verdict"] == "harmless"
    [stored] = readings(app, cid)
    assert (stored.verdict, stored.judged_by) == ("harmless", live.peer_id)
    logged = [r for r in caplog.records if getattr(r, "event", None) == "chat_risk_verdict"]
    assert logged and (logged[0].reading_id, logged[0].verdict, logged[0].detector_level) == (
        reading_id,
        "right",
        "high",
    )
    assert "kill myself" not in caplog.text

    unknown = judge(live.peer_api, cid, reading_id, "missed")  # a chat reading only ever raised the risk
    assert unknown.status_code == 400 and error_of(unknown)["field"] == "verdict"
    assert judge(live.peer_api, cid, reading_id, None).status_code == 400
    assert error_of(judge(live.peer_api, cid, 999999))["code"] == "not_found"
    assert readings(app, cid)[0].verdict == "harmless"  # refusals change nothing


def test_a_reading_of_another_conversation_is_not_found_here(app, new_api, live, raised):
    other = LiveChat(app, new_api, topic="another", peer="robin")
    says(other, RISKY, "o1")
    [theirs] = other.peer.events("risk:raised")
    refused = judge(other.peer_api, other.conversation_id, raised["reading_id"])
    assert refused.status_code == 404 and error_of(refused)["code"] == "not_found"
    # Nor may that peer judge this conversation's reading through this conversation.
    outsider = judge(other.peer_api, live.conversation_id, raised["reading_id"])
    assert outsider.status_code == 403 and error_of(outsider).get("reason") != "role"
    assert judge(other.peer_api, other.conversation_id, theirs["reading_id"]).status_code == 200


def test_only_the_conversations_peer_or_a_supervising_coordinator_may_judge(app, new_api, live, raised):
    cid, reading_id = live.conversation_id, raised["reading_id"]
    on_duty_peer(app, "robin")
    another_peer = new_api()
    another_peer.login("robin")
    refused = judge(another_peer, cid, reading_id)
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    assert error_of(refused).get("reason") != "role"  # the role may, this conversation is not theirs
    assert judge(another_peer, 999999, reading_id).status_code == 403  # nothing learned of what exists

    member = judge(live.member_api, cid, reading_id)
    assert member.status_code == 403 and error_of(member)["reason"] == "role"
    assert judge(new_api(), cid, reading_id).status_code == 401
    moderator = signed_in_staff(app, new_api, "morgan", "moderator")
    assert error_of(judge(moderator, cid, reading_id))["reason"] == "role"

    coordinator = signed_in_staff(app, new_api, "casey", "coordinator")
    not_watching = judge(coordinator, cid, reading_id)
    assert not_watching.status_code == 403 and error_of(not_watching).get("reason") != "role"
    monitor = Socket(app, coordinator)
    assert monitor.call("monitor:join", {"conversation_id": cid})["ok"]
    assert judge(coordinator, cid, reading_id, "right").status_code == 200
    assert monitor.call("monitor:leave", {"conversation_id": cid})["ok"]
    assert judge(coordinator, cid, reading_id).status_code == 403
    assert [r.verdict for r in readings(app, cid)] == ["right"]
    assert judge(live.peer_api, cid, reading_id).status_code == 200


def test_the_counts_and_the_report_have_a_chat_part(app, new_api, live, raised):
    judge(live.peer_api, live.conversation_id, raised["reading_id"], "harmless")
    other = LiveChat(app, new_api, topic="another", peer="robin")
    says(other, RISKY, "o1")  # not judged
    coordinator = signed_in_staff(app, new_api, "casey", "coordinator")
    report = coordinator.get("/api/v1/reports/risk-verdicts").get_json()
    assert {"from", "to", "posts_held", "verdicts", "by_level", "held_judged_harmless"} <= set(report)
    assert report["verdicts"] == {"right": 0, "harmless": 0, "missed": 0} and report["posts_held"] == 0
    assert report["chat"] == {
        "readings": 2,
        "verdicts": {"right": 0, "harmless": 1, "unjudged": 1},
        "by_level": {"high": {"right": 0, "harmless": 1, "unjudged": 1}},
        "held_judged_harmless": 1.0,
    }
    said = (
        "Chat messages on which the risk detector raised a conversation's risk: 2. Peers' verdicts on those"
        " readings: 0 right, 1 not a risk, 1 not judged; of the high or imminent readings judged, 100% were not a risk."
    )
    assert said in coordinator.get("/reports").get_data(as_text=True)
    moderator = signed_in_staff(app, new_api, "morgan", "moderator")
    assert said in moderator.get("/moderation").get_data(as_text=True)
    empty = coordinator.get("/api/v1/reports/risk-verdicts?from=2020-01-01&to=2020-01-02").get_json()["chat"]
    assert empty == {
        "readings": 0,
        "verdicts": {"right": 0, "harmless": 0, "unjudged": 0},
        "by_level": {},
        "held_judged_harmless": None,
    }


def test_chat_readings_judged_harmless_become_lines_to_review(app, new_api, live, raised, tmp_path):
    judge(live.peer_api, live.conversation_id, raised["reading_id"], "harmless")
    other = LiveChat(app, new_api, topic="otra", peer="robin")
    with app.app_context():
        db.session.get(Conversation, other.conversation_id).language = "es"
        db.session.commit()
    says(other, "me quiero morir", "o1")
    [theirs] = other.peer.events("risk:raised")
    judge(other.peer_api, other.conversation_id, theirs["reading_id"], "right")  # right: nothing to learn

    out = tmp_path / "review.tsv"
    result = app.test_cli_runner().invoke(args=["risk", "verdicts", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 1 lines to review" in result.output and RISKY not in result.output
    assert os.stat(out).st_mode & 0o777 == 0o600
    comment, line = out.read_text().splitlines()
    [reading] = readings(app, live.conversation_id)
    day = reading.judged_at.date().isoformat()
    assert comment == (
        f"# chat reading {reading.id}, {day}: read as high, judged harmless: choose a neg_* category; de-identify"
    )
    assert line == f"none\tCHOOSE\ten\t{RISKY}"
    with pytest.raises(corpus.CorpusError, match="CHOOSE"):
        corpus.parse([comment, line], "review.tsv")

    judge(other.peer_api, other.conversation_id, theirs["reading_id"], "harmless")
    with app.app_context():
        assert risk_verdicts.review_lines()[-1] == "none\tCHOOSE\tes\tme quiero morir"
    # The member deletes the transcript: the reading stays, without its message, and no line.
    live.member.call("chat:end", {"conversation_id": live.conversation_id})
    assert live.member_api.delete(f"/api/v1/conversations/{live.conversation_id}/transcript").status_code == 200
    [reading] = readings(app, live.conversation_id)
    assert reading.message_id is None and reading.verdict == "harmless"
    with app.app_context():
        lines = risk_verdicts.review_lines()
    assert len(lines) == 2 and lines[0].startswith(f"# chat reading {theirs['reading_id']}, ")
