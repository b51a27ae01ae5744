"""Entry point. `python wsgi.py` serves the app with Socket.IO; `wsgi:app` is for gunicorn.

Run as a script it serves under gevent (production's async mode, see ../shared/PERF.md),
which must patch the standard library before anything else is imported."""

import os

if __name__ == "__main__" and os.environ.setdefault("WARMLINE_ASYNC_MODE", "gevent") == "gevent":
    from gevent import monkey

    monkey.patch_all()

from dotenv import load_dotenv  # noqa: E402

load_dotenv()

from warmline import create_app  # noqa: E402
from warmline.extensions import socketio  # noqa: E402
from warmline.realtime import start_background_work  # noqa: E402

app = create_app()

SHUTDOWN_GRACE = 5  # seconds for handlers in flight (acks) to finish on SIGTERM


def stop_gracefully() -> None:
    """Stop taking connections, let handlers in flight finish, then close the sockets that
    are left: their clients reconnect (to another process, when scaled out) and resume."""
    server = socketio.wsgi_server
    if server is not None:
        server.stop(timeout=SHUTDOWN_GRACE)


if __name__ == "__main__":
    server_options = {}
    if os.environ["WARMLINE_ASYNC_MODE"] == "gevent":
        import signal

        import gevent

        from warmline.logs import ServerErrorLog

        gevent.signal_handler(signal.SIGTERM, stop_gracefully)
        gevent.signal_handler(signal.SIGINT, stop_gracefully)
        # gevent's server and hub print client addresses to stderr ("(from ('1.2.3.4', 5678))
        # Invalid HTTP method" on websocket closes): they go to the JSON log without them.
        server_options["error_log"] = ServerErrorLog()
        gevent.get_hub().exception_stream = ServerErrorLog("gevent.hub")
    host = os.environ.get("WARMLINE_HOST", "127.0.0.1")
    port = int(os.environ.get("WARMLINE_PORT", "5000"))
    start_background_work(app)
    print(f"Warmline serving on http://{host}:{port}", flush=True)
    # log_output=False: the server's own access log would print client addresses.
    socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True, **server_options)
