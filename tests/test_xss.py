"""The OWASP XSS filter-evasion vectors through every field a member writes (titles, bodies,
content warnings, flag reasons, handles): none survives as markup or as a javascript: URL,
on any page or in any API answer."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.test_security import audit_page
from warmline.sanitize import ALLOWED_TAGS

VECTORS = [v for v in (Path(__file__).parent / "data" / "xss_vectors.txt").read_text().splitlines() if v.strip()]


def test_there_are_at_least_fifty_vectors():
    assert len(VECTORS) >= 50


def assert_no_markup_in_json(text: str) -> None:
    assert "<" not in text and ">" not in text, "an API answer carries raw markup"


class _Fragment(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name not in ("href", "rel") or tag != "a":
                self.problems.append(f"{tag} {name}=")
            if name == "href" and urlsplit((value or "").strip()).scheme.lower() not in ("http", "https", "mailto"):
                self.problems.append(f"href {value!r}")


def assert_safe_html_fragment(html: str) -> None:
    """Only the allow-listed tags, only href/rel on links, only http(s) and mailto links.
    Text that merely mentions "javascript:" is text, not a URL."""
    parser = _Fragment()
    parser.feed(html)
    assert parser.problems == [], (parser.problems, html)


def test_vectors_through_every_member_field(app, new_api, board):
    author, flagger = new_api(), new_api()
    author.join()
    flagger.join()
    thread_ids = []
    for vector in VECTORS:
        written = author.post(
            "/api/v1/forums/daily-check-in/threads",
            {"title": vector[:150], "body": vector, "content_warning": vector[:150]},
        )
        assert written.status_code == 201, written.get_json()
        assert_no_markup_in_json(written.get_data(as_text=True))
        post = written.get_json()["post"]
        assert_safe_html_fragment(post["body_html"])
        thread_ids.append(written.get_json()["thread"]["id"])
        board.post(f"/api/v1/moderation/posts/{post['id']}", {"action": "approve"})
        flagged = flagger.post(f"/api/v1/posts/{post['id']}/flags", {"reason": vector[:300]})
        assert flagged.status_code == 201
    for client, paths in [
        (author.client, ["/forums/daily-check-in", "/notices"] + [f"/threads/{t}" for t in thread_ids]),
        (board.client, ["/moderation"]),
    ]:
        for path in paths:
            html = client.get(path).get_data(as_text=True)
            assert audit_page(html) == [], path
    for api, paths in [
        (author, [f"/api/v1/threads/{t}" for t in thread_ids] + ["/api/v1/me/notices"]),
        (board, ["/api/v1/moderation/queue", "/api/v1/moderation/log"]),
    ]:
        for path in paths:
            answer = api.get(path)
            assert answer.status_code == 200, path
            assert_no_markup_in_json(answer.get_data(as_text=True))
            for post in answer.get_json().get("posts", []):
                assert_safe_html_fragment(post["body_html"])


@pytest.mark.parametrize("vector", VECTORS[:20])
def test_vectors_as_handles_are_refused(api, vector):
    response = api.post("/api/v1/members", {"handle": vector[:64]})
    assert response.status_code == 400
    assert_no_markup_in_json(response.get_data(as_text=True))
