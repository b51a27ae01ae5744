"""The member survey: only the member, only once, only after the end; its answers in the
report; the page that offers it for a past conversation."""

from __future__ import annotations

from tests.chat_support import Socket, on_duty_peer
from tests.support import error_of, scoring_threads
from tests.test_chat import start_conversation
from tests.test_transcripts import ended_conversation
from warmline import clock
from warmline.extensions import db
from warmline.models import Survey
from warmline.services import reports

ANSWER = {"helped": "somewhat", "felt_heard": True, "would_otherwise": "988", "comment": "it was good to talk"}


def test_the_member_answers_once_after_the_end(app, api, new_api):
    conversation_id, peer_api, _ = ended_conversation(app, api, new_api)
    url = f"/api/v1/conversations/{conversation_id}/survey"
    stranger = new_api()
    stranger.join()
    assert stranger.post(url, ANSWER).status_code == 403
    refused = peer_api.post(url, ANSWER)
    assert refused.status_code == 403 and error_of(refused)["reason"] == "role"
    bad = api.post(url, {**ANSWER, "helped": "maybe"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "helped"
    created = api.post(url, ANSWER)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["survey"]["helped"] == "somewhat" and "resources" not in created.get_json()
    again = api.post(url, {"helped": "no", "felt_heard": False})
    assert again.status_code == 409 and error_of(again)["code"] == "already_answered"
    with app.app_context():
        assert db.session.get(Survey, conversation_id).helped == "somewhat"
        found = reports.contacts(reports.make_range(None, None, today=clock.now().astimezone().date()))
    survey = found["survey"]
    assert survey["responses"] == 1 and survey["response_rate"] == 1.0
    assert survey["helped"] == {"yes": 0, "somewhat": 1, "no": 0}
    assert survey["felt_heard"] == {"yes": 1, "no": 0}
    assert survey["would_otherwise"]["988"] == 1 and survey["would_otherwise"]["er"] == 0


def test_not_while_it_is_open(app, api, new_api):
    api.join()
    member = Socket(app, api)
    on_duty_peer(app, "pat")
    peer_api = new_api()
    peer_api.login("pat")
    conversation_id = start_conversation(member, Socket(app, peer_api))
    response = api.post(f"/api/v1/conversations/{conversation_id}/survey", ANSWER)
    assert response.status_code == 409 and error_of(response)["code"] == "not_ended"


def test_a_worrying_comment_is_assessed_and_answered_with_resources(app, api, new_api):
    conversation_id, _, _ = ended_conversation(app, api, new_api)
    response = api.post(
        f"/api/v1/conversations/{conversation_id}/survey",
        {"helped": "no", "felt_heard": False, "comment": "I want to kill myself tonight"},
    )
    assert response.status_code == 201 and response.get_json()["resources"]
    with app.app_context():
        assert db.session.get(Survey, conversation_id).comment_risk in ("high", "imminent")


def test_under_gevent_a_comment_is_scored_off_the_loop(app, api, new_api, monkeypatch):
    import threading

    import gevent

    from warmline.models import Conversation, User
    from warmline.services import surveys

    conversation_id, _, _ = ended_conversation(app, api, new_api)
    threads = scoring_threads(app, monkeypatch)

    def answer():  # a request's greenlet, with its own app context as under gunicorn
        with app.app_context():
            member = db.session.get(User, db.session.get(Conversation, conversation_id).member_id)
            survey = surveys.submit(
                member, conversation_id, helped="no", felt_heard=False, comment="i want to end it all"
            )
            return survey.comment_risk

    assert gevent.spawn(answer).get(timeout=10) == "high"
    assert threads and threads[0] != threading.get_ident()


def test_past_conversation_page(app, api, new_api):
    conversation_id, _, _ = ended_conversation(app, api, new_api)
    chat_page = api.get("/chat").get_data(as_text=True)
    page_url = f"/chat/conversations/{conversation_id}/survey"
    assert page_url in chat_page and 'id="survey"' in chat_page
    page = api.get(page_url)
    assert page.status_code == 200 and "Did you feel heard?" in page.get_data(as_text=True)
    posted = api.client.post(page_url, data={"csrf_token": api.csrf_token, "helped": "yes", "felt_heard": "true"})
    assert posted.status_code == 302
    with app.app_context():
        assert db.session.get(Survey, conversation_id).felt_heard is True
    assert page_url not in api.get("/chat").get_data(as_text=True)  # answered: no longer offered
    stranger = new_api()
    stranger.join()
    assert stranger.get(page_url).status_code == 404


def test_a_serious_comment_alerts_coordinators_who_read_it(app, api, new_api):
    from tests.support import make_staff

    conversation_id, _, _ = ended_conversation(app, api, new_api)
    make_staff(app, "casey", "coordinator")
    coordinator_api = new_api()
    coordinator_api.login("casey")
    coordinator = Socket(app, coordinator_api)
    api.post(
        f"/api/v1/conversations/{conversation_id}/survey",
        {"helped": "no", "felt_heard": False, "comment": "I want to kill myself <b>tonight</b>"},
    )
    [alert] = coordinator.events("coordinator:alert")
    assert alert["kind"] == "survey_risk" and alert["conversation_id"] == conversation_id
    page = coordinator_api.get("/reports/comments").get_data(as_text=True)
    assert "I want to kill myself &lt;b&gt;tonight&lt;/b&gt;" in page and "risk: " in page
    assert "Pat" not in page  # never the peer's name
