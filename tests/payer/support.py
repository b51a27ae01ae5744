"""Helpers for payer-record tests: an app with a PHI key, a payer, an enrolled member, and
ended conversations with exact times (rows written directly, as the chat would leave them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.support import make_staff

TEST_PHI_KEY = "8Yc0mq5d2oV3yG4mN5jQb8mJt0o2o6Xo4b6h3mD5eFk="
PLANTED_ID = "ZQX7731PLANTED"
# Monday 2 March 2026, 10:00 in New York.
BASE = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NPI_OK = "1234567893"


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    from warmline import clock

    monkeypatch.setattr(clock, "now", lambda: moment)


def user(user_id: int):
    from warmline.extensions import db
    from warmline.models import User

    return db.session.get(User, user_id)


def new_member() -> int:
    from warmline.services import accounts

    member, _, _ = accounts.join()
    return member.id


def certified_peer(app, username: str = "pat", expires_on: date | None = None, supervisor: int | None = None) -> int:
    from warmline.extensions import db
    from warmline.services import credentials

    peer_id = make_staff(app, username, "peer")
    with app.app_context():
        credentials.add_credential(
            peer_id, "certified_peer_specialist", number=f"CPS-{peer_id}", expires_on=expires_on or date(2030, 1, 1)
        )
        credentials.add_credential(peer_id, "npi", number=NPI_OK)
        if supervisor is not None:
            user(peer_id).supervisor_id = supervisor
            db.session.commit()
    return peer_id


PAYER = {
    "name": "Evergreen Health Plan",
    "payer_identifier": "EVG01",
    "service_code": "H0038",
    "modifiers": ["HQ"],
    "unit_minutes": 15,
    "rounding": "midpoint",
    "rate_per_unit": "12.50",
    "place_of_service": "10",
    "claim_filing_code": "MC",
    "billing_provider": {
        "name": "Peer Line Collective",
        "npi": NPI_OK,
        "tax_id": "123456789",
        "address": "12 Main St",
        "city": "Albany",
        "state": "NY",
        "zip": "122070001",
        "phone": "5185550100",
    },
}


def make_payer(**overrides: Any) -> int:
    from warmline.services import payers

    return payers.create_payer({**PAYER, **overrides}).id


def enrol(biller_id: int, payer_id: int, plan_member_id: str = PLANTED_ID, **extra: Any) -> tuple[int, str]:
    from warmline.services import phi

    enrolment, code = phi.create_enrolment(
        user(biller_id),
        payer_id,
        plan_member_id,
        "written",
        {
            "first_name": "Robin",
            "last_name": "Quill",
            "birth_date": "1980-04-09",
            "sex": "F",
            "address": {"line": "4 Elm St", "city": "Albany", "state": "NY", "zip": "12207"},
        },
        extra.pop("diagnosis_code", "F329"),
        **extra,
    )
    return enrolment.id, code


def link(monkeypatch, member_id: int, code: str, when: datetime) -> None:
    from warmline.services import phi

    at(monkeypatch, when)
    phi.link_member(user(member_id), code)
    monkeypatch.undo()


def conversation(
    member_id: int,
    peer_id: int,
    start: datetime,
    minutes: float,
    *,
    note_minutes: int | None = None,
    note: bool = True,
    note_by: int | None = None,
    requested_at: datetime | None = None,
) -> int:
    """An answered conversation that lasted `minutes` from `start`, with the peer's note."""
    from warmline.extensions import db
    from warmline.models import ContactNote, Conversation

    row = Conversation(
        member_id=member_id,
        peer_id=peer_id,
        status="ended",
        requested_at=requested_at or start - timedelta(minutes=1),
        queued_at=requested_at or start - timedelta(minutes=1),
        assigned_at=start,
        first_assigned_at=start,
        peer_replied_at=start,
        ended_at=start + timedelta(minutes=minutes),
        ended_by="peer",
        end_reason="peer_ended",
    )
    db.session.add(row)
    db.session.flush()
    if note:
        db.session.add(
            ContactNote(
                conversation_id=row.id, peer_id=note_by or peer_id, topics="t", note="n", service_minutes=note_minutes
            )
        )
    db.session.commit()
    return row.id
