"""The reports pages: figures first, SVG charts each with its table, presets, the funder's
summary with the small-cell rule, and the coded lists page."""

from __future__ import annotations

import re
from datetime import date

from tests.report_support import conversation, utc
from tests.support import make_staff
from warmline.extensions import db
from warmline.models import ContactNote, Conversation
from warmline.services import accounts, coding
from warmline.web.reports import presets


def test_presets():
    assert presets(date(2026, 12, 2)) == [
        ("This month", date(2026, 12, 1), date(2026, 12, 31)),
        ("Last month", date(2026, 11, 1), date(2026, 11, 30)),
        ("Last quarter", date(2026, 7, 1), date(2026, 9, 30)),
    ]
    assert presets(date(2027, 1, 15))[1:] == [
        ("Last month", date(2026, 12, 1), date(2026, 12, 31)),
        ("Last quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ]


def seed(app, answered: int = 3, unanswered: int = 2) -> None:
    with app.app_context():
        peer = make_staff(app, "pat", "peer")
        member, _ = accounts.create_member()
        db.session.commit()
        for i in range(answered):
            conversation(member.id, utc(f"2026-10-0{i + 1}T15:00:00"), answered_after=20, ended_after=620, peer_id=peer)
        for i in range(unanswered):
            conversation(member.id, utc(f"2026-10-0{i + 1}T16:00:00"), ended_after=90)
        db.session.commit()
        topic = coding.add_code("topic", "Housing")
        for c in db.session.scalars(db.select(Conversation).where(Conversation.peer_id == peer)):
            note = ContactNote(conversation_id=c.id, peer_id=peer, distress_start=6, distress_end=4)
            db.session.add(note)
            coding.set_note_codes(note, [topic.id])
        db.session.commit()


def test_the_report_page(app, api):
    seed(app)
    make_staff(app, "casey", "coordinator")
    api.login("casey")
    page = api.get("/reports?from=2026-10-01&to=2026-10-31")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'data-figure="offered">5<', html) and re.search(r'data-figure="answered">3<', html)
    assert 'data-figure="distress_change">-2.0<' in html
    assert html.count("<svg") == 5 and html.count("<table") >= 5
    assert " style=" not in html and "<script>" not in html
    assert "2026-10-01" in html and "Housing" in html and ">pat<" in html  # by day, topics, by peer
    assert "/api/v1/reports/contacts.csv?from=2026-10-01&amp;to=2026-11-01" in html
    assert "Reports" in api.get("/").get_data(as_text=True)  # in the navigation


def test_peers_cannot_open_reports(app, api):
    make_staff(app, "pat", "peer")
    api.login("pat")
    assert api.get("/reports").status_code == 403
    assert api.get("/reports/summary").status_code == 403
    assert api.get("/api/v1/reports/contacts").status_code == 403


def test_the_funder_summary_suppresses_small_cells(app, api):
    seed(app)
    make_staff(app, "casey", "coordinator")
    api.login("casey")
    html = api.get("/reports/summary?month=2026-10").get_data(as_text=True)
    assert "Warmline: October 2026" in html
    assert re.search(r'data-figure="offered">5<', html)  # a total, not a breakdown cell
    assert "<td>&lt;11</td>" in html and "Housing</th><td>&lt;11" in html
    app.config["REPORT_SMALL_CELL_RULE"] = False
    html = api.get("/reports/summary?month=2026-10").get_data(as_text=True)
    assert "&lt;11</td>" not in html and "Housing</th><td>3" in html and "Internal use" in html


def test_the_lists_page(app, api):
    make_staff(app, "casey", "coordinator")
    api.login("casey")
    form = {"csrf_token": api.csrf_token}
    assert api.client.post("/reports/codes", data={**form, "kind": "referral", "label": "Food bank"}).status_code == 302
    html = api.get("/reports/codes").get_data(as_text=True)
    assert "Food bank" in html
    with app.app_context():
        [code] = coding.codes("referral")
        code_id = code.id
    api.client.post(f"/reports/codes/{code_id}/retire", data=form)
    assert "off the list" in api.get("/reports/codes").get_data(as_text=True)
