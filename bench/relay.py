"""The baseline: a bare Socket.IO broadcast relay speaking the room protocol, with no persistence.

Same server stack as the forum (python-socketio on eventlet, TCP_NODELAY, gc.freeze), no
sessions, no checks, no document: `join` puts the connection in the room, `update` is relayed to
the rest of the room and acknowledged. Run: `python -m bench.relay PORT`.
"""

import eventlet

eventlet.monkey_patch()

import gc  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402

import eventlet.wsgi  # noqa: E402
import socketio  # noqa: E402

NAMESPACE = "/forum"
EMPTY = "AAA="  # base64 of an empty CRDT update / state vector


def make_server() -> socketio.Server:
    """A Socket.IO server with the room protocol's join and update, and nothing else."""
    sio = socketio.Server(async_mode="eventlet", cors_allowed_origins="*")

    @sio.on("join", namespace=NAMESPACE)
    def join(sid, payload):
        sio.enter_room(sid, f"forum:{payload['forum']}", namespace=NAMESPACE)
        return {"ok": True, "entries": [], "presence": [], "update": EMPTY, "sv": EMPTY}

    @sio.on("update", namespace=NAMESPACE)
    def update(sid, payload):
        sio.emit(
            "update",
            {"forum": payload["forum"], "update": payload["update"]},
            to=f"forum:{payload['forum']}",
            skip_sid=sid,
            namespace=NAMESPACE,
        )
        return {"ok": True}

    return sio


def main(port: int) -> None:
    app = socketio.WSGIApp(make_server())
    listener = eventlet.listen(("127.0.0.1", port))
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    gc.collect()
    gc.freeze()
    eventlet.wsgi.server(listener, app, log_output=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
