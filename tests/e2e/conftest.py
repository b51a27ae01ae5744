"""Browser tests: Debian's chromium (/usr/bin/chromium) driven by Playwright, against a real
server (`python wsgi.py` under gevent) on 127.0.0.1 with its own migrated database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.servers import LiveServer
from tests.support import IN_CI

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The quick exit's neutral site is answered locally: this machine reaches no other host.
NEUTRAL_SITE = "https://weather.com/"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def database(tmp_path, sqlite_template) -> str:
    path = tmp_path / "e2e.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database):
    """The same database as the server, for arranging data directly."""
    from tests.conftest import TEST_CONFIG
    from warmline import create_app
    from warmline.extensions import db

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def server(database) -> Iterator[LiveServer]:
    with LiveServer(database) as live:
        yield live


@pytest.fixture
def new_page(browser, server):
    """Pages in separate browser contexts (separate people), each checked for console errors."""
    contexts, errors, failed = [], [], []

    def make():
        context = browser.new_context(base_url=server.url)
        context.route(
            f"{NEUTRAL_SITE}**",
            lambda route: route.fulfill(
                status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"
            ),
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        # Which request a "Failed to load resource" was (the console does not say).
        page.on(
            "response", lambda r: failed.append(f"{r.request.method} {r.url}: {r.status}") if r.status >= 400 else None
        )
        contexts.append(context)
        return page

    make.errors = errors  # a test may take out an error it expects
    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"browser console errors: {errors}; answers over 400: {failed}"


@pytest.fixture
def page(new_page):
    return new_page()
