"""Rotating the PHI key: the new key writes, the old ones still read until `billing rotate-key`
has re-encrypted every detail and re-hashed every link; then the old key can go."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from tests.payer.support import PLANTED_ID, TEST_PHI_KEY, user

NEW_KEY = Fernet.generate_key().decode()


def keys(app, current: str, *old: str) -> None:
    app.config.update(PHI_KEY=current, PHI_OLD_KEYS=list(old))


def plan_member_id(setting) -> str:
    from warmline.services import phi

    return phi.details(user(setting["biller"]), [setting["enrolment"]], "check")[setting["enrolment"]]["plan_member_id"]


def linked(setting) -> bool:
    from warmline.services import phi

    return phi.my_link(user(setting["member"])) is not None


def test_the_new_key_reads_the_old_details_through_the_old_key_until_rotated(app, setting, caplog):
    from warmline.extensions import db
    from warmline.models import Enrolment, MemberLink, PhiRead
    from warmline.services import phi

    caplog.set_level(logging.INFO)
    with app.app_context():
        keys(app, NEW_KEY, TEST_PHI_KEY)
        assert plan_member_id(setting) == PLANTED_ID and linked(setting)  # mid-rotation: both keys read

        rotated = phi.rotate_key()
        assert (rotated.enrolments, rotated.links, rotated.old_keys) == (1, 1, 1)
        enrolment = db.session.get(Enrolment, setting["enrolment"])
        assert Fernet(NEW_KEY.encode()).decrypt(enrolment.plan_member_id_enc.encode()).decode() == PLANTED_ID
        with pytest.raises(InvalidToken):
            Fernet(TEST_PHI_KEY.encode()).decrypt(enrolment.subscriber_enc.encode())
        link = db.session.scalars(sa.select(MemberLink)).one()
        assert Fernet(NEW_KEY.encode()).decrypt(link.member_id_enc.encode()).decode() == str(setting["member"])
        [logged] = db.session.scalars(sa.select(PhiRead).where(PhiRead.what == "key_rotation")).all()
        assert logged.reader_id is None and "1 enrolments" in logged.detail

        keys(app, NEW_KEY)  # the old key is gone: everything still reads, the link is still found
        assert plan_member_id(setting) == PLANTED_ID and linked(setting)
        spans = phi.links_of_members(user(setting["biller"]), [setting["member"]], "check")
        assert [s.enrolment_id for s in spans[setting["member"]]] == [setting["enrolment"]]
    assert any(getattr(r, "event", None) == "phi_key_rotated" for r in caplog.records)
    assert PLANTED_ID not in caplog.text


def test_without_the_key_that_wrote_it_nothing_is_changed(app, setting):
    from warmline.errors import WarmlineError
    from warmline.extensions import db
    from warmline.models import Enrolment
    from warmline.services import phi

    with app.app_context():
        before = db.session.get(Enrolment, setting["enrolment"]).plan_member_id_enc
        keys(app, NEW_KEY)  # the old key forgotten
        with pytest.raises(WarmlineError) as refused:
            phi.rotate_key()
        assert refused.value.code == "phi_unreadable"
        db.session.expire_all()
        assert db.session.get(Enrolment, setting["enrolment"]).plan_member_id_enc == before
        keys(app, TEST_PHI_KEY)
        assert plan_member_id(setting) == PLANTED_ID and linked(setting)


def test_the_rotate_command_says_what_it_did_and_what_is_next(app, setting):
    runner = app.test_cli_runner()
    keys(app, NEW_KEY, TEST_PHI_KEY)
    done = runner.invoke(args=["billing", "rotate-key"])
    assert done.exit_code == 0, done.output
    assert "re-encrypted 1 enrolments and 1 member links" in done.output and "can now be removed" in done.output
    keys(app, Fernet.generate_key().decode())  # a key that never wrote anything
    refused = runner.invoke(args=["billing", "rotate-key"])
    assert refused.exit_code != 0 and "Nothing was changed" in refused.output
    keys(app, None)
    assert "Payer features are off" in runner.invoke(args=["billing", "rotate-key"]).output


def test_a_bad_old_key_stops_the_start(monkeypatch, tmp_path):
    from warmline import config

    monkeypatch.setenv("WARMLINE_PHI_KEY", TEST_PHI_KEY)
    monkeypatch.setenv("WARMLINE_PHI_OLD_KEYS", f"{NEW_KEY}, not-a-key")
    with pytest.raises(RuntimeError, match="WARMLINE_PHI_OLD_KEYS"):
        config.from_environment(tmp_path)
    monkeypatch.setenv("WARMLINE_PHI_OLD_KEYS", f"{NEW_KEY} ,")
    assert config.from_environment(tmp_path)["PHI_OLD_KEYS"] == [NEW_KEY]
