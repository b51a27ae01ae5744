"""Record keeping: the transcript purge keeps encounters, notes and claims; they go
RECORD_RETENTION_YEARS after it. The key command prints a usable key."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.payer.support import BASE, conversation
from warmline.extensions import db
from warmline.models import ClaimRecord, ContactNote, Conversation


def _claim(cid: int, setting) -> None:
    from decimal import Decimal

    from warmline.models import ClaimFile

    claim_file = ClaimFile(payer_id=setting["payer"], range_from=BASE, range_to=BASE, frequency="1")
    db.session.add(claim_file)
    db.session.flush()
    db.session.add(
        ClaimRecord(
            file_id=claim_file.id,
            conversation_id=cid,
            payer_id=setting["payer"],
            enrolment_id=setting["enrolment"],
            frequency="1",
            service_date=BASE.date(),
            service_minutes=30,
            units=2,
            charge=Decimal("25.00"),
        )
    )
    db.session.commit()


def test_records_outlive_the_transcript_purge_by_the_retention_period(app, setting):
    from tests.payer.support import user
    from warmline.services import chat, encounters, records

    with app.app_context():
        cid = conversation(setting["member"], setting["peer"], BASE, 30)
        _claim(cid, setting)
        purged_at = BASE + timedelta(days=91)
        chat.purge_transcripts(purged_at, 90)
        assert db.session.get(Conversation, cid).transcript_deleted_at == purged_at
        assert records.purge_records(purged_at + timedelta(days=365 * 7 - 5), 7) == 0
        found = encounters.encounters(user(setting["biller"]), BASE - timedelta(days=1), BASE + timedelta(days=1))
        assert [e.conversation_id for e in found] == [cid] and found[0].billing.billable
        assert records.purge_records(purged_at + timedelta(days=365 * 7 + 5), 7) == 1
        assert db.session.get(Conversation, cid) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactNote)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimRecord)) == 0


def test_new_key_command(runner):
    from cryptography.fernet import Fernet

    result = runner.invoke(args=["billing", "new-key"])
    assert result.exit_code == 0
    Fernet(result.output.strip().encode())
