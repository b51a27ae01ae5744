"""Rate limits for socket events (Flask-Limiter does not run for them): a moving window per
user and event kind, in the same storage as the HTTP limits, so they hold across processes."""

from __future__ import annotations

from functools import cache

from flask import current_app
from flask_babel import gettext as _
from limits import parse, storage, strategies

from warmline.errors import WarmlineError

_STORAGES: dict[str, storage.Storage] = {}


@cache
def _limiter(uri: str) -> strategies.MovingWindowRateLimiter:
    _STORAGES[uri] = storage.storage_from_string(uri)
    return strategies.MovingWindowRateLimiter(_STORAGES[uri])


def check(rate: str, kind: str, user_id: int) -> None:
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limiter = _limiter(current_app.config["RATELIMIT_STORAGE_URI"])
    if not limiter.hit(parse(rate), kind, str(user_id)):
        raise WarmlineError("rate_limited", _("You are sending too fast; please wait a moment."), 429)


def reset() -> None:
    """Forget every count (tests; and an operator after a false alarm)."""
    for store in _STORAGES.values():
        store.reset()
