"""Payer records over HTTP (contract: Payer records): payers, enrolments and their link
codes, a member's own link, encounters, exports and case rates. Protected details pass only
through services/phi.py, which checks the role again and logs the read."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, jsonify, request
from flask_login import current_user

from warmline import clock
from warmline.errors import invalid
from warmline.extensions import limiter
from warmline.models.accounts import ADMIN, COORDINATOR
from warmline.models.payers import CLAIM_FILING_CODES, CONSENT, PLACES_OF_SERVICE, ROUNDING
from warmline.permissions import BILLERS, MEMBERS, roles_required
from warmline.services import claims, encounter_exports, encounters, payers, phi
from warmline.services.hours import iso, zone
from warmline.validation import Validator, choice, integer, iso_date, list_of, optional, parse, text, whole_number
from warmline.web.api import body, bp, ok

ENCOUNTER_READERS = (*BILLERS, COORDINATOR)


def nested(fields: dict[str, Any]) -> Validator:
    def check(name: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid(name, f"{name} must be an object.")
        return {k: v for k, v in parse(value, fields).items() if v is not None}

    return check


def amount() -> Validator:
    def check(name: str, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 12:
            raise invalid(name, f"{name} is an amount, e.g. 12.50.")
        return str(value)

    return check


ADDRESS = {
    "line": text(max_len=55),
    "city": text(max_len=30),
    "state": text(max_len=2, min_len=2),
    "zip": text(max_len=10, min_len=5),
}
PROVIDER = {
    "name": optional(text(max_len=60)),
    "npi": optional(text(max_len=10, min_len=10)),
    "tax_id": optional(text(max_len=20)),
    "address": optional(text(max_len=55)),
    "city": optional(text(max_len=30)),
    "state": optional(text(max_len=2, min_len=2)),
    "zip": optional(text(max_len=10, min_len=5)),
    "phone": optional(text(max_len=20)),
}
PAYER_FIELDS: dict[str, Any] = {
    "name": text(max_len=60),
    "service_code": text(max_len=10),
    "payer_identifier": optional(text(max_len=80, min_len=0), ""),
    "modifiers": optional(list_of(text(max_len=2, min_len=2), max_items=4), []),
    "unit_minutes": optional(integer(minimum=1, maximum=60), 15),
    "rounding": optional(choice(*ROUNDING), "midpoint"),
    "rate_per_unit": optional(amount()),
    "max_units_per_day": optional(integer(minimum=1, maximum=96)),
    "place_of_service": optional(choice(*PLACES_OF_SERVICE), "10"),
    "claim_filing_code": optional(choice(*CLAIM_FILING_CODES), "CI"),
    "case_rate": optional(
        nested(
            {
                "min_contacts": optional(integer(minimum=0, maximum=1000)),
                "min_minutes": optional(integer(minimum=0, maximum=100000)),
            }
        )
    ),
    "billing_provider": optional(nested(PROVIDER)),
}
SUBSCRIBER = {
    "first_name": text(max_len=35),
    "last_name": text(max_len=60),
    "birth_date": iso_date(),
    "sex": optional(choice("F", "M", "U"), "U"),
    "address": optional(nested(ADDRESS)),
}


def _present(data: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the request named (a PATCH leaves the others alone)."""
    return {k: v for k, v in data.items() if k in raw}


@bp.get("/payers")
@roles_required(*BILLERS)
def list_payers() -> tuple[Response, int]:
    return ok(payers=[payers.payer_json(p) for p in payers.all_payers()])


@bp.post("/payers")
@roles_required(*BILLERS)
def create_payer() -> tuple[Response, int]:
    data = body(PAYER_FIELDS)
    data["billing_provider"] = data.get("billing_provider") or {}
    return ok(201, payer=payers.payer_json(payers.create_payer(data)))


@bp.patch("/payers/<int:payer_id>")
@roles_required(*BILLERS)
def update_payer(payer_id: int) -> tuple[Response, int]:
    raw = request.get_json(silent=True) or {}
    fields = {k: v if hasattr(v, "validator") else optional(v) for k, v in PAYER_FIELDS.items()}
    data = _present(body(fields), raw if isinstance(raw, dict) else {})
    return ok(payer=payers.payer_json(payers.update_payer(payer_id, data)))


def enrolment_json(enrolment: Any, linked: bool | None = None) -> dict[str, Any]:
    data = {
        "id": enrolment.id,
        "payer_id": enrolment.payer_id,
        "status": enrolment.status,
        "consent": enrolment.consent,
        "consent_recorded_by": enrolment.consent_recorded_by,
        "consent_recorded_at": iso(enrolment.consent_recorded_at),
        "starts_on": enrolment.starts_on.isoformat() if enrolment.starts_on else None,
        "ends_on": enrolment.ends_on.isoformat() if enrolment.ends_on else None,
    }
    if linked is not None:
        data["linked"] = linked
    return data


@bp.post("/enrolments")
@roles_required(*BILLERS)
def create_enrolment() -> tuple[Response, int]:
    data = body(
        {
            "payer_id": integer(minimum=1),
            "plan_member_id": text(max_len=80),
            "consent": choice(*CONSENT),
            "subscriber": nested(SUBSCRIBER),
            "diagnosis_code": optional(text(max_len=8, min_len=0), ""),
            "starts_on": optional(iso_date()),
            "ends_on": optional(iso_date()),
        }
    )
    subscriber = {**data["subscriber"], "birth_date": data["subscriber"]["birth_date"].isoformat()}
    enrolment, code = phi.create_enrolment(
        current_user,
        data["payer_id"],
        data["plan_member_id"],
        data["consent"],
        subscriber,
        data["diagnosis_code"],
        data["starts_on"],
        data["ends_on"],
    )
    return ok(201, enrolment=enrolment_json(enrolment), link_code=code)


@bp.get("/enrolments")
@roles_required(*BILLERS)
def list_enrolments() -> tuple[Response, int]:
    linked = phi.linked_enrolment_ids(current_user)
    return ok(enrolments=[enrolment_json(e, e.id in linked) for e in phi.enrolments(current_user)])


@bp.get("/enrolments/<int:enrolment_id>")
@roles_required(*BILLERS)
def enrolment_detail(enrolment_id: int) -> tuple[Response, int]:
    found = phi.get_enrolment(current_user, enrolment_id)
    details = phi.details(current_user, [enrolment_id], "enrolment page")[enrolment_id]
    response, status = ok(enrolment={**enrolment_json(found), **details})
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.post("/enrolments/<int:enrolment_id>/link-code")
@roles_required(*BILLERS)
def new_link_code(enrolment_id: int) -> tuple[Response, int]:
    return ok(201, link_code=phi.new_link_code(current_user, enrolment_id))


@bp.delete("/enrolments/<int:enrolment_id>")
@roles_required(*BILLERS)
def revoke_enrolment(enrolment_id: int) -> tuple[Response, int]:
    return ok(enrolment=enrolment_json(phi.revoke_enrolment(current_user, enrolment_id)))


@bp.get("/me/enrolment")
@roles_required(*MEMBERS)
def my_enrolment() -> tuple[Response, int]:
    link = phi.my_link(current_user)
    return ok(enrolment={**link, "linked_at": iso(link["linked_at"])} if link else None)


@bp.post("/me/enrolment")
@roles_required(*MEMBERS)
@limiter.limit("20 per hour")
def link_my_account() -> tuple[Response, int]:
    data = body({"link_code": text(max_len=32)})
    phi.link_member(current_user, data["link_code"])
    return ok()


@bp.delete("/me/enrolment")
@roles_required(*MEMBERS)
def unlink_my_account() -> tuple[Response, int]:
    phi.unlink_member(current_user)
    return ok()


def _moment(name: str, default: datetime) -> datetime:
    """An ISO time with offset, or a date meaning local midnight in the organisation's zone."""
    raw = request.args.get(name)
    if not raw:
        return default
    raw = raw.replace(" ", "+")  # an unencoded "+" arrives as a space
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), datetime.min.time(), zone())
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(name, f"{name} is a date (YYYY-MM-DD) or an ISO 8601 time with an offset.") from None
    if moment.tzinfo is None:
        raise invalid(name, f"{name} needs a UTC offset.")
    return moment


def query_range() -> tuple[datetime, datetime]:
    """`from`/`to`; by default this month in the organisation's zone."""
    today = clock.now().astimezone(zone()).date()
    first_start, first_end = encounters.month_range(f"{today:%Y-%m}")
    start, end = _moment("from", first_start), _moment("to", first_end)
    if end <= start:
        raise invalid("to", "to must be after from.")
    if end - start > timedelta(days=370):
        raise invalid("to", "A range is at most a year.")
    return start, end


def _payer_arg(required: bool = True) -> Any:
    raw = request.args.get("payer_id")
    if raw is None and not required:
        return None
    return payers.get_payer(whole_number()("payer_id", raw if raw is not None else ""))


def _encounters() -> list[encounters.Encounter]:
    start, end = query_range()
    payer = _payer_arg(required=False)
    return encounters.encounters(current_user, start, end, payer_id=payer.id if payer else None)


@bp.get("/encounters")
@roles_required(*ENCOUNTER_READERS)
def list_encounters() -> tuple[Response, int]:
    return ok(encounters=[e.to_json() for e in _encounters()])


def _download(content: str, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/encounters.csv")
@roles_required(*BILLERS)
def encounters_csv() -> Response:
    if not phi.enabled():
        raise phi.features_off()
    return _download(encounter_exports.csv_text(_encounters()), "text/csv", "encounters.csv")


@bp.get("/encounters.fhir")
@roles_required(*BILLERS)
def encounters_fhir() -> tuple[Response, int]:
    if not phi.enabled():
        raise phi.features_off()
    response = jsonify(encounter_exports.fhir_bundle(_encounters()))
    response.mimetype = "application/fhir+json"
    return response, 200


@bp.get("/claims.837p")
@roles_required(*BILLERS)
def claims_837p() -> Response:
    payer = _payer_arg()
    start, end = query_range()
    frequency = request.args.get("frequency", "1")
    content, _count = claims.export(current_user, payer, start, end, frequency)
    return claim_download(content, payer, start)


def claim_download(content: str, payer: Any, start: datetime) -> Response:
    return _download(content, "application/edi-x12", f"claims-{payer.id}-{start:%Y%m%d}.837p")


@bp.get("/case-rates")
@roles_required(*BILLERS)
def case_rates() -> tuple[Response, int]:
    payer = _payer_arg()
    month = request.args.get("month") or f"{clock.now().astimezone(zone()):%Y-%m}"
    try:
        encounters.month_range(month)
    except ValueError:
        raise invalid("month", "month is YYYY-MM.") from None
    rows = encounters.case_rates(current_user, payer, month)
    return ok(payer_id=payer.id, month=month, members=[r.to_json() for r in rows])


@bp.get("/phi-reads")
@roles_required(ADMIN)
def phi_reads() -> tuple[Response, int]:
    return ok(
        reads=[
            {
                "reader_id": r.reader_id,
                "at": iso(r.at),
                "what": r.what,
                "enrolment_id": r.enrolment_id,
                "detail": r.detail,
            }
            for r in phi.read_log(current_user)
        ]
    )
