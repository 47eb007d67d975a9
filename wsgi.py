"""Entry point: `flask --app wsgi ...` for commands; `python wsgi.py` serves with eventlet."""

import os
import sys

if __name__ == "__main__":
    # eventlet stays at the edge: only the server process is monkey-patched and uses it.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet warns that it is in maintenance mode
        import eventlet

    eventlet.monkey_patch()
    from eventlet.support.psycopg2_patcher import make_psycopg_green

    make_psycopg_green()  # PostgreSQL waits yield to other connections instead of blocking the process
    os.environ.setdefault("SOCKETIO_ASYNC_MODE", "eventlet")

from config import ConfigError  # noqa: E402
from forum import create_app  # noqa: E402

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Rethink Forum cannot start: {error}")

if __name__ == "__main__":
    from forum.server import serve

    serve(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
