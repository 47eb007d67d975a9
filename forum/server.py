"""Starting the Socket.IO server (eventlet in production and `make run`)."""

import gc
import logging

from flask import Flask

from forum.extensions import socketio

log = logging.getLogger(__name__)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve the app until stopped; freezes start-up objects to shorten GC pauses."""
    gc.collect()
    gc.freeze()
    log.info("Rethink Forum listening on http://%s:%s", host, port)
    socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=False)
