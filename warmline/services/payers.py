"""Payers: the plans that pay for peer services and how they count units. Nothing here is
protected (no person is named), but like every payer feature it is off without a key."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from warmline.errors import invalid, not_found
from warmline.extensions import db
from warmline.models.payers import CLAIM_FILING_CODES, PLACES_OF_SERVICE, ROUNDING, Payer
from warmline.services import phi

PROVIDER_FIELDS = ("name", "npi", "tax_id", "address", "city", "state", "zip", "phone")


def npi_is_valid(npi: str) -> bool:
    """The NPI check digit (Luhn over the number prefixed with 80840)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 24  # the 80840 prefix's share of the Luhn sum
    for index, digit in enumerate(int(d) for d in reversed(npi[:9])):
        if index % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


def _rate(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        rate = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise invalid("rate_per_unit", "rate_per_unit is an amount, e.g. 12.50.") from None
    if rate < 0:
        raise invalid("rate_per_unit", "rate_per_unit cannot be negative.")
    return rate


def _apply(payer: Payer, data: dict[str, Any]) -> None:
    if "rounding" in data and data["rounding"] not in ROUNDING:
        raise invalid("rounding", "rounding is midpoint or floor.")
    if "place_of_service" in data and data["place_of_service"] not in PLACES_OF_SERVICE:
        raise invalid("place_of_service", "place_of_service is 02 or 10 (telehealth).")
    if "claim_filing_code" in data and data["claim_filing_code"] not in CLAIM_FILING_CODES:
        raise invalid("claim_filing_code", f"claim_filing_code is one of: {', '.join(CLAIM_FILING_CODES)}.")
    for name in ("name", "payer_identifier", "service_code", "unit_minutes", "rounding", "place_of_service"):
        if name in data:
            setattr(payer, name, data[name])
    for name in ("max_units_per_day", "claim_filing_code"):
        if name in data:
            setattr(payer, name, data[name])
    if "modifiers" in data:
        payer.modifiers = ",".join(m.strip().upper() for m in data["modifiers"] if m.strip())
    if "rate_per_unit" in data:
        payer.rate_per_unit = _rate(data["rate_per_unit"])
    if "case_rate" in data:
        rule = data["case_rate"] or {}
        payer.case_rate_min_contacts = rule.get("min_contacts")
        payer.case_rate_min_minutes = rule.get("min_minutes")
    provider = data.get("billing_provider") or {}
    if provider.get("npi") and not npi_is_valid(provider["npi"]):
        raise invalid("billing_provider", "The billing provider's NPI is not a valid NPI (check digit).")
    for name in PROVIDER_FIELDS:
        if name in provider:
            setattr(payer, f"provider_{name}", provider[name])


def create_payer(data: dict[str, Any]) -> Payer:
    if not phi.enabled():
        raise phi.features_off()
    payer = Payer(unit_minutes=15, rounding="midpoint", place_of_service="10", modifiers="", claim_filing_code="CI")
    _apply(payer, data)
    db.session.add(payer)
    db.session.commit()
    return payer


def update_payer(payer_id: int, data: dict[str, Any]) -> Payer:
    if not phi.enabled():
        raise phi.features_off()
    payer = get_payer(payer_id)
    _apply(payer, data)
    db.session.commit()
    return payer


def get_payer(payer_id: Any) -> Payer:
    payer = db.session.get(Payer, payer_id) if isinstance(payer_id, int) else None
    if payer is None:
        raise not_found("That payer")
    return payer


def all_payers() -> list[Payer]:
    return list(db.session.scalars(sa.select(Payer).order_by(Payer.name, Payer.id)))


def payer_json(payer: Payer) -> dict[str, Any]:
    return {
        "id": payer.id,
        "name": payer.name,
        "payer_identifier": payer.payer_identifier,
        "service_code": payer.service_code,
        "modifiers": payer.modifier_list,
        "unit_minutes": payer.unit_minutes,
        "rounding": payer.rounding,
        "rate_per_unit": str(payer.rate_per_unit) if payer.rate_per_unit is not None else None,
        "max_units_per_day": payer.max_units_per_day,
        "place_of_service": payer.place_of_service,
        "claim_filing_code": payer.claim_filing_code,
        "case_rate": {"min_contacts": payer.case_rate_min_contacts, "min_minutes": payer.case_rate_min_minutes},
        "billing_provider": {name: getattr(payer, f"provider_{name}") for name in PROVIDER_FIELDS},
    }
