"""The /billing page: payers made and edited by form, an enrolment whose code shows once,
revoking, the encounter list with reasons, the case-rate month and the export links."""

from __future__ import annotations

from datetime import timedelta

from tests.payer.support import PLANTED_ID, certified_peer, conversation
from tests.support import make_staff
from warmline import clock

PAYER_FORM = {
    "name": "Evergreen Health Plan",
    "payer_identifier": "EVG01",
    "service_code": "h0038",
    "modifiers": "HQ",
    "unit_minutes": "15",
    "rounding": "midpoint",
    "rate_per_unit": "12.50",
    "place_of_service": "10",
    "min_contacts": "2",
    "provider_name": "Peer Line Collective",
    "provider_npi": "1234567893",
    "provider_tax_id": "123456789",
}
ENROL_FORM = {
    "payer_id": "1",
    "plan_member_id": PLANTED_ID,
    "consent": "written",
    "first_name": "Robin",
    "last_name": "Quill",
    "birth_date": "1980-04-09",
    "sex": "F",
    "diagnosis_code": "F329",
}


def test_billing_page_from_payer_to_exports(app, new_api):
    make_staff(app, "bea", "billing")
    biller, member = new_api(), new_api()
    biller.login("bea")
    member_id = member.join()["member"]["id"]
    csrf = {"csrf_token": biller.csrf_token}
    assert "No payer yet" in biller.get("/billing").get_data(as_text=True)

    made = biller.client.post("/billing/payers", data={**PAYER_FORM, **csrf})
    assert made.status_code == 302
    page = biller.get("/billing").get_data(as_text=True)
    assert "Evergreen Health Plan" in page and "H0038:HQ" in page

    edited = biller.client.post("/billing/payers/1", data={**PAYER_FORM, "max_units_per_day": "4", **csrf})
    assert edited.status_code == 302
    assert 'value="4"' in biller.get("/billing/payers/1").get_data(as_text=True)

    shown = biller.client.post("/billing/enrolments", data={**ENROL_FORM, **csrf}).get_data(as_text=True)
    assert "shown only this once" in shown
    code = shown.split('<strong class="code">')[1].split("</strong>")[0]
    assert PLANTED_ID not in shown  # the list does not decrypt
    again = biller.get("/billing").get_data(as_text=True)
    assert code not in again and "shown only this once" not in again
    assert member.post("/api/v1/me/enrolment", {"link_code": code}).status_code == 200

    peer = certified_peer(app)
    with app.app_context():
        conversation(member_id, peer, clock.now() + timedelta(minutes=1), 30)
        conversation(member_id, peer, clock.now() + timedelta(minutes=40), 4)
    today = clock.now().date()
    query = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    listing = biller.get("/billing", query_string=query).get_data(as_text=True)
    assert "billable" in listing and "under one unit" in listing
    only_short = biller.get("/billing", query_string={**query, "reason": "too_short"}).get_data(as_text=True)
    assert "under one unit" in only_short and "<td>billable</td>" not in only_short
    assert "/api/v1/encounters.csv" in listing and "/billing/claims.837p" in listing
    export = {"payer_id": 1, "from": f"{query['from']}", "to": f"{query['to']}"}
    claim_file = biller.get("/billing/claims.837p", query_string=export)
    assert claim_file.status_code == 200 and claim_file.get_data(as_text=True).startswith("ISA*")
    again = biller.get("/billing/claims.837p", query_string=export)
    assert again.status_code == 409 and "left to claim" in again.get_data(as_text=True)

    month = biller.get("/billing", query_string={"case_payer_id": 1, "month": f"{today:%Y-%m}"})
    assert "Case rates" in month.get_data(as_text=True)

    detail = biller.get("/billing/enrolments/1").get_data(as_text=True)
    assert PLANTED_ID in detail and "logged" in detail

    revoked = biller.client.post("/billing/enrolments/1/revoke", data=csrf)
    assert revoked.status_code == 302
    assert "revoked" in biller.get("/billing").get_data(as_text=True)


def test_form_errors_are_shown(app, new_api):
    make_staff(app, "bea", "billing")
    biller = new_api()
    biller.login("bea")
    answer = biller.client.post("/billing/enrolments", data={**ENROL_FORM, "csrf_token": biller.csrf_token})
    assert answer.status_code == 404 and "payer was not found" in answer.get_data(as_text=True)


def test_console_note_form_has_service_minutes_for_everyone(app, new_api):
    make_staff(app, "pat", "peer")
    peer = new_api()
    peer.login("pat")
    page = peer.get("/console").get_data(as_text=True)
    assert 'name="service_minutes"' in page and "service-minutes.js" in page
    assert "enrol" not in page.lower() and "payer" not in page.lower()


def test_billing_staff_land_on_billing(app, client):
    make_staff(app, "bea", "billing")
    from tests.support import PASSWORD, Api

    api = Api(client)
    answer = client.post("/login", data={"username": "bea", "password": PASSWORD, "csrf_token": api.csrf_token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/billing")
    assert 'href="/billing"' in client.get("/billing").get_data(as_text=True)
