"""Payer-record tests: the app has a PHI key (payer features on); `setting` is a biller, a
certified peer with a supervisor, a payer and a member enrolled and linked before BASE."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import TEST_CONFIG
from tests.payer.support import BASE, TEST_PHI_KEY, certified_peer, enrol, link, make_payer, new_member
from tests.support import make_staff


@pytest.fixture
def app(database_url: str):
    """Overrides conftest's `app`: the same, with payer features on."""
    from warmline import create_app
    from warmline.extensions import db

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "PHI_KEY": TEST_PHI_KEY})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def setting(app, monkeypatch):
    """A biller, a certified peer, a payer and a member enrolled and linked before BASE."""
    biller = make_staff(app, "bea", "billing")
    coordinator = make_staff(app, "cora", "coordinator")
    peer = certified_peer(app, supervisor=coordinator)
    with app.app_context():
        payer = make_payer()
        member = new_member()
        enrolment, code = enrol(biller, payer)
        link(monkeypatch, member, code, BASE - timedelta(days=1))
    return {
        "biller": biller,
        "coordinator": coordinator,
        "peer": peer,
        "payer": payer,
        "member": member,
        "enrolment": enrolment,
    }
