"""Engine set-up that depends on the database kind."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from forum.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def register_sqlite_pragmas(app: Flask) -> None:
    """SQLite: WAL for concurrent readers, FULL sync so an acknowledged write survives a crash."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine
        event.listen(engine, "connect", _sqlite_pragmas)
