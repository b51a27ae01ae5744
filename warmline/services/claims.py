"""Claim files: a payer's billable encounters in a range as an 837P, each claim kept as a
claim record so a second export of the range leaves out what was claimed; replacing
(frequency 7) or voiding (8) a claim takes the encounters an earlier file claimed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from warmline import clock
from warmline.errors import WarmlineError, invalid
from warmline.extensions import db
from warmline.models import Payer, User
from warmline.models.payers import ORIGINAL, REPLACEMENT, VOID, ClaimFile, ClaimRecord
from warmline.services import encounters as encounter_service
from warmline.services import phi
from warmline.services import x12_837p as x12
from warmline.services.encounters import Encounter

FREQUENCIES = (ORIGINAL, REPLACEMENT, VOID)


def control_number(conversation_id: int) -> str:
    """CLM01: our claim's reference, the same for an original and its replacement or void."""
    return f"WL{conversation_id}"


def claimed_ids(conversation_ids: list[int]) -> set[int]:
    """Encounters whose latest claim record is an original or a replacement (not a void)."""
    if not conversation_ids:
        return set()
    latest = (
        sa.select(ClaimRecord.conversation_id, sa.func.max(ClaimRecord.id).label("last_id"))
        .where(ClaimRecord.conversation_id.in_(conversation_ids))
        .group_by(ClaimRecord.conversation_id)
        .subquery()
    )
    return set(
        db.session.scalars(
            sa.select(ClaimRecord.conversation_id)
            .join(latest, latest.c.last_id == ClaimRecord.id)
            .where(ClaimRecord.frequency != VOID)
        )
    )


def _charge(encounter: Encounter) -> Decimal:
    billing = encounter.billing
    assert billing is not None
    rate = Decimal(billing.rate_per_unit) if billing.rate_per_unit is not None else Decimal("0")
    return (rate * billing.units).quantize(Decimal("0.01"))


def _address(raw: object) -> x12.Address | None:
    if isinstance(raw, dict) and raw.get("line"):
        return x12.Address(raw.get("line", ""), raw.get("city", ""), raw.get("state", ""), raw.get("zip", ""))
    return None


def _provider(payer: Payer) -> x12.Provider:
    address = x12.Address(payer.provider_address, payer.provider_city, payer.provider_state, payer.provider_zip)
    return x12.Provider(payer.provider_name, payer.provider_npi, payer.provider_tax_id, address, payer.provider_phone)


def _selected(reader: User, payer: Payer, start: datetime, end: datetime, frequency: str) -> list[Encounter]:
    found = [
        e
        for e in encounter_service.encounters(reader, start, end, payer_id=payer.id)
        if e.billing is not None and e.billing.billable
    ]
    claimed = claimed_ids([e.conversation_id for e in found])
    if frequency == ORIGINAL:
        return [e for e in found if e.conversation_id not in claimed]
    return [e for e in found if e.conversation_id in claimed]


def export(reader: User, payer: Payer, start: datetime, end: datetime, frequency: str = ORIGINAL) -> tuple[str, int]:
    """The 837P text and how many claims it holds; the file and its claims are recorded."""
    if frequency not in FREQUENCIES:
        raise invalid("frequency", "frequency is 1 (original), 7 (replace) or 8 (void).")
    if not (payer.provider_npi and payer.provider_tax_id and payer.provider_name):
        raise WarmlineError(
            "billing_provider_missing", "Set the billing provider's name, NPI and tax id on the payer first.", 409
        )
    chosen = _selected(reader, payer, start, end, frequency)
    if not chosen:
        raise WarmlineError("nothing_to_claim", "No billable encounter in that range is left to claim.", 409)
    protected = phi.details(reader, {e.billing.enrolment_id for e in chosen if e.billing}, "claim file")
    missing = sorted(k for k, v in protected.items() if not v["diagnosis_code"])
    if missing:
        raise WarmlineError(
            "diagnosis_missing", f"Enrolments without a diagnosis code: {', '.join(map(str, missing))}.", 409
        )
    now = clock.now()
    claim_file = ClaimFile(payer_id=payer.id, range_from=start, range_to=end, frequency=frequency, created_by=reader.id)
    db.session.add(claim_file)
    db.session.flush()
    subscribers: dict[int, x12.Subscriber] = {}
    for encounter in chosen:
        billing = encounter.billing
        assert billing is not None and billing.enrolment_id is not None
        details = protected[billing.enrolment_id]
        person = details["subscriber"]
        subscriber = subscribers.setdefault(
            billing.enrolment_id,
            x12.Subscriber(
                details["plan_member_id"],
                person.get("first_name", ""),
                person.get("last_name", ""),
                person.get("birth_date", ""),
                person.get("sex") or "U",
                _address(person.get("address")),
            ),
        )
        charge = _charge(encounter)
        line = x12.Line(
            billing.service_code or payer.service_code,
            billing.modifiers,
            charge,
            billing.units,
            encounter.service_day,
            payer.place_of_service,
        )
        subscriber.claims.append(
            x12.Claim(
                control_number(encounter.conversation_id),
                frequency,
                payer.place_of_service,
                details["diagnosis_code"],
                [line],
                rendering_name=encounter.peer_handle,
                rendering_npi=encounter.peer_npi or "",
                original_reference=control_number(encounter.conversation_id) if frequency != ORIGINAL else "",
            )
        )
        db.session.add(
            ClaimRecord(
                file_id=claim_file.id,
                conversation_id=encounter.conversation_id,
                payer_id=payer.id,
                enrolment_id=billing.enrolment_id,
                frequency=frequency,
                service_date=encounter.service_day,
                service_minutes=encounter.service_minutes,
                units=billing.units,
                charge=charge,
                created_at=now,
            )
        )
    interchange = x12.Interchange(
        control_number=claim_file.id,
        sender_id=payer.provider_tax_id,
        receiver_id=payer.payer_identifier or payer.name,
        created_at=now,
        billing_provider=_provider(payer),
        payer_name=payer.name,
        payer_id=payer.payer_identifier or payer.name,
        subscribers=list(subscribers.values()),
        claim_filing_code=payer.claim_filing_code,
    )
    text = x12.build(interchange)
    db.session.commit()
    return text, len(chosen)
