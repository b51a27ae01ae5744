"""Fixtures. Every test that touches the database runs twice: on SQLite and on PostgreSQL.
Both schemas are built by the migrations (`flask db upgrade`), never by create_all.

PostgreSQL: TEST_DATABASE_URL, or the CI default. Under CI=true it must be reachable;
elsewhere its tests skip with the reason."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("WARMLINE_LEDGER_KEY", "test-ledger-key")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("SOCKETIO_MESSAGE_QUEUE", None)

from tests.support import DEFAULT_PG_URL, DEFAULT_REDIS_URL, IN_CI, Api  # noqa: E402
from warmline import create_app  # noqa: E402

# A cheap password hash keeps the permission matrix fast; one test checks scrypt itself.
TEST_CONFIG = {
    "TESTING": True,
    "RATELIMIT_ENABLED": False,
    "ASYNC_MODE": "threading",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    # The test client reads what was emitted right after each call; the live-server tests
    # run the default, coalesced queue updates.
    "QUEUE_UPDATE_DELAY_MS": 0,
}


def upgrade(url: str) -> None:
    from flask_migrate import upgrade as flask_db_upgrade

    from warmline.extensions import db

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_db_upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "warmline.db"
    upgrade(f"sqlite:///{path}")
    return path


def pg_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL


@pytest.fixture(scope="session")
def pg_database() -> str:
    url = pg_url()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable at {url}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {url} (set TEST_DATABASE_URL): {exc.orig}")
    finally:
        engine.dispose()
    upgrade(url)
    return url


def truncate_all(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "warmline.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    truncate_all(url)
    return url


@pytest.fixture
def pg_app(pg_database: str) -> Iterator:
    """The app on PostgreSQL only, emptied first: the multi-process tests share its database."""
    from warmline.extensions import db

    truncate_all(pg_database)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": pg_database})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator:
    from warmline.extensions import db

    # Each test's escalation ledger is anchored in its own file.
    anchor = str(tmp_path / "ledger_anchor.json")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "LEDGER_ANCHOR_PATH": anchor})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def new_api(app):
    """Another browser: `new_api()` gives a fresh cookie jar each call."""
    return lambda: Api(app.test_client())


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """TEST_REDIS_URL or the CI default; required under CI=true, else skipped with the reason."""
    import redis

    url = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS_URL
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.flushdb()
        client.close()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required under CI=true and is not reachable at {url}: {exc}")
        pytest.skip(f"Redis not reachable at {url} (set TEST_REDIS_URL): {exc}")
    return url


@pytest.fixture
def browsers():
    """Browsers for a real server: `browsers(url)` opens one; all are closed afterwards."""
    from tests.servers import Browser

    opened: list[Browser] = []

    def open_browser(url: str) -> Browser:
        opened.append(Browser(url))
        return opened[-1]

    yield open_browser
    for browser in opened:
        browser.close()


@pytest.fixture
def board(app, new_api):
    """A forum to post in and a signed-in moderator (returned)."""
    from tests.support import make_staff
    from warmline.services import forums

    with app.app_context():
        forums.create_forum("daily-check-in", "Daily check-in")
    make_staff(app, "morgan", "moderator")
    moderator = new_api()
    moderator.login("morgan")
    return moderator
