"""Rate limits answer 429 in the contract's shape."""

from __future__ import annotations

from tests.conftest import TEST_CONFIG
from tests.support import Api, error_of
from warmline import create_app
from warmline.extensions import db, limiter


def test_login_is_rate_limited(database_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True})
    limiter.reset()
    api = Api(app.test_client())
    # A different account each time: the per-account backoff is tested on its own.
    statuses = [api.post("/api/v1/login", {"username": f"x{i}", "password": "y" * 12}).status_code for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    last = api.post("/api/v1/login", {"username": "x", "password": "y" * 12})
    assert error_of(last)["code"] == "rate_limited"
    assert last.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        db.engine.dispose()
