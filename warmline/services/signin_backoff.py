"""Per-account sign-in backoff, shared by every sign-in route and every process: it lives in
the rate-limit store (Flask-Limiter's storage: memory, or Redis across processes).

After SIGNIN_FREE_FAILURES failed sign-ins within an hour, each further failure makes the
account wait before the next attempt is even checked: 1 s, 2 s, 4 s, ... (from
SIGNIN_BACKOFF_BASE_SECONDS) capped at
SIGNIN_BACKOFF_MAX_SECONDS (5 minutes). Never a lockout: a peer on shift waits at most
that long, and an admin can clear it (`clear`, `flask users clear-backoff`). Unknown
usernames back off the same way, so the answer tells nobody which accounts exist. Keys
hold a pseudonym of the username, never the name itself."""

from __future__ import annotations

import math
import time

from flask import current_app
from limits.storage import Storage

from warmline.errors import WarmlineError
from warmline.extensions import limiter
from warmline.security import pseudonym

FAILURE_WINDOW = 3600


def _storage() -> Storage | None:
    if not current_app.config["RATELIMIT_ENABLED"] or not limiter.enabled:
        return None
    return limiter.storage


def _keys(username: str) -> tuple[str, str]:
    name = pseudonym("signin:" + username.strip().casefold())
    return f"signin-failures/{name}", f"signin-wait/{name}"


def delay_after(failures: int) -> int:
    """Seconds to wait after this many failures in a row."""
    free = current_app.config["SIGNIN_FREE_FAILURES"]
    if failures <= free:
        return 0
    base = current_app.config["SIGNIN_BACKOFF_BASE_SECONDS"]
    return min(current_app.config["SIGNIN_BACKOFF_MAX_SECONDS"], base * 2 ** min(failures - free - 1, 30))


def wait_left(username: str) -> int:
    """Whole seconds before this account's next sign-in attempt is checked (0: none)."""
    storage = _storage()
    if storage is None:
        return 0
    _, wait = _keys(username)
    if storage.get(wait) <= 0:
        return 0
    return max(1, math.ceil(storage.get_expiry(wait) - time.time()))


def check(username: str) -> None:
    left = wait_left(username)
    if left:
        raise WarmlineError(
            "signin_wait",
            f"Too many failed sign-ins for this account. Please wait {left} seconds and try again.",
            429,
            retry_after=left,
        )


def failed(username: str) -> int:
    """Counts a failure; answers the wait it starts (0 while failures are still free)."""
    storage = _storage()
    if storage is None:
        return 0
    failures_key, wait = _keys(username)
    delay = delay_after(storage.incr(failures_key, FAILURE_WINDOW))
    if delay:
        storage.clear(wait)
        storage.incr(wait, delay)
    return delay


def clear(username: str) -> None:
    """A successful sign-in, or an admin, ends the backoff."""
    storage = _storage()
    if storage is None:
        return
    for key in _keys(username):
        storage.clear(key)
