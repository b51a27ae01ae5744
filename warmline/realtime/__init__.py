"""Socket.IO: the /chat namespace. Handlers only authenticate, parse, call a service and
translate; `events.py` is the one place that emits."""

from __future__ import annotations

from flask import Flask

from warmline.extensions import socketio

NAMESPACE = "/chat"


def init_app(app: Flask) -> None:
    from warmline.realtime import chat, connection, events, peer_tools  # noqa: F401  (registers handlers)

    origins = app.config["ALLOWED_ORIGINS"] or None  # None: the page's own origin only
    shared: dict[str, object] = {}
    if app.config["SOCKETIO_MESSAGE_QUEUE"]:
        from warmline.realtime.queue import client_manager

        shared["client_manager"] = client_manager(
            app.config["SOCKETIO_MESSAGE_QUEUE"], write_only=False, channel=app.config["SOCKETIO_CHANNEL"]
        )
    socketio.init_app(
        app,
        **shared,
        async_mode=app.config["ASYNC_MODE"],
        cors_allowed_origins=origins,
        max_http_buffer_size=app.config["SOCKETIO_MAX_BUFFER"],
        ping_interval=app.config["SOCKET_PING_INTERVAL"],
        ping_timeout=app.config["SOCKET_PING_TIMEOUT"],
        logger=False,
        engineio_logger=False,
    )
    events.subscribe_all()


def start_background_work(app: Flask) -> None:
    """The sweeper loop of this process (grace periods, unanswered chats, dead processes).
    Every process runs it; the lease lets only one of them do the work at a time. The risk
    model is loaded first, before the process serves anyone."""
    import logging

    from warmline.extensions import db
    from warmline.realtime import events
    from warmline.services import risk, sweeper

    risk.load_model(app)

    log = logging.getLogger(__name__)

    def loop() -> None:
        while True:
            with app.app_context():
                try:
                    sweeper.run_once()
                    events.close_ended_sign_ins()
                except Exception:  # a database hiccup must not end the loop
                    log.exception("sweep failed")
                finally:
                    db.session.remove()
            socketio.sleep(app.config["SWEEP_INTERVAL"])

    socketio.start_background_task(loop)
