"""The billable rule and the unit arithmetic, at every boundary (contract: Payer records)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.payer.support import BASE, at, certified_peer, conversation, user
from tests.support import make_staff
from warmline.services.encounters import units_for


@pytest.mark.parametrize(("minutes", "units"), [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3)])
def test_midpoint_units(minutes, units):
    assert units_for(minutes, 15, "midpoint") == units


@pytest.mark.parametrize(("minutes", "units"), [(14, 0), (15, 1), (29, 1), (30, 2)])
def test_floor_units(minutes, units):
    assert units_for(minutes, 15, "floor") == units


def _decided(setting, viewer=None, start=BASE - timedelta(days=1), end=BASE + timedelta(days=30)):
    from warmline.services import encounters

    found = encounters.encounters(user(viewer or setting["biller"]), start, end)
    return {e.conversation_id: e for e in found}


@pytest.mark.parametrize(("minutes", "billable", "units"), [(7, False, 0), (8, True, 1), (22, True, 1), (23, True, 2)])
def test_midpoint_boundaries_decide_billable(app, setting, minutes, billable, units):
    with app.app_context():
        cid = conversation(setting["member"], setting["peer"], BASE, minutes + 0.5)
        encounter = _decided(setting)[cid]
        assert encounter.actual_minutes == minutes  # whole minutes, rounded down
        assert encounter.billing.billable is billable
        assert encounter.billing.units == units
        assert encounter.billing.reason == (None if billable else "too_short")


@pytest.mark.parametrize(("minutes", "units"), [(14, 0), (15, 1), (29, 1), (30, 2)])
def test_floor_boundaries(app, setting, minutes, units):
    from warmline.services import payers

    with app.app_context():
        payers.update_payer(setting["payer"], {"rounding": "floor"})
        cid = conversation(setting["member"], setting["peer"], BASE, minutes)
        assert _decided(setting)[cid].billing.units == units


def test_billable_carries_payer_code_and_supervisor(app, setting):
    with app.app_context():
        cid = conversation(setting["member"], setting["peer"], BASE, 30)
        encounter = _decided(setting)[cid]
        assert encounter.billing.billable and encounter.billing.reason is None
        assert encounter.billing.payer_id == setting["payer"]
        assert encounter.billing.service_code == "H0038" and encounter.billing.modifiers == ["HQ"]
        assert encounter.supervisor_id == setting["coordinator"]
        assert encounter.credential_id is not None


def test_note_minutes_win_and_the_change_is_kept(app, setting):
    with app.app_context():
        cid = conversation(setting["member"], setting["peer"], BASE, 40, note_minutes=20)
        encounter = _decided(setting)[cid]
        assert (encounter.actual_minutes, encounter.service_minutes, encounter.minutes_changed) == (40, 20, True)
        assert encounter.billing.units == 1
        assert encounter.to_json()["actual_minutes"] == 40


def test_daily_cap_bills_up_to_the_cap(app, setting):
    from warmline.services import payers

    with app.app_context():
        payers.update_payer(setting["payer"], {"max_units_per_day": 3})
        first = conversation(setting["member"], setting["peer"], BASE, 30)  # 2 units
        second = conversation(setting["member"], setting["peer"], BASE + timedelta(hours=1), 30)  # 1 of 2
        third = conversation(setting["member"], setting["peer"], BASE + timedelta(hours=2), 30)  # none left
        next_day = conversation(setting["member"], setting["peer"], BASE + timedelta(days=1), 30)
        found = _decided(setting)
        assert found[first].billing.units == 2 and found[first].billing.billable
        assert found[second].billing.units == 1 and found[second].billing.billable
        assert (found[third].billing.billable, found[third].billing.reason) == (False, "daily_cap")
        assert found[next_day].billing.units == 2 and found[next_day].billing.billable


def test_daily_cap_counts_the_day_outside_the_range(app, setting):
    from warmline.services import payers

    with app.app_context():
        payers.update_payer(setting["payer"], {"max_units_per_day": 2})
        conversation(setting["member"], setting["peer"], BASE, 30)
        later = conversation(setting["member"], setting["peer"], BASE + timedelta(hours=2), 30)
        found = _decided(setting, start=BASE + timedelta(hours=1), end=BASE + timedelta(hours=3))
        assert list(found) == [later]
        assert found[later].billing.reason == "daily_cap"


def test_expired_credential(app, setting):
    with app.app_context():
        peer = certified_peer(app, "old", expires_on=date(2026, 3, 1))
        cid = conversation(setting["member"], peer, BASE, 30)
        assert _decided(setting)[cid].billing.reason == "no_credential"
        valid_day = conversation(setting["member"], peer, BASE - timedelta(days=1, hours=-1), 30)
        assert _decided(setting)[valid_day].billing.billable


def test_no_credential_at_all(app, setting):
    with app.app_context():
        peer = make_staff(app, "newbie", "peer")
        cid = conversation(setting["member"], peer, BASE, 30)
        assert _decided(setting)[cid].billing.reason == "no_credential"


def test_missing_note(app, setting):
    with app.app_context():
        cid = conversation(setting["member"], setting["peer"], BASE, 30, note=False)
        encounter = _decided(setting)[cid]
        assert (encounter.billing.billable, encounter.billing.reason) == (False, "no_note")


def test_after_a_handover_the_final_peer_and_their_note_count(app, setting):
    with app.app_context():
        first_peer = certified_peer(app, "first")
        # Only the first peer wrote a note; the final peer (the conversation's peer) did not.
        cid = conversation(setting["member"], setting["peer"], BASE, 30, note_by=first_peer)
        encounter = _decided(setting)[cid]
        assert encounter.peer_id == setting["peer"]
        assert encounter.billing.reason == "no_note"


def test_anonymous_member_is_never_billable(app, setting):
    from tests.payer.support import new_member

    with app.app_context():
        cid = conversation(new_member(), setting["peer"], BASE, 30)
        encounter = _decided(setting)[cid]
        assert (encounter.billing.billable, encounter.billing.reason, encounter.billing.payer_id) == (
            False,
            "not_enrolled",
            None,
        )


def test_enrolment_removed_mid_month(app, setting, monkeypatch):
    from warmline.services import phi

    with app.app_context():
        before = conversation(setting["member"], setting["peer"], BASE + timedelta(days=10), 30)
        at(monkeypatch, BASE + timedelta(days=14))
        phi.unlink_member(user(setting["member"]))
        monkeypatch.undo()
        after = conversation(setting["member"], setting["peer"], BASE + timedelta(days=16), 30)
        found = _decided(setting)
        assert found[before].billing.billable
        assert found[after].billing.reason == "not_enrolled"


def test_enrolment_revoked_stops_future_billing(app, setting, monkeypatch):
    from warmline.services import phi

    with app.app_context():
        before = conversation(setting["member"], setting["peer"], BASE, 30)
        at(monkeypatch, BASE + timedelta(days=1))
        phi.revoke_enrolment(user(setting["biller"]), setting["enrolment"])
        monkeypatch.undo()
        after = conversation(setting["member"], setting["peer"], BASE + timedelta(days=2), 30)
        found = _decided(setting)
        assert found[before].billing.billable and found[after].billing.reason == "not_enrolled"


def test_enrolled_when_they_asked_not_when_answered(app, setting, monkeypatch):
    from warmline.services import phi

    with app.app_context():
        at(monkeypatch, BASE + timedelta(minutes=5))
        phi.unlink_member(user(setting["member"]))
        monkeypatch.undo()
        # Asked before the link was removed, answered after.
        cid = conversation(setting["member"], setting["peer"], BASE + timedelta(minutes=10), 30, requested_at=BASE)
        assert _decided(setting)[cid].billing.billable


def test_coordinators_get_service_facts_only(app, setting):
    from warmline.extensions import db
    from warmline.models import PhiRead

    with app.app_context():
        cid = conversation(setting["member"], setting["peer"], BASE, 30)
        reads = db.session.query(PhiRead).count()
        encounter = _decided(setting, viewer=setting["coordinator"])[cid]
        assert encounter.billing is None
        assert set(encounter.to_json()) == {
            "conversation_id",
            "started_at",
            "ended_at",
            "service_minutes",
            "actual_minutes",
            "minutes_changed",
            "modality",
            "peer_id",
            "supervisor_id",
        }
        assert db.session.query(PhiRead).count() == reads  # the link was not read for them


def test_case_rates(app, setting):
    from warmline.services import encounters, payers

    with app.app_context():
        payer = payers.update_payer(setting["payer"], {"case_rate": {"min_contacts": 2, "min_minutes": 30}})
        conversation(setting["member"], setting["peer"], BASE, 20)
        conversation(setting["member"], setting["peer"], BASE + timedelta(days=3), 5)  # too short, still a contact
        conversation(setting["member"], setting["peer"], BASE + timedelta(days=40), 50)  # April
        (month,) = encounters.case_rates(user(setting["biller"]), payer, "2026-03")
        assert (month.enrolment_id, month.contacts, month.minutes) == (setting["enrolment"], 2, 25)
        assert month.qualifies is False
        payers.update_payer(setting["payer"], {"case_rate": {"min_contacts": 2}})
        (month,) = encounters.case_rates(user(setting["biller"]), payer, "2026-03")
        assert month.qualifies is True


def test_enrolment_dates_bound_billing(app, setting, monkeypatch):
    from tests.payer.support import enrol, link, new_member

    with app.app_context():
        member = new_member()
        _, code = enrol(setting["biller"], setting["payer"], starts_on=BASE.date(), ends_on=BASE.date())
        link(monkeypatch, member, code, BASE - timedelta(days=3))
        before = conversation(member, setting["peer"], BASE - timedelta(days=1), 30)
        during = conversation(member, setting["peer"], BASE, 30)
        after = conversation(member, setting["peer"], BASE + timedelta(days=1), 30)
        found = _decided(setting, start=BASE - timedelta(days=2))
        assert [found[c].billing.reason for c in (before, during, after)] == ["not_enrolled", None, "not_enrolled"]


def test_a_credential_revoked_from_a_day_bills_the_services_before_it_only(app, setting):
    from warmline.services import credentials

    with app.app_context():
        peer = certified_peer(app, "lapsed")
        [held] = [c for c in credentials.credentials_of(peer) if c.kind == "certified_peer_specialist"]
        before = conversation(setting["member"], peer, BASE - timedelta(days=1, hours=-1), 30)
        credentials.revoke(peer, held.id, BASE.date())
        after = conversation(setting["member"], peer, BASE + timedelta(hours=1), 30)
        found = _decided(setting)
        assert found[before].billing.billable and found[after].billing.reason == "no_credential"
