"""The coordinators' escalation pages: list with filters and overdue, a record with its
follow-ups; every view is a logged read."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tests.test_escalations import escalate, scene  # noqa: F401  (fixture)
from tests.test_security import audit_page
from warmline import clock
from warmline.extensions import db
from warmline.models import EscalationRead


def test_list_detail_and_follow_up_pages(app, scene):  # noqa: F811
    escalation_id = escalate(scene)["escalation_id"]
    client = scene["coordinator_api"].client
    listing = client.get("/escalations").get_data(as_text=True)
    assert audit_page(listing) == []
    assert "Waiting for acknowledgement" in listing and f"#{escalation_id}" in listing
    assert "needs co-sign" in listing
    detail = client.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert audit_page(detail) == []
    assert "Warm hand-off to 988" in detail and "member agreed to call 988" in detail
    token = re.search(r'name="csrf_token" value="([^"]+)"', detail).group(1)
    client.post(f"/escalations/{escalation_id}/entries", data={"csrf_token": token, "kind": "acknowledged"})
    client.post(
        f"/escalations/{escalation_id}/entries", data={"csrf_token": token, "kind": "note", "note": "called back, safe"}
    )
    detail = client.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert "acknowledged" in detail and "called back, safe" in detail
    assert "Waiting for acknowledgement" not in client.get("/escalations").get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(EscalationRead)) == 4
        )  # list, detail, detail, list


def test_overdue_high_escalations_are_highlighted(app, scene, monkeypatch):  # noqa: F811
    escalate(scene)
    later = clock.now() + timedelta(hours=25)
    monkeypatch.setattr(clock, "now", lambda: later)
    scene["coordinator_api"].login("casey")  # the earlier sign-in expired in 25 hours
    listing = scene["coordinator_api"].client.get("/escalations?status=overdue").get_data(as_text=True)
    assert 'class="overdue"' in listing and "<strong>overdue</strong>" in listing


def test_filters_and_csv_link(app, scene):  # noqa: F811
    escalate(scene)
    client = scene["coordinator_api"].client
    assert "No escalations match." in client.get("/escalations?risk=low").get_data(as_text=True)
    html = client.get("/escalations?risk=high").get_data(as_text=True)
    assert "No escalations match." not in html and "/api/v1/escalations.csv?risk=high" in html


def test_peer_console_has_the_escalation_form(app, scene):  # noqa: F811
    html = scene["peer_api"].client.get("/console").get_data(as_text=True)
    assert audit_page(html) == []
    assert "Record escalation" in html and 'value="warm_handoff_988"' in html and "Resume taking chats" in html


def test_unacknowledged_escalations_sit_on_the_coordinators_dashboard(app, scene):  # noqa: F811
    escalation_id = escalate(scene)["escalation_id"]
    client = scene["coordinator_api"].client
    landing = client.get("/shifts").get_data(as_text=True)
    assert 'data-testid="unacknowledged"' in landing and f"#{escalation_id}" in landing
    scene["coordinator_api"].post(f"/api/v1/escalations/{escalation_id}/followups", {"kind": "acknowledged"})
    assert 'data-testid="unacknowledged"' not in client.get("/shifts").get_data(as_text=True)
