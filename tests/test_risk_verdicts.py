"""Moderators' verdicts on the risk detector's readings: recorded with a moderation action
(page and API), refused when they cannot apply (nothing else changed), counted for the
moderation page and the report, and written out as corpus lines for review."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.support import error_of, make_staff
from tests.test_forum import new_thread, trusted_member
from tests.test_shift_pages import sign_in
from warmline import clock
from warmline.extensions import db
from warmline.models import Post, RiskVerdict
from warmline.risk import corpus
from warmline.services import risk_verdicts

RISKY = "I want to kill myself"


@pytest.fixture
def posts(app, new_api, board):
    """A held post the detector read as a risk, and a new member's first post (held for
    review, read as none)."""
    member = trusted_member(new_api, board)
    held = new_thread(member, "tonight", RISKY).get_json()["post"]
    newcomer = new_api()
    newcomer.join()
    first = new_thread(newcomer, "hi", "my cat knocked over\tthe plant\nagain").get_json()["post"]
    assert held["status"] == first["status"] == "pending"
    return held["id"], first["id"]


def verdict_of(app, post_id: int) -> tuple[str, str] | None:
    with app.app_context():
        found = db.session.scalar(sa.select(RiskVerdict).where(RiskVerdict.post_id == post_id))
        return (found.verdict, found.detector_level) if found else None


def test_a_verdict_comes_with_the_action_and_a_wrong_one_changes_nothing(app, board, posts):
    held, first = posts
    refused = board.post(f"/api/v1/moderation/posts/{first}", {"action": "approve", "risk_verdict": "harmless"})
    assert refused.status_code == 400 and error_of(refused)["field"] == "risk_verdict"
    assert "read this post as none" in error_of(refused)["message"]
    with app.app_context():
        assert db.session.get(Post, first).status == "pending"  # not approved either
    unknown = board.post(f"/api/v1/moderation/posts/{held}", {"action": "approve", "risk_verdict": "maybe"})
    assert unknown.status_code == 400 and verdict_of(app, held) is None

    done = board.post(f"/api/v1/moderation/posts/{held}", {"action": "approve", "risk_verdict": "harmless"})
    assert done.status_code == 200 and done.get_json()["post"]["status"] == "published"
    level = verdict_of(app, held)[1]
    assert verdict_of(app, held) == ("harmless", level) and level in ("high", "imminent")
    # A second word on the same post replaces the first.
    board.post(f"/api/v1/moderation/posts/{held}", {"action": "hide", "risk_verdict": "right"})
    assert verdict_of(app, held) == ("right", level)
    missed = board.post(f"/api/v1/moderation/posts/{first}", {"action": "approve", "risk_verdict": "missed"})
    assert missed.status_code == 200 and verdict_of(app, first) == ("missed", "none")
    plain = board.post(f"/api/v1/moderation/posts/{first}", {"action": "hide"})
    assert plain.status_code == 200 and verdict_of(app, first) == ("missed", "none")  # no answer keeps it


def test_the_page_offers_the_verdicts_that_fit_and_shows_the_counts(app, board, posts):
    held, first = posts
    make_staff(app, "mona", "moderator")
    client, token = sign_in(app, "mona")
    page = client.get("/moderation").get_data(as_text=True)
    sections = page.split('<section class="panel review')
    [held_form] = [s for s in sections if f"/moderation/posts/{held}" in s]
    [first_form] = [s for s in sections if f"/moderation/posts/{first}" in s]
    assert 'value="harmless"' in held_form and 'value="missed"' not in held_form
    assert 'value="missed"' in first_form and 'value="harmless"' not in first_form
    assert "The risk detector read it as none. Was it right?" in first_form
    answer = client.post(
        f"/moderation/posts/{held}", data={"csrf_token": token, "action": "approve", "risk_verdict": "harmless"}
    )
    assert answer.status_code == 302 and verdict_of(app, held)[0] == "harmless"
    client.post(f"/moderation/posts/{first}", data={"csrf_token": token, "action": "approve", "risk_verdict": ""})
    assert verdict_of(app, first) is None
    shown = client.get("/moderation").get_data(as_text=True)
    assert "held for urgent review: 1. Your verdicts on its readings: 0 right, 1 not a risk, 0 risks it missed" in shown
    assert "of the held posts judged, 100% were not a risk" in shown


def test_the_report_counts_by_verdict_and_level(app, new_api, board, posts):
    held, first = posts
    board.post(f"/api/v1/moderation/posts/{held}", {"action": "approve", "risk_verdict": "right"})
    board.post(f"/api/v1/moderation/posts/{first}", {"action": "approve", "risk_verdict": "missed"})
    make_staff(app, "cora", "coordinator")
    coordinator = new_api()
    coordinator.login("cora")
    report = coordinator.get("/api/v1/reports/risk-verdicts").get_json()
    level = verdict_of(app, held)[1]
    assert report["posts_held"] == 1 and report["verdicts"] == {"right": 1, "harmless": 0, "missed": 1}
    assert report["by_level"][level]["right"] == 1 and report["by_level"]["none"]["missed"] == 1
    assert report["held_judged_harmless"] == 0.0
    assert board.get("/api/v1/reports/risk-verdicts").status_code == 200  # moderators read it too
    page = coordinator.get("/reports").get_data(as_text=True)
    assert "Posts the risk detector held for urgent review: 1." in page
    said = "Moderators&#39; verdicts on its readings: 1 right, 0 not a risk, 1 risks it missed"
    assert f"{said}; of the held posts judged, 0%" in page
    earlier = (clock.now() - timedelta(days=90)).date().isoformat()
    empty = coordinator.get(f"/api/v1/reports/risk-verdicts?from={earlier}&to={earlier}T12:00:00Z").get_json()
    assert empty["posts_held"] == 0 and empty["held_judged_harmless"] is None


def test_review_lines_are_for_a_person_and_the_corpus_refuses_them_unreviewed(app, board, posts, tmp_path):
    held, first = posts
    board.post(f"/api/v1/moderation/posts/{held}", {"action": "approve", "risk_verdict": "harmless"})
    board.post(f"/api/v1/moderation/posts/{first}", {"action": "approve", "risk_verdict": "missed"})
    out = tmp_path / "review.tsv"
    result = app.test_cli_runner().invoke(args=["risk", "verdicts", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 lines to review" in result.output and RISKY not in result.output
    assert os.stat(out).st_mode & 0o777 == 0o600
    lines = out.read_text().splitlines()
    assert lines[0].startswith(f"# post {held}, ") and "judged harmless: choose a neg_* category" in lines[0]
    assert lines[1] == f"none\tCHOOSE\ten\t{RISKY}"
    assert "judged a risk it missed" in lines[2] and lines[3] == "high\tCHOOSE\ten\tmy cat knocked over the plant again"
    with pytest.raises(corpus.CorpusError, match="CHOOSE"):
        corpus.parse(lines, "review.tsv")

    with app.app_context():
        db.session.get(Post, first).deleted_at = clock.now()  # the author deleted it
        post = db.session.get(Post, held)
        post.body, post.edited_at = "x" * 400, clock.now() - timedelta(days=1)  # edited before the verdict
        db.session.commit()
        [comment, line] = risk_verdicts.review_lines()
        assert "400 characters: cut to the part that decides" in comment and line.endswith("x" * 400)
        assert risk_verdicts.review_lines(clock.now() + timedelta(minutes=1)) == []
        post.edited_at = clock.now() + timedelta(minutes=1)  # edited after it: not the text judged
        db.session.commit()
        assert risk_verdicts.review_lines() == []
