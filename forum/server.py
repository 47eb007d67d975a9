"""Starting the Socket.IO server (eventlet in production and `make run`)."""

import gc
import logging
import socket

from flask import Flask

from forum.extensions import socketio
from forum.realtime import RELAY_KEY

log = logging.getLogger(__name__)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve the app until stopped (and listen for other processes' access signals, if any);
    freezes start-up objects to shorten GC pauses."""
    if (relay := app.extensions.get(RELAY_KEY)) is not None:
        socketio.start_background_task(relay.listen, app, socketio.sleep)
    gc.collect()
    gc.freeze()
    log.info("Rethink Forum listening on http://%s:%s", host, port)
    if socketio.async_mode == "eventlet":
        serve_eventlet(app, host, port)
    else:
        socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=False)


def serve_eventlet(app: Flask, host: str, port: int) -> None:
    """eventlet's WSGI server with Nagle's algorithm off on every connection.

    Small frames otherwise wait for the peer's delayed ACK (a 20-45 ms fan-out floor). Linux
    copies TCP_NODELAY from the listening socket to each accepted one.
    """
    import eventlet
    import eventlet.wsgi

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = eventlet.listen((host, port), family)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    eventlet.wsgi.server(listener, app, log_output=False)
