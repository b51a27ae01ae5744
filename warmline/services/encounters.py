"""Encounters: every answered, ended conversation is one, and the billable rule of the
contract (docs/billing.md) decides, for billing staff, whether a payer pays for it.

Encounters are derived from conversations, contact notes and credentials when asked, so
they always reflect the record as it stands; what a claim file claimed is kept apart
(claim records). Coordinators get the service facts only: `billing` is None for them and
the protected link between an account and an enrolment is never read on their behalf."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import ContactNote, Conversation, Credential, Payer, User
from warmline.models.accounts import NPI
from warmline.models.chat import ENDED
from warmline.models.payers import FLOOR, MIDPOINT
from warmline.permissions import BILLERS, allowed
from warmline.services import credentials, phi
from warmline.services.hours import iso, zone

MODALITY = "chat"
# The order reasons are checked in: an encounter carries the first that applies.
REASONS = ("not_enrolled", "no_credential", "no_note", "too_short", "daily_cap")


def units_for(minutes: int, unit_minutes: int, rounding: str) -> int:
    """`midpoint` (CMS): a unit counts once more than half of it is reached, so for 15-minute
    units 8-22 minutes are 1 unit, 23-37 are 2; `floor`: only whole units (15-29 is 1)."""
    if minutes <= 0 or unit_minutes <= 0:
        return 0
    whole, rest = divmod(minutes, unit_minutes)
    if rounding == FLOOR:
        return whole
    if rounding == MIDPOINT:
        return whole + (1 if 2 * rest > unit_minutes else 0)
    raise ValueError(f"unknown rounding {rounding!r}")


def whole_minutes(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


@dataclass
class Billing:
    """What only billing staff see of an encounter."""

    billable: bool = False
    reason: str | None = "not_enrolled"
    payer_id: int | None = None
    enrolment_id: int | None = None
    service_code: str | None = None
    modifiers: list[str] = field(default_factory=list)
    units: int = 0
    # Units before the daily cap cut them.
    full_units: int = 0
    place_of_service: str | None = None
    rate_per_unit: Any = None


@dataclass
class Encounter:
    conversation_id: int
    member_id: int  # internal: never serialised
    requested_at: datetime
    started_at: datetime
    ended_at: datetime
    service_day: date
    actual_minutes: int
    service_minutes: int
    peer_id: int
    peer_handle: str
    credential_id: int | None
    credential_number: str | None
    peer_npi: str | None
    supervisor_id: int | None
    has_note: bool
    billing: Billing | None = None
    modality: str = MODALITY

    @property
    def minutes_changed(self) -> bool:
        """The peer documented other minutes than the conversation lasted."""
        return self.service_minutes != self.actual_minutes

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "conversation_id": self.conversation_id,
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at),
            "service_minutes": self.service_minutes,
            "actual_minutes": self.actual_minutes,
            "minutes_changed": self.minutes_changed,
            "modality": self.modality,
            "peer_id": self.peer_id,
            "supervisor_id": self.supervisor_id,
        }
        if self.billing is not None:
            b = self.billing
            data.update(
                billable=b.billable,
                reason=b.reason,
                payer_id=b.payer_id,
                enrolment_id=b.enrolment_id,
                service_code=b.service_code,
                modifiers=b.modifiers,
                units=b.units,
                place_of_service=b.place_of_service,
                credential_id=self.credential_id,
            )
        return data


def local_day(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone())


def _service_facts(start: datetime, end: datetime) -> list[Encounter]:
    """Answered, ended conversations answered in [start, end), with the final peer's note."""
    rows = db.session.execute(
        sa.select(Conversation, User, ContactNote)
        .join(User, User.id == Conversation.peer_id)
        .outerjoin(
            ContactNote,
            sa.and_(ContactNote.conversation_id == Conversation.id, ContactNote.peer_id == Conversation.peer_id),
        )
        .where(
            Conversation.status == ENDED,
            Conversation.first_assigned_at.is_not(None),
            Conversation.ended_at.is_not(None),
            Conversation.first_assigned_at >= start,
            Conversation.first_assigned_at < end,
        )
        .order_by(Conversation.first_assigned_at, Conversation.id)
    )
    found = []
    for conversation, peer, note in rows:
        started, ended = conversation.first_assigned_at, conversation.ended_at
        actual = whole_minutes(started, ended)
        day = local_day(started)
        found.append(
            Encounter(
                conversation_id=conversation.id,
                member_id=conversation.member_id,
                requested_at=conversation.requested_at,
                started_at=started,
                ended_at=ended,
                service_day=day,
                actual_minutes=actual,
                service_minutes=note.service_minutes if note and note.service_minutes is not None else actual,
                peer_id=peer.id,
                peer_handle=peer.handle,
                credential_id=None,
                credential_number=None,
                peer_npi=None,
                supervisor_id=peer.supervisor_id,
                has_note=note is not None,
            )
        )
    _attach_credentials(found)
    return found


def _attach_credentials(found: list[Encounter]) -> None:
    """The peer's certified peer specialist credential on the day of service, and their NPI."""
    cache: dict[tuple[int, date], Credential | None] = {}
    npis: dict[int, str | None] = {}
    for encounter in found:
        key = (encounter.peer_id, encounter.service_day)
        if key not in cache:
            cache[key] = credentials.certified_peer_credential(*key)
        credential = cache[key]
        encounter.credential_id = credential.id if credential else None
        encounter.credential_number = credential.number if credential else None
        if encounter.peer_id not in npis:
            npis[encounter.peer_id] = next(
                (
                    c.number
                    for c in credentials.credentials_of(encounter.peer_id)
                    if c.kind == NPI and c.number and credentials.revoked_from(c) is None
                ),
                None,
            )
        encounter.peer_npi = npis[encounter.peer_id]


def _decide(encounters: list[Encounter], spans: dict[int, list[phi.Span]], payers: dict[int, Payer]) -> None:
    """The billable rule, in time order so the daily cap counts units per member, payer and day."""
    used: dict[tuple[int, int, date], int] = defaultdict(int)
    for encounter in encounters:
        billing = Billing()
        encounter.billing = billing
        asked_day = local_day(encounter.requested_at)
        held = spans.get(encounter.member_id, [])
        span = next((s for s in held if s.covers(encounter.requested_at, asked_day)), None)
        payer = payers.get(span.payer_id) if span else None
        if span is None or payer is None:
            continue
        billing.payer_id, billing.enrolment_id = payer.id, span.enrolment_id
        billing.service_code, billing.modifiers = payer.service_code, payer.modifier_list
        billing.place_of_service, billing.rate_per_unit = payer.place_of_service, payer.rate_per_unit
        billing.full_units = units_for(encounter.service_minutes, payer.unit_minutes, payer.rounding)
        billing.units = billing.full_units
        if encounter.credential_id is None:
            billing.reason = "no_credential"
        elif not encounter.has_note:
            billing.reason = "no_note"
        elif billing.full_units < 1:
            billing.reason = "too_short"
        else:
            key = (encounter.member_id, payer.id, encounter.service_day)
            cap = payer.max_units_per_day
            if cap is not None:
                billing.units = max(0, min(billing.full_units, cap - used[key]))
            if billing.units < 1:
                billing.reason = "daily_cap"
            else:
                used[key] += billing.units
                billing.billable, billing.reason = True, None
        if not billing.billable and billing.reason != "daily_cap":
            billing.units = billing.full_units


def encounters(viewer: User, start: datetime, end: datetime, payer_id: int | None = None) -> list[Encounter]:
    """The encounters answered in [start, end). Billing staff get the billing decision;
    anyone else gets the service facts only."""
    if not allowed(viewer, BILLERS):
        return _service_facts(start, end)
    # Whole local days, so the daily cap counts encounters just outside the range too.
    wide_start = _day_start(local_day(start))
    wide_end = _day_start(local_day(end) + timedelta(days=1))
    found = _service_facts(wide_start, wide_end)
    payers = {p.id: p for p in db.session.scalars(sa.select(Payer))}
    spans = phi.links_of_members(viewer, {e.member_id for e in found}, f"encounters {iso(start)} to {iso(end)}")
    _decide(found, spans, payers)
    found = [e for e in found if start <= e.started_at < end]
    if payer_id is not None:
        found = [e for e in found if e.billing and e.billing.payer_id == payer_id]
    return found


@dataclass
class MemberMonth:
    enrolment_id: int
    contacts: int = 0
    minutes: int = 0
    qualifies: bool | None = None
    conversation_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "enrolment_id": self.enrolment_id,
            "contacts": self.contacts,
            "minutes": self.minutes,
            "qualifies": self.qualifies,
            "encounters": self.conversation_ids,
        }


# A contact counts toward a case rate when it was a documented service by a credentialed
# peer under the enrolment; unit rounding and the daily cap are fee-for-service rules.
_CASE_RATE_REASONS = (None, "too_short", "daily_cap")


def month_range(month: str) -> tuple[datetime, datetime]:
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return _day_start(first), _day_start(following)


def case_rates(viewer: User, payer: Payer, month: str) -> list[MemberMonth]:
    """Each enrolled member's month under `payer`: contacts, minutes, whether it qualifies."""
    start, end = month_range(month)
    months: dict[int, MemberMonth] = {}
    for encounter in encounters(viewer, start, end, payer_id=payer.id):
        billing = encounter.billing
        if billing is None or billing.enrolment_id is None or billing.reason not in _CASE_RATE_REASONS:
            continue
        row = months.setdefault(billing.enrolment_id, MemberMonth(billing.enrolment_id))
        row.contacts += 1
        row.minutes += encounter.service_minutes
        row.conversation_ids.append(encounter.conversation_id)
    has_rule = payer.case_rate_min_contacts is not None or payer.case_rate_min_minutes is not None
    for row in months.values():
        if has_rule:
            row.qualifies = row.contacts >= (payer.case_rate_min_contacts or 0) and row.minutes >= (
                payer.case_rate_min_minutes or 0
            )
    return sorted(months.values(), key=lambda r: r.enrolment_id)
