"""Per-account sign-in backoff: shared by the API and the login page, kept in the rate-limit
store (Redis across processes), exponential and capped, cleared by an admin."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_CONFIG
from tests.support import PASSWORD, Api, error_of, make_staff
from warmline import create_app
from warmline.extensions import db, limiter
from warmline.services import signin_backoff


@pytest.fixture
def limited_app(database_url, tmp_path):
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "LEDGER_ANCHOR_PATH": str(tmp_path / "anchor.json"),
            # Long enough that no wait runs out while a test looks at it.
            "SIGNIN_BACKOFF_BASE_SECONDS": 60,
        }
    )
    limiter.reset()
    yield app
    with app.app_context():
        db.engine.dispose()


def attempt(api: Api, password: str = "wrong password!"):  # noqa: S107
    return api.post("/api/v1/login", {"username": "casey", "password": password})


def test_the_delay_doubles_and_is_capped(limited_app):
    limited_app.config["SIGNIN_BACKOFF_BASE_SECONDS"] = 1
    with limited_app.app_context():
        delays = [signin_backoff.delay_after(n) for n in range(1, 16)]
    assert delays == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300]


def test_failures_make_the_account_wait_on_every_route_and_an_admin_clears_it(limited_app):
    make_staff(limited_app, "casey", "coordinator")
    api = Api(limited_app.test_client())
    assert [attempt(api).status_code for _ in range(5)] == [401] * 5
    sixth = attempt(api)
    assert sixth.status_code == 401 and error_of(sixth)["retry_after"] == 60
    # The right password is not even checked while the wait holds, from any browser.
    elsewhere = Api(limited_app.test_client())
    waiting = attempt(elsewhere, PASSWORD)
    assert waiting.status_code == 429 and error_of(waiting)["code"] == "signin_wait"
    assert 58 <= error_of(waiting)["retry_after"] <= 60
    # The login page shares the count and says that a wait applies.
    page = elsewhere.client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = elsewhere.client.post("/login", data={"csrf_token": token, "username": "casey", "password": PASSWORD})
    assert form.status_code == 429
    html = form.get_data(as_text=True)
    assert 'id="signin-wait"' in html and "an admin can clear the wait" in html
    with limited_app.app_context():
        signin_backoff.clear("casey")
    assert attempt(elsewhere, PASSWORD).status_code == 200
    # A success starts the count again (the per-client route limit, 10 a minute, is near).
    again = attempt(api)
    assert again.status_code == 401 and "retry_after" not in error_of(again)


def test_an_unknown_account_backs_off_alike(limited_app):
    api = Api(limited_app.test_client())
    answers = [api.post("/api/v1/login", {"username": "nobody", "password": "wrong password!"}) for _ in range(7)]
    assert [a.status_code for a in answers] == [401] * 6 + [429]


def test_the_backoff_lives_in_redis_and_the_cli_clears_it(database_url, redis_url, tmp_path):
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": redis_url,
            "SIGNIN_BACKOFF_BASE_SECONDS": 60,
            "LEDGER_ANCHOR_PATH": str(tmp_path / "anchor.json"),
        }
    )
    try:
        make_staff(app, "casey", "coordinator")
        api = Api(app.test_client())
        for _ in range(6):
            attempt(api)
        assert error_of(attempt(api, PASSWORD))["code"] == "signin_wait"
        import redis

        keys = redis.Redis.from_url(redis_url).keys("*signin-wait*")
        assert keys and not any(b"casey" in k for k in keys)  # a pseudonym, not the name
        result = app.test_cli_runner().invoke(args=["users", "clear-backoff", "casey"])
        assert result.exit_code == 0, result.output
        assert attempt(api, PASSWORD).status_code == 200
    finally:
        limiter.reset()
        with app.app_context():
            db.engine.dispose()
