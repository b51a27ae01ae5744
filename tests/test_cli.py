"""The command line: staff accounts and demo data."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from warmline.extensions import db
from warmline.models import User


def test_users_create_with_roles(app, runner):
    result = runner.invoke(
        args=["users", "create", "casey", "--password", "long enough pass", "--role", "coordinator", "--role", "peer"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "casey"))
        assert user.roles == ["coordinator", "peer"]


def test_users_create_reads_password_from_stdin_and_uses_scrypt(app, runner):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    result = runner.invoke(
        args=["users", "create", "pat", "--password", "-", "--role", "peer"], input="from stdin 123\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "pat"))
        assert user.password_hash.startswith("scrypt:")
        assert check_password_hash(user.password_hash, "from stdin 123")


def test_users_create_refuses_bad_input_and_duplicates(app, runner):
    assert runner.invoke(args=["users", "create", "pat", "--password", "short", "--role", "peer"]).exit_code != 0
    assert (
        runner.invoke(args=["users", "create", "pat", "--password", "long enough pass", "--role", "member"]).exit_code
        != 0
    )
    assert (
        runner.invoke(args=["users", "create", "pat", "--password", "long enough pass", "--role", "peer"]).exit_code
        == 0
    )
    again = runner.invoke(args=["users", "create", "pat", "--password", "long enough pass", "--role", "peer"])
    assert again.exit_code != 0 and "taken" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_unknown_user_commands_fail_clearly(runner):
    result = runner.invoke(args=["users", "disable", "ghost"])
    assert result.exit_code != 0 and "ghost" in result.output


def test_demo_load_prints_logins_and_loads_once(app, runner):
    first = runner.invoke(args=["demo", "load", "--if-empty"])
    assert first.exit_code == 0 and "casey" in first.output and "warmline-demo" in first.output
    second = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "nothing loaded" in second.output
    with app.app_context():
        roles = {u.username: u.roles for u in db.session.scalars(sa.select(User))}
    assert roles["casey"] == ["coordinator"]
    assert sum("peer" in r for r in roles.values()) == 2
    assert any("moderator" in r for r in roles.values())


def test_demo_loads_three_forums_and_a_week_of_shifts(app, runner):
    from warmline.models import Forum, Shift

    runner.invoke(args=["demo", "load"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Forum)) == 3
        shifts = list(db.session.scalars(sa.select(Shift)))
        assert {s.role for s in shifts} == {"peer", "moderator", "on_call_coordinator"}
        days = {s.starts_at.date() for s in shifts}
        assert len(days) >= 7
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Forum)) == 3


def test_demo_loads_a_resource_directory_and_shared_replies_once(app, runner):
    from warmline.models import CannedResponse, Resource
    from warmline.services import resources

    runner.invoke(args=["demo", "load"])
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Resource)) == 6
        assert [r.name for r in resources.search("food")] == ["Eastside Community Food Pantry"]
        shortcuts = set(db.session.scalars(sa.select(CannedResponse.shortcut).where(CannedResponse.owner_id.is_(None))))
        assert shortcuts == {"hi", "safe", "bye"}


def test_enable_and_reset_two_factor_from_the_command_line(app, runner):
    from tests.support import make_staff
    from warmline.extensions import db
    from warmline.models import User
    from warmline.services import mfa

    user_id = make_staff(app, "pat", "peer")
    assert runner.invoke(args=["users", "disable", "pat"]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "pat"]).exit_code == 0
    with app.test_request_context():
        pat = db.session.get(User, user_id)
        assert pat.is_active
        mfa.begin(pat)
        pat.mfa_enabled_at = pat.created_at
        db.session.commit()
    result = runner.invoke(args=["users", "reset-mfa", "pat"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert not db.session.get(User, user_id).mfa_enabled
