"""The bare stack the app is measured against: python-socketio under gevent, join a room,
re-emit each message to the room. Same async mode and server as the app."""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

import socketio  # noqa: E402
from gevent import pywsgi  # noqa: E402

# The app's ping settings may be passed (the idle-connection scenario shortens both).
PING = {"ping_interval": int(sys.argv[2]), "ping_timeout": int(sys.argv[3])} if len(sys.argv) > 3 else {}
sio = socketio.Server(async_mode="gevent", max_http_buffer_size=64 * 1024, **PING)


@sio.on("join", namespace="/chat")
def join(sid, room):
    sio.enter_room(sid, room, namespace="/chat")
    return {"ok": True}


@sio.on("msg", namespace="/chat")
def relay(sid, data):
    sio.emit("msg", data, room=data["room"], skip_sid=sid, namespace="/chat")
    return {"ok": True}


if __name__ == "__main__":
    port = int(sys.argv[1])
    print(f"bare relay on 127.0.0.1:{port}", flush=True)
    pywsgi.WSGIServer(("127.0.0.1", port), socketio.WSGIApp(sio), log=None).serve_forever()
