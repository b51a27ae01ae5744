"""The staff rules as a service: who may grant what, the last admin, invites, signing out
everywhere (sessions, sockets, held conversations, on shift)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.chat_support import Socket, on_duty_peer
from tests.support import Api, make_staff
from warmline import clock
from warmline.errors import WarmlineError
from warmline.extensions import db
from warmline.models import Conversation, User
from warmline.models.chat import WAITING
from warmline.services import accounts, chat, credentials, roster, staff


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def people(app):
    return {
        "admin": make_staff(app, "ada", "admin"),
        "coordinator": make_staff(app, "cora", "coordinator"),
        "peer": make_staff(app, "pat", "peer"),
        "moderator": make_staff(app, "moe", "moderator"),
        "peer_coordinator": make_staff(app, "pcx", "peer", "coordinator"),
        "billing": make_staff(app, "bill", "billing"),
    }


def refused(code: str, action, *args, **kwargs) -> WarmlineError:
    with pytest.raises(WarmlineError) as caught:
        action(*args, **kwargs)
    db.session.rollback()
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_coordinators_grant_only_peer_and_moderator(app, people):
    with app.app_context():
        cora, ada = user(people["coordinator"]), user(people["admin"])
        assert staff.may_grant(cora, ["peer", "moderator"])
        for role in ("coordinator", "admin", "billing"):
            assert not staff.may_grant(cora, ["peer", role])
            assert staff.may_grant(ada, [role])
        assert not staff.may_grant(user(people["peer"]), ["peer"])
        refused("forbidden", staff.add_person, cora, "newbie", ["peer", "billing"])
        new, token = staff.add_person(cora, "newbie", ["peer"], chat_capacity=1)
        assert new.roles == ["peer"] and new.password_hash is None and len(token) > 30
        assert staff.add_person(ada, "biller", ["billing"])[0].roles == ["billing"]


def test_coordinators_act_only_on_accounts_whose_roles_all_lie_in_peer_and_moderator(app, people):
    with app.app_context():
        cora = user(people["coordinator"])
        for target in ("admin", "peer_coordinator", "billing", "coordinator"):
            refused("forbidden", staff.update, cora, people[target], chat_capacity=3)
            refused("forbidden", staff.reinvite, cora, people[target])
        assert staff.update(cora, people["peer"], roles=["peer", "moderator"]).roles == ["moderator", "peer"]
        refused("forbidden", staff.update, cora, people["peer"], roles=["coordinator"])
        ada = user(people["admin"])
        assert staff.update(ada, people["peer_coordinator"], roles=["admin"]).roles == ["admin"]


def test_the_last_enabled_admin_is_never_disabled_or_demoted(app, people, runner):
    with app.app_context():
        ada = user(people["admin"])
        refused("last_admin", staff.update, ada, ada.id, enabled=False)
        refused("last_admin", staff.update, ada, ada.id, roles=["coordinator"])
        refused("last_admin", accounts.disable_user, ada)
        second = staff.add_person(ada, "second", ["admin"])[0]
        staff.update(ada, second.id, enabled=False)  # a disabled admin does not count
        refused("last_admin", staff.update, ada, ada.id, roles=["peer"])
        staff.update(ada, second.id, enabled=True)
        assert staff.update(user(second.id), ada.id, roles=["coordinator"]).roles == ["coordinator"]
        refused("last_admin", staff.update, user(second.id), second.id, enabled=False)
    result = runner.invoke(args=["users", "disable", "second"])
    assert result.exit_code != 0 and "last enabled admin" in result.output


def test_an_invite_works_once_and_a_new_one_voids_the_old(app, people, monkeypatch):
    with app.app_context():
        ada = user(people["admin"])
        newbie, first = staff.add_person(ada, "newbie", ["peer"])
        second = staff.reinvite(ada, newbie.id)
        refused("invite_not_found", staff.accept_invite, first, "a long enough password")
        refused("invalid", staff.accept_invite, second, "short")  # the sign-in rule
        signed_in, token = staff.accept_invite(second, "a long enough password")
        assert signed_in.id == newbie.id and accounts.session_user(token).user.id == newbie.id
        refused("invite_not_found", staff.accept_invite, second, "another long password")
        assert accounts.authenticate_staff("newbie", "a long enough password").id == newbie.id
        refused("invite_not_found", staff.accept_invite, "no-such-token", "a long enough password")

        later = staff.reinvite(ada, newbie.id)
        start = clock.now()
        monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=71, minutes=59))
        assert staff.invite_user(later).id == newbie.id
        monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=72, seconds=1))
        refused("invite_expired", staff.accept_invite, later, "a long enough password")


def test_invites_are_kept_hashed(app, people):
    from warmline.models import StaffInvite

    with app.app_context():
        _, token = staff.add_person(user(people["admin"]), "newbie", ["peer"])
        stored = db.session.scalars(db.select(StaffInvite.token_hash)).all()
        assert token not in stored and accounts.digest(token) in stored


def test_an_account_without_a_password_cannot_sign_in(app, people):
    with app.app_context():
        staff.add_person(user(people["admin"]), "newbie", ["peer"])
        refused("bad_credentials", accounts.authenticate_staff, "newbie", "")
        refused("bad_credentials", accounts.authenticate_staff, "newbie", "not-a-real-password")


def test_credential_validity_by_date(app, people):
    with app.app_context():
        ada = user(people["admin"])
        today = clock.now().date()
        soon = staff.add_credential(
            ada, people["peer"], "certified_peer_specialist", "CPS-1", "PA", today + timedelta(days=30)
        )
        staff.add_credential(ada, people["moderator"], "training", "", "", today + timedelta(days=90))
        staff.add_credential(ada, people["moderator"], "certified_peer_specialist", "", "", today - timedelta(days=1))
        assert credentials.is_valid(soon, today + timedelta(days=30))
        assert not credentials.is_valid(soon, today + timedelta(days=31))
        assert credentials.holds_certified_peer_credential(people["peer"], today)
        assert not credentials.holds_certified_peer_credential(people["moderator"], today)
        expiring = staff.expiring_credentials(today)
        assert [(e.user.username, e.credential.kind) for e in expiring] == [("pat", "certified_peer_specialist")]
        listed = staff.staff_json(user(people["moderator"]))["credentials"]
        assert sorted(c["valid"] for c in listed) == [False, True]
        refused("not_found", staff.add_credential, ada, 999999, "npi")
        refused("invalid", staff.add_credential, ada, people["peer"], "diploma")
        assert date.fromisoformat(staff.staff_json(user(people["peer"]))["credentials"][0]["expires_on"])


def test_supervisor_is_a_coordinator_and_capacity_is_bounded(app, people):
    with app.app_context():
        ada = user(people["admin"])
        assert (
            staff.update(ada, people["peer"], supervisor_id=people["coordinator"]).supervisor_id
            == people["coordinator"]
        )
        refused("invalid", staff.update, ada, people["peer"], supervisor_id=people["moderator"])
        refused("invalid", staff.update, ada, people["peer"], chat_capacity=0)
        assert staff.update(ada, people["peer"], chat_capacity=None).chat_capacity is None


def held_conversation(app, api: Api, member: Api) -> tuple[Socket, Socket, int]:
    peer_sock, member_sock = Socket(app, api), Socket(app, member)
    conversation_id = member_sock.call("chat:request", {"topic": "hard day"})["conversation_id"]
    assert peer_sock.call("chat:accept", {"conversation_id": conversation_id})["ok"]
    member_sock.events("chat:requeued")
    return peer_sock, member_sock, conversation_id


@pytest.mark.parametrize("change", ["disable", "roles", "password"])
def test_signing_out_everywhere_hands_conversations_back(app, api, new_api, change):
    peer_id = on_duty_peer(app, "pat")
    admin_id = make_staff(app, "ada", "admin")
    api.login("pat")
    member = new_api()
    member.join()
    peer_sock, member_sock, conversation_id = held_conversation(app, api, member)
    with app.app_context():
        ada, pat = user(admin_id), user(peer_id)
        if change == "disable":
            staff.update(ada, peer_id, enabled=False)
        elif change == "roles":
            staff.update(ada, peer_id, roles=["peer", "moderator"])
        else:
            accounts.set_password(pat, "a brand new password")
            db.session.commit()
    assert not peer_sock.client.is_connected("/chat")
    assert member_sock.events("chat:requeued") == [{"conversation_id": conversation_id, "reason": "peer_signed_out"}]
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        assert conversation.status == WAITING and conversation.front_of_queue and conversation.peer_id is None
        assert not roster.switched_on(peer_id)
        on = {s.user_id for s in roster.on_shift(clock.now())}
        assert (peer_id in on) is (change != "disable")  # a disabled peer is never on shift
        assert peer_id not in roster.available_peer_ids(clock.now())
        assert chat.queue_snapshot()[0].id == conversation_id
    assert api.get("/api/v1/me").status_code == 401


def test_disabling_with_cancel_future_shifts(app, people):
    with app.app_context():
        ada = user(people["admin"])
        now = clock.now()
        roster.create_shift(ada, people["peer"], "peer", now + timedelta(days=1), now + timedelta(days=1, hours=4))
        assert len(staff.future_shifts(people["peer"])) == 1
        staff.update(ada, people["peer"], enabled=False, cancel_future_shifts=True)
        assert staff.future_shifts(people["peer"]) == []
        assert not user(people["peer"]).is_active
        staff.update(ada, people["peer"], enabled=True)
        assert user(people["peer"]).is_active


def test_each_sweep_closes_this_processes_sockets_whose_sign_in_ended(app, api, new_api):
    """A close lost on the way (Redis down for a moment) is made good by the next sweep."""
    import sqlalchemy as sa

    from warmline.models import AuthSession
    from warmline.realtime import events

    peer_id = make_staff(app, "pat", "peer")
    make_staff(app, "sam", "peer")
    api.login("pat")
    other = new_api()
    other.login("sam")
    pat_sock, sam_sock = Socket(app, api), Socket(app, other)
    with app.app_context():
        assert events.close_ended_sign_ins() == 0
        db.session.execute(sa.update(User).where(User.id == peer_id).values(disabled_at=clock.now()))
        db.session.commit()  # behind the service's back: nothing announced
    assert pat_sock.client.is_connected("/chat")
    with app.app_context():
        assert events.close_ended_sign_ins() == 1
    assert not pat_sock.client.is_connected("/chat") and sam_sock.client.is_connected("/chat")
    with app.app_context():
        db.session.execute(sa.update(AuthSession).values(expires_at=clock.now() - timedelta(seconds=1)))
        db.session.commit()
        assert events.close_ended_sign_ins() == 1
    assert not sam_sock.client.is_connected("/chat")


def test_a_revoked_credential_counts_before_its_day_and_not_from_it(app, people, caplog):
    with app.app_context():
        ada = user(people["admin"])
        today = clock.now().date()
        held = staff.add_credential(ada, people["peer"], "certified_peer_specialist", "CPS-2", "PA", date(2031, 1, 1))
        revoked = staff.revoke_credential(ada, people["peer"], held.id, today + timedelta(days=3))
        assert credentials.revoked_from(revoked) == today + timedelta(days=3)
        assert credentials.is_valid(revoked, today + timedelta(days=2))
        assert not credentials.is_valid(revoked, today + timedelta(days=3))
        assert credentials.holds_certified_peer_credential(people["peer"], today)  # claims already sent stand
        assert not credentials.holds_certified_peer_credential(people["peer"], today + timedelta(days=10))
        [listed] = staff.staff_json(user(people["peer"]))["credentials"]
        assert listed["revoked_from"] == (today + timedelta(days=3)).isoformat() and listed["valid"] is True
        assert "credential_revoked" in caplog.text
        refused("already_revoked", staff.revoke_credential, ada, people["peer"], held.id)
        refused("not_found", staff.revoke_credential, ada, people["moderator"], held.id)  # not theirs
        refused("not_found", staff.revoke_credential, ada, people["peer"], 999999)
        other = staff.add_credential(ada, people["moderator"], "training", "", "", None)
        assert credentials.revoked_from(staff.revoke_credential(ada, people["moderator"], other.id)) == today
