"""The baseline: a bare Socket.IO broadcast relay speaking the room protocol, with no persistence.

Same server stack as the forum (python-socketio on eventlet, TCP_NODELAY, gc.freeze), no
sessions, no checks, no document: `join` puts the connection in the room, `update` is relayed to
the rest of the room and acknowledged. Run: `python -m bench.relay PORT [ACK_DELAY_SECONDS]`; a delay
holds each acknowledgement back after the relay (the flow-control tests use it for a slow server).
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


def make_server(ack_delay: float = 0.0) -> socketio.Server:
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
        if ack_delay:
            eventlet.sleep(ack_delay)
        return {"ok": True}

    return sio


def main(port: int, ack_delay: float = 0.0) -> None:
    app = socketio.WSGIApp(make_server(ack_delay))
    listener = eventlet.listen(("127.0.0.1", port))
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    gc.collect()
    gc.freeze()
    eventlet.wsgi.server(listener, app, log_output=False)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
