"""Encounters as files for billing staff: CSV rows and a FHIR R4 Bundle of Encounters.
Neither carries a plan member id, a subscriber or anything that was said."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from warmline.services.encounters import Encounter
from warmline.services.hours import iso

CSV_COLUMNS = (
    "conversation_id",
    "started_at",
    "ended_at",
    "actual_minutes",
    "service_minutes",
    "minutes_changed",
    "modality",
    "peer_id",
    "supervisor_id",
    "credential_id",
    "billable",
    "reason",
    "payer_id",
    "enrolment_id",
    "service_code",
    "modifiers",
    "units",
    "place_of_service",
)
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"


def csv_text(found: list[Encounter]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for encounter in found:
        row = encounter.to_json()
        row["modifiers"] = " ".join(row.get("modifiers") or [])
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return out.getvalue()


def _participant(encounter: Encounter) -> dict[str, Any]:
    individual: dict[str, Any] = {"display": encounter.peer_handle}
    if encounter.peer_npi:
        individual["identifier"] = {"system": NPI_SYSTEM, "value": encounter.peer_npi}
    return {
        "type": [{"coding": [{"system": PARTICIPATION, "code": "PPRF", "display": "primary performer"}]}],
        "individual": individual,
    }


def fhir_encounter(encounter: Encounter) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": f"conversation-{encounter.conversation_id}",
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "VR", "display": "virtual"},
        "participant": [_participant(encounter)],
        "period": {"start": iso(encounter.started_at), "end": iso(encounter.ended_at)},
        "length": {
            "value": encounter.service_minutes,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        },
    }
    billing = encounter.billing
    if billing is not None and billing.service_code:
        resource["serviceType"] = {"coding": [{"system": HCPCS, "code": billing.service_code}]}
    return resource


def fhir_bundle(found: list[Encounter]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        # A collection (bdl-1: `total` belongs to search and history bundles only).
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": fhir_encounter(e)} for e in found],
    }
