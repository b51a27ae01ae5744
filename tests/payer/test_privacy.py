"""Privacy of payer records: a planted plan member id is reachable by no page or API answer
a peer, moderator or coordinator can open; it is not in the database in clear; every read
is logged and the logs never carry it; the member's page says what is shared and links."""

from __future__ import annotations

import logging
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.payer.support import PAYER, PLANTED_ID, certified_peer, conversation
from tests.payer.test_payer_api import ENROLMENT
from tests.support import make_staff
from tests.test_permissions import fill, routes
from warmline import clock

PLANTED_NAME = "Quillfeather"


@pytest.fixture
def planted(app, new_api):
    make_staff(app, "bea", "billing")
    peer_id = certified_peer(app)
    biller, member = new_api(), new_api()
    biller.login("bea")
    member_id = member.join()["member"]["id"]
    payer_id = biller.post("/api/v1/payers", PAYER).get_json()["payer"]["id"]
    body = {**ENROLMENT, "payer_id": payer_id, "subscriber": {**ENROLMENT["subscriber"], "last_name": PLANTED_NAME}}
    created = biller.post("/api/v1/enrolments", body).get_json()
    assert member.post("/api/v1/me/enrolment", {"link_code": created["link_code"]}).status_code == 200
    with app.app_context():
        cid = conversation(member_id, peer_id, clock.now() + timedelta(minutes=2), 30)
    # The billing staff read it (and export it): the reads must not leak either.
    assert biller.get(f"/api/v1/enrolments/{created['enrolment']['id']}").status_code == 200
    assert biller.get("/api/v1/claims.837p", query_string={"payer_id": payer_id}).status_code in (200, 409)
    return {
        "member": member,
        "member_id": member_id,
        "peer_id": peer_id,
        "conversation_id": cid,
        "enrolment_id": created["enrolment"]["id"],
    }


def _answers(app, api, extra_paths=()):
    """Every GET route, with sample arguments and the real ids filled in where they exist."""
    for rule, method in routes(app):
        if method != "GET":
            continue
        yield rule.rule, api.get(fill(app, rule, method))
    for path in extra_paths:
        yield path, api.get(path)


@pytest.mark.parametrize("role", ["peer", "moderator", "coordinator"])
def test_planted_id_is_not_reachable(app, new_api, planted, role):
    api = new_api()
    if role == "peer":
        from tests.support import PASSWORD

        with app.app_context():
            from warmline.extensions import db
            from warmline.models import User

            username = db.session.get(User, planted["peer_id"]).username
        api.login(username, PASSWORD)
    else:
        make_staff(app, f"someone_{role}", role)
        api.login(f"someone_{role}")
    cid, eid = planted["conversation_id"], planted["enrolment_id"]
    extra = [
        f"/api/v1/conversations/{cid}/transcript",
        "/api/v1/encounters?from=2000-01-01&to=2000-12-31",
        "/api/v1/encounters",
        f"/api/v1/enrolments/{eid}",
        "/api/v1/enrolments",
        "/billing",
        f"/billing/enrolments/{eid}",
        "/console",
        "/account",
    ]
    checked = 0
    for path, response in _answers(app, api, extra):
        text = response.get_data(as_text=True)
        assert PLANTED_ID not in text, (role, path)
        assert PLANTED_NAME.upper() not in text.upper(), (role, path)
        checked += 1
    assert checked > 20


def test_member_sees_the_link_but_not_the_plan_member_id(app, planted):
    page = planted["member"].get("/account").get_data(as_text=True)
    assert "Evergreen Health Plan" in page and "Remove the link" in page
    assert PLANTED_ID not in page and PLANTED_NAME not in page
    assert "Never what was said" in page


def test_member_page_discloses_before_linking(app, new_api):
    member = new_api()
    member.join()
    page = member.get("/account").get_data(as_text=True)
    assert "Link a plan referral code" in page
    for words in ("the date", "minutes of service", "service code", "Never what was said", "remove it at any time"):
        assert words in page


def test_member_links_and_removes_on_the_page(app, new_api):
    make_staff(app, "bea", "billing")
    biller, member = new_api(), new_api()
    biller.login("bea")
    member.join()
    payer_id = biller.post("/api/v1/payers", PAYER).get_json()["payer"]["id"]
    code = biller.post("/api/v1/enrolments", {**ENROLMENT, "payer_id": payer_id}).get_json()["link_code"]
    csrf = member.csrf_token
    wrong = member.client.post("/account/enrolment", data={"link_code": "NOPE-NOPE-NOPE", "csrf_token": csrf})
    assert wrong.status_code == 404 and "not known" in wrong.get_data(as_text=True)
    linked = member.client.post("/account/enrolment", data={"link_code": code.lower(), "csrf_token": csrf})
    assert linked.status_code == 302
    assert "Remove the link" in member.get("/account").get_data(as_text=True)
    member.client.post("/account/enrolment/remove", data={"csrf_token": csrf})
    assert member.get("/api/v1/me/enrolment").get_json()["enrolment"] is None


def test_encrypted_at_rest(app, planted, database_url, tmp_path):
    if database_url.startswith("sqlite"):
        raw = Path(database_url.removeprefix("sqlite:///")).read_bytes()
    else:
        url = sa.engine.make_url(database_url)
        dump = subprocess.run(
            ["pg_dump", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
            + [url.database or ""],
            capture_output=True,
            check=False,
        )
        if dump.returncode != 0:
            pytest.skip(f"pg_dump unavailable: {dump.stderr[:200]!r}")
        raw = dump.stdout
        assert b"enrolments" in raw
    assert PLANTED_ID.encode() not in raw
    assert PLANTED_NAME.encode() not in raw
    assert b"F32.9" not in raw
    # Nor which account is linked: the link names it by a keyed hash and a token.
    with app.app_context():
        from warmline.extensions import db
        from warmline.models import MemberLink

        link = db.session.scalars(sa.select(MemberLink)).one()
        assert link.member_key != str(planted["member_id"]) and link.member_id_enc != str(planted["member_id"])
        columns = sa.inspect(db.engine).get_columns("member_links")
        assert "member_id" not in {c["name"] for c in columns}


def test_reads_are_logged_without_values(app, new_api, caplog):
    from warmline.extensions import db
    from warmline.models import PhiRead

    caplog.set_level(logging.INFO)
    make_staff(app, "bea", "billing")
    make_staff(app, "ada", "admin")
    biller, admin = new_api(), new_api()
    biller.login("bea")
    admin.login("ada")
    payer_id = biller.post("/api/v1/payers", PAYER).get_json()["payer"]["id"]
    eid = biller.post("/api/v1/enrolments", {**ENROLMENT, "payer_id": payer_id}).get_json()["enrolment"]["id"]
    biller.get(f"/api/v1/enrolments/{eid}")
    biller.get("/api/v1/encounters")
    with app.app_context():
        reads = list(db.session.scalars(sa.select(PhiRead).order_by(PhiRead.id)))
        assert [(r.what, r.enrolment_id) for r in reads] == [("enrolment", eid), ("member_links", None)]
        assert all(r.reader_id is not None and r.at is not None for r in reads)
    log = admin.get("/api/v1/phi-reads").get_json()["reads"]
    assert {r["what"] for r in log} == {"enrolment", "member_links"}
    assert biller.get("/api/v1/phi-reads").status_code == 403
    assert any(getattr(r, "event", None) == "phi_read" for r in caplog.records)
    assert PLANTED_ID not in caplog.text


def test_logs_never_tie_an_account_to_an_enrolment(app, planted, caplog):
    caplog.set_level(logging.INFO)
    planted["member"].delete("/api/v1/me/enrolment")
    unlinked = [r for r in caplog.records if getattr(r, "event", None) == "member_unlinked"]
    assert unlinked and unlinked[0].actor["user_id"] is None and not hasattr(unlinked[0], "enrolment_id")


def test_features_off_without_a_key(database_url):
    """Without a key the payer API refuses and says how, and /billing explains."""
    from tests.conftest import TEST_CONFIG
    from tests.support import Api
    from warmline import create_app

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "PHI_KEY": None})
    make_staff(app, "bea", "billing")
    api = Api(app.test_client())
    api.login("bea")
    answer = api.post("/api/v1/payers", PAYER)
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "payer_features_off"
    assert "WARMLINE_PHI_KEY" in answer.get_json()["error"]["message"]
    page = api.get("/billing").get_data(as_text=True)
    assert "Payer features are off" in page and "WARMLINE_PHI_KEY" in page
    member = Api(app.test_client())
    member.join()
    assert "referral code" not in member.get("/account").get_data(as_text=True)
    with app.app_context():
        from warmline.extensions import db

        db.engine.dispose()


def test_a_bad_key_stops_the_start(monkeypatch, tmp_path):
    from warmline import config

    monkeypatch.setenv("WARMLINE_PHI_KEY", "not-a-key")
    with pytest.raises(RuntimeError, match="WARMLINE_PHI_KEY"):
        config.from_environment(tmp_path)


def test_only_the_phi_service_encrypts():
    """One module owns the PHI key: nothing else reads it. The cipher is used only there and
    in services/mfa.py, which seals staff two-factor secrets under a key of its own (derived
    from SECRET_KEY) and never sees payer data."""
    root = Path(__file__).resolve().parents[2] / "warmline"

    def users_of(*words: str) -> list[str]:
        return sorted(
            str(path.relative_to(root)) for path in root.rglob("*.py") if any(w in path.read_text() for w in words)
        )

    assert users_of('"PHI_KEY"', '"PHI_OLD_KEYS"') == ["config.py", "services/phi.py"]
    assert users_of("cryptography", "Fernet") == ["services/mfa.py", "services/phi.py"]
    assert "phi" not in (root / "services" / "mfa.py").read_text().lower()
