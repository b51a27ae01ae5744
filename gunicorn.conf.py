"""gunicorn for production: one gevent worker per process (Socket.IO keeps per-process state;
more processes need sticky sessions and SOCKETIO_MESSAGE_QUEUE). `make serve-prod` uses it."""

import os

# Set before the app is imported: Flask-SocketIO must run in gevent mode under this worker.
os.environ.setdefault("WARMLINE_ASYNC_MODE", "gevent")

bind = f"{os.environ.get('WARMLINE_HOST', '127.0.0.1')}:{os.environ.get('WARMLINE_PORT', '5000')}"
worker_class = "gevent"
workers = 1
worker_connections = 5000
# SIGTERM: stop accepting and give handlers in flight this long (acks finish, clients resume).
graceful_timeout = 10
timeout = 60
keepalive = 5
# No access log: it would hold client addresses.
accesslog = None
errorlog = "-"


def post_worker_init(worker):  # noqa: ANN001, ARG001
    # Here, not at the top: the worker has patched the standard library by now.
    import logging

    import gevent

    from warmline.logs import JsonFormatter, ScrubAddresses, ServerErrorLog
    from warmline.realtime import start_background_work
    from wsgi import app

    # The worker's error log ("Invalid request from ip=...") as JSON, without addresses; a
    # greenlet's failure, printed with its socket and the client's address, likewise.
    for handler in logging.getLogger("gunicorn.error").handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(ScrubAddresses())
    gevent.get_hub().exception_stream = ServerErrorLog("gevent.hub")

    start_background_work(app)
