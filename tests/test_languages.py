"""Languages: the locale rule, the member's choice remembered, the language on the peers'
queue item, peers' declared languages and "accept next" preferring a match."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from werkzeug.datastructures import LanguageAccept

from tests.chat_support import Socket, on_duty_peer
from warmline.errors import WarmlineError
from warmline.extensions import db
from warmline.i18n import choose_locale
from warmline.models import User
from warmline.services import languages


def accept(header: list[tuple[str, float]]) -> LanguageAccept:
    return LanguageAccept(header)


@pytest.mark.parametrize(
    ("account", "cookie", "header", "expected"),
    [
        (None, None, [], "en"),
        (None, None, [("es-MX", 1), ("en", 0.5)], "es"),
        (None, None, [("fr", 1), ("es", 0.3)], "es"),
        (None, None, [("fr", 1)], "en"),
        (None, None, [("es_US", 0.9), ("en-US", 1)], "en"),
        (None, None, [("en-GB", 1), ("es", 0)], "en"),
        (None, "es", [("en", 1)], "es"),
        (None, "de", [("es", 1)], "es"),
        ("en", "es", [("es", 1)], "en"),
        ("es", None, [("en", 1)], "es"),
    ],
)
def test_locale_rule(account, cookie, header, expected):
    assert choose_locale(account, cookie, accept(header)) == expected


def test_browser_language_then_the_members_choice_remembered(api):
    home = api.get("/", headers={"Accept-Language": "es-US,es;q=0.9"})
    assert '<html lang="es">' in home.get_data(as_text=True)
    joined = api.join()
    chosen = api.client.post("/language", data={"csrf_token": api.csrf_token, "language": "en", "next": "/forums"})
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/forums")
    # The account remembers it even where the browser asks for Spanish and has no cookie.
    api.client.delete_cookie("warmline_language")
    assert '<html lang="en">' in api.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    api.client.post("/language", data={"csrf_token": api.csrf_token, "language": "es", "next": "/"})
    page = api.get("/chat", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "Salida rápida" in page
    assert joined


def test_choice_is_kept_in_a_cookie_before_joining(client):
    from tests.support import Api

    api = Api(client)
    api.client.post("/language", data={"csrf_token": api.csrf_token, "language": "es", "next": "//evil.example"})
    page = api.get("/join", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Únete de forma anónima" in page or "anónim" in page


def test_queue_item_carries_the_members_language(app, api, new_api):
    api.join()
    api.client.post("/language", data={"csrf_token": api.csrf_token, "language": "es", "next": "/"})
    member = Socket(app, api)
    on_duty_peer(app, "pat")
    peer_browser = new_api()
    peer_browser.login("pat")
    peer = Socket(app, peer_browser)
    asked = member.call("chat:request", {"topic": "hola"})
    assert asked["ok"], asked
    item = peer.events("queue:update")[-1]["items"][0]
    assert item["language"] == "es"


def test_peers_declare_languages(app):
    from tests.support import make_staff

    pat = make_staff(app, "pat", "peer")
    with app.app_context():
        user = db.session.get(User, pat)
        assert languages.peer_languages(user) == ["en"]
        assert languages.set_peer_languages(user, ["ES", "en"]) == ["en", "es"]
        assert db.session.get(User, pat).languages == "en,es"
        with pytest.raises(WarmlineError):
            languages.set_peer_languages(user, ["klingon"])


def test_accept_next_prefers_a_language_match_within_a_risk_only():
    def item(name, risk, language):
        return SimpleNamespace(name=name, risk_rank=risk, language=language)

    queue = [item("a", 2, "en"), item("b", 2, "es"), item("c", 0, "en"), item("d", 0, "es"), item("e", 0, "es")]
    by_risk = {"tier_of": lambda i: i.risk_rank}
    assert [i.name for i in languages.prefer_language(queue, ["es"], **by_risk)] == ["b", "a", "d", "e", "c"]
    # Nobody waiting in the peer's language: the order stays as it was.
    assert [i.name for i in languages.prefer_language(queue, ["fr"], **by_risk)] == ["a", "b", "c", "d", "e"]
    assert [i.name for i in languages.prefer_language(queue, ["en", "es"], **by_risk)] == ["a", "b", "c", "d", "e"]
    assert languages.language_mismatch("es", ["en"]) == 1 and languages.language_mismatch(None, ["en"]) == 0


def test_cli_sets_a_peers_languages(app, runner):
    from tests.support import make_staff

    make_staff(app, "pat", "peer")
    result = runner.invoke(args=["users", "set-languages", "pat", "--language", "es", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert "speaks en, es" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(User.languages).where(User.username == "pat")) == "en,es"


def test_a_fresh_clone_compiles_its_catalogues(tmp_path):
    """The .mo files are built, not committed: the app builds a missing or stale one."""
    import shutil

    from babel.support import Translations

    from warmline.i18n import TRANSLATIONS, compile_catalogues

    target = tmp_path / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(TRANSLATIONS / "es/LC_MESSAGES/messages.po", target / "messages.po")
    compile_catalogues(tmp_path)
    spanish = Translations.load(str(tmp_path), ["es"])
    assert spanish.gettext("Quick exit") == "Salida rápida"
    assert spanish.ngettext("%(num)d reply", "%(num)d replies", 2) == "%(num)d respuestas"


def test_language_order_term_for_the_queue_query(app, new_api):
    import sqlalchemy as sa

    from warmline.models import Conversation

    with app.app_context():
        ids = []
        for language in ("en", "es", "en", "es"):
            member = User(handle=f"m{len(ids)}", handle_key=f"m{len(ids)}")
            db.session.add(member)
            db.session.flush()
            conversation = Conversation(member_id=member.id, language=language)
            db.session.add(conversation)
            db.session.flush()
            ids.append(conversation.id)
        db.session.commit()
        ordered = db.session.scalars(
            sa.select(Conversation.id).order_by(languages.language_mismatch_sql(["es"]), Conversation.id)
        ).all()
        assert ordered == [ids[1], ids[3], ids[0], ids[2]]


def test_validation_errors_are_in_the_readers_language(api):
    spanish, english = {"Accept-Language": "es"}, {"Accept-Language": "en"}
    unknown = api.post("/api/v1/members", {"bogus": 1}, headers=spanish).get_json()["error"]
    assert unknown == {"code": "invalid", "message": "Campo desconocido: bogus.", "field": "bogus"}
    too_long = api.post("/api/v1/members", {"handle": "x" * 65}, headers=spanish).get_json()["error"]
    assert too_long["message"] == "handle puede tener como máximo 64 caracteres."
    assert api.post("/api/v1/members", {"bogus": 1}, headers=english).get_json()["error"]["message"] == (
        "Unknown field: bogus."
    )
    assert api.post("/api/v1/members", {"handle": 5}, headers=english).get_json()["error"]["message"] == (
        "handle must be text."
    )
