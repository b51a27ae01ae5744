"""Scoring off the request: a chat message is acknowledged and delivered first, then scored.

`submit(app, score, apply)` runs `score()` (pure CPU: features and a small NumPy product) off
the event loop and then `apply(result)` in an app context. Under gevent a greenlet hands
`score` to the hub's threadpool (a real thread, so the loop keeps serving sockets) and
applies the result back on the loop; in threading mode one worker thread does both.
`wait_idle()` lets tests wait for every pending score without sleeping. `off_loop(app, fn)`
is the same hand-off for a caller that needs the result now (a forum post, scored before it
is published)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

_lock = threading.Condition()
_pending = 0
_executor: ThreadPoolExecutor | None = None


def _done() -> None:
    global _pending
    with _lock:
        _pending -= 1
        _lock.notify_all()


def _apply(app: Flask, apply: Callable[[Any], None], result: Any) -> None:
    with app.app_context():
        try:
            apply(result)
        except Exception:  # a lost score must not take the worker down; the rules ran at intake
            log.exception("applying a risk score failed")
            from warmline.extensions import db

            db.session.rollback()


def _threaded(app: Flask, score: Callable[[], Any], apply: Callable[[Any], None]) -> None:
    try:
        _apply(app, apply, score())
    except Exception:
        log.exception("risk scoring failed")
    finally:
        _done()


def _greenlet(app: Flask, score: Callable[[], Any], apply: Callable[[Any], None]) -> None:
    import gevent

    try:
        result = gevent.get_hub().threadpool.apply(score)
        _apply(app, apply, result)
    except Exception:
        log.exception("risk scoring failed")
    finally:
        _done()


def submit(app: Flask, score: Callable[[], Any], apply: Callable[[Any], None]) -> None:
    global _pending, _executor
    with _lock:
        _pending += 1
    if app.config.get("ASYNC_MODE") == "gevent":
        import gevent

        gevent.spawn(_greenlet, app, score, apply)
        return
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="risk")
    _executor.submit(_threaded, app, score, apply)


def off_loop(app: Flask, fn: Callable[[], Any]) -> Any:
    """`fn()` now, but under gevent on the hub's threadpool: the calling greenlet waits, the
    loop goes on serving everyone else (a long forum post takes tens of milliseconds)."""
    if app.config.get("ASYNC_MODE") == "gevent":
        import gevent

        return gevent.get_hub().threadpool.apply(fn)
    return fn()


def wait_idle(timeout: float = 10.0) -> bool:
    """True once no score is pending (False if `timeout` seconds pass first)."""
    with _lock:
        return _lock.wait_for(lambda: _pending == 0, timeout)
