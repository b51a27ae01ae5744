"""The payer-record API, end to end over HTTP: enrolment and link, encounters by role,
the CSV, the FHIR bundle, the 837P through pyx12, claim records and case rates."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.payer.support import NPI_OK, PAYER, PLANTED_ID, certified_peer, conversation
from tests.support import error_of, make_staff
from warmline import clock

ENROLMENT = {
    "plan_member_id": PLANTED_ID,
    "consent": "verbal",
    "subscriber": {
        "first_name": "Robin",
        "last_name": "Quill",
        "birth_date": "1980-04-09",
        "sex": "F",
        "address": {"line": "4 Elm St", "city": "Albany", "state": "NY", "zip": "12207"},
    },
    "diagnosis_code": "F32.9",
}


def validate_837p(text: str) -> tuple[bool, str]:
    import pyx12.params
    import pyx12.x12n_document

    errors = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), io.StringIO(), None, None, errors)
    return ok, errors.getvalue()


@pytest.fixture
def world(app, new_api):
    """A signed-in biller, coordinator and member; a payer; the member enrolled and linked."""
    make_staff(app, "bea", "billing")
    make_staff(app, "cora", "coordinator")
    peer = certified_peer(app)
    biller, coordinator, member = new_api(), new_api(), new_api()
    biller.login("bea")
    coordinator.login("cora")
    member_id = member.join()["member"]["id"]
    payer = biller.post("/api/v1/payers", PAYER)
    assert payer.status_code == 201, payer.get_json()
    payer_id = payer.get_json()["payer"]["id"]
    created = biller.post("/api/v1/enrolments", {**ENROLMENT, "payer_id": payer_id})
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["link_code"]
    assert member.post("/api/v1/me/enrolment", {"link_code": code}).status_code == 200
    start = clock.now() + timedelta(minutes=5)
    with app.app_context():
        ids = [
            conversation(member_id, peer, start, 30),
            conversation(member_id, peer, start + timedelta(hours=1), 5),
        ]
    return {
        "biller": biller,
        "coordinator": coordinator,
        "member": member,
        "payer_id": payer_id,
        "enrolment_id": created.get_json()["enrolment"]["id"],
        "code": code,
        "ids": ids,
        "range": {
            "from": (start - timedelta(days=1)).date().isoformat(),
            "to": (start + timedelta(days=2)).date().isoformat(),
        },
    }


def test_enrolment_answer_and_one_time_code(world, new_api):
    other = new_api()
    other.join()
    answer = other.post("/api/v1/me/enrolment", {"link_code": world["code"]})
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "link_code_not_found"
    assert world["member"].get("/api/v1/me/enrolment").get_json()["enrolment"]["service_code"] == "H0038"


def test_payers_refused_to_coordinators_and_validated(world):
    assert world["coordinator"].post("/api/v1/payers", PAYER).status_code == 403
    bad = world["biller"].post("/api/v1/payers", {**PAYER, "rounding": "up"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "rounding"
    bad_npi = world["biller"].post("/api/v1/payers", {**PAYER, "billing_provider": {"npi": "1234567890"}})
    assert bad_npi.status_code == 400
    patched = world["biller"].patch(f"/api/v1/payers/{world['payer_id']}", {"max_units_per_day": 4})
    assert patched.get_json()["payer"]["max_units_per_day"] == 4
    assert patched.get_json()["payer"]["service_code"] == "H0038"


def test_encounters_for_billing_and_for_coordinators(world):
    billing = world["biller"].get("/api/v1/encounters", query_string=world["range"]).get_json()["encounters"]
    assert [e["conversation_id"] for e in billing] == world["ids"]
    first, second = billing
    assert (first["billable"], first["reason"], first["units"], first["payer_id"]) == (
        True,
        None,
        2,
        world["payer_id"],
    )
    assert (second["billable"], second["reason"]) == (False, "too_short")
    assert first["service_code"] == "H0038" and first["modifiers"] == ["HQ"] and first["place_of_service"] == "10"
    facts = world["coordinator"].get("/api/v1/encounters", query_string=world["range"]).get_json()["encounters"]
    assert len(facts) == 2
    for row in facts:
        assert not {"billable", "reason", "payer_id", "enrolment_id", "service_code", "units"} & set(row)
        assert {"started_at", "ended_at", "service_minutes", "modality", "peer_id"} <= set(row)


def test_csv_and_fhir(world):
    response = world["biller"].get("/api/v1/encounters.csv", query_string=world["range"])
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["conversation_id"]) for r in rows] == world["ids"]
    assert rows[0]["billable"] == "True" and rows[1]["reason"] == "too_short"
    assert PLANTED_ID not in response.get_data(as_text=True)
    bundle = world["biller"].get("/api/v1/encounters.fhir", query_string=world["range"]).get_json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection" and "total" not in bundle
    assert len(bundle["entry"]) == 2 and all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
    encounter = bundle["entry"][0]["resource"]
    assert encounter["resourceType"] == "Encounter" and encounter["status"] == "finished"
    assert encounter["class"]["code"] == "VR"
    assert encounter["serviceType"]["coding"][0]["code"] == "H0038"
    assert encounter["participant"][0]["individual"]["identifier"] == {
        "system": "http://hl7.org/fhir/sid/us-npi",
        "value": NPI_OK,
    }
    assert encounter["length"] == {"value": 30, "unit": "min", "system": "http://unitsofmeasure.org", "code": "min"}
    assert set(encounter["period"]) == {"start", "end"}
    assert world["coordinator"].get("/api/v1/encounters.fhir").status_code == 403


def test_837p_validates_and_is_claimed_once(app, world):
    from warmline.extensions import db
    from warmline.models import ClaimRecord

    query = {**world["range"], "payer_id": world["payer_id"]}
    response = world["biller"].get("/api/v1/claims.837p", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    ok, errors = validate_837p(text)
    assert ok, errors
    segments = [s.rstrip("~") for s in text.split("\n") if s]
    assert segments[0].startswith("ISA*") and segments[1].startswith("GS*HC*") and segments[2].startswith("ST*837*")
    assert [s for s in segments if s.startswith("CLM*")] == [f"CLM*WL{world['ids'][0]}*25.00***10:B:1*Y*A*Y*Y"]
    assert "SV1*HC:H0038:HQ*25.00*UN*2***1" in segments
    assert "SBR*P*18*******MC" in segments
    assert f"NM1*IL*1*QUILL*ROBIN****MI*{PLANTED_ID}" in segments
    with app.app_context():
        assert db.session.query(ClaimRecord).count() == 1
    again = world["biller"].get("/api/v1/claims.837p", query_string=query)
    assert again.status_code == 409 and error_of(again)["code"] == "nothing_to_claim"
    replaced = world["biller"].get("/api/v1/claims.837p", query_string={**query, "frequency": "7"})
    assert replaced.status_code == 200
    replacement = replaced.get_data(as_text=True)
    assert validate_837p(replacement)[0]
    assert "10:B:7" in replacement and f"REF*F8*WL{world['ids'][0]}~" in replacement
    voided = world["biller"].get("/api/v1/claims.837p", query_string={**query, "frequency": "8"})
    assert "10:B:8" in voided.get_data(as_text=True)
    # Voided: the next original export claims it again.
    assert world["biller"].get("/api/v1/claims.837p", query_string=query).status_code == 200
    with app.app_context():
        assert [r.frequency for r in db.session.query(ClaimRecord).order_by(ClaimRecord.id)] == ["1", "7", "8", "1"]


def test_the_validator_catches_a_broken_file(world):
    query = {**world["range"], "payer_id": world["payer_id"]}
    text = world["biller"].get("/api/v1/claims.837p", query_string=query).get_data(as_text=True)
    broken = "\n".join(line for line in text.split("\n") if not line.startswith("NM1*85*"))
    assert not validate_837p(broken)[0]


def test_member_unlinks(world, monkeypatch):
    from tests.payer.support import at

    at(monkeypatch, clock.now() + timedelta(hours=3))  # after the fixture's conversations
    assert world["member"].delete("/api/v1/me/enrolment").status_code == 200
    assert world["member"].get("/api/v1/me/enrolment").get_json()["enrolment"] is None
    # Past encounters stay billable: they were asked for under the enrolment.
    rows = world["biller"].get("/api/v1/encounters", query_string=world["range"]).get_json()["encounters"]
    assert rows[0]["billable"] is True


def test_revoking_an_enrolment(world):
    answer = world["biller"].delete(f"/api/v1/enrolments/{world['enrolment_id']}")
    assert answer.get_json()["enrolment"]["status"] == "revoked"
    assert world["member"].get("/api/v1/me/enrolment").get_json()["enrolment"] is None


def test_case_rates(world):
    world["biller"].patch(f"/api/v1/payers/{world['payer_id']}", {"case_rate": {"min_contacts": 2}})
    month = world["range"]["from"][:7]
    answer = world["biller"].get("/api/v1/case-rates", query_string={"payer_id": world["payer_id"], "month": month})
    body = answer.get_json()
    if body["members"]:  # the fixture's conversations are in this month unless it is the month's last hour
        (row,) = body["members"]
        assert row == {
            "enrolment_id": world["enrolment_id"],
            "contacts": 2,
            "minutes": 35,
            "qualifies": True,
            "encounters": world["ids"],
        }
    bad = world["biller"].get("/api/v1/case-rates", query_string={"payer_id": world["payer_id"], "month": "2026-13"})
    assert bad.status_code == 400


def test_enrolment_detail_is_logged(app, world):
    from warmline.extensions import db
    from warmline.models import PhiRead

    with app.app_context():
        before = db.session.query(PhiRead).filter_by(what="enrolment").count()
    detail = world["biller"].get(f"/api/v1/enrolments/{world['enrolment_id']}").get_json()["enrolment"]
    assert detail["plan_member_id"] == PLANTED_ID and detail["diagnosis_code"] == "F32.9"
    with app.app_context():
        reads = db.session.query(PhiRead).filter_by(what="enrolment").all()
        assert len(reads) == before + 1
        assert reads[-1].enrolment_id == world["enrolment_id"] and reads[-1].reader_id is not None
        assert all(PLANTED_ID not in (r.detail or "") for r in db.session.query(PhiRead))
