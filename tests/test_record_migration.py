"""Migration 0009 starts the existing forums that have visibly taken place, and no others."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from forum.extensions import db
from tests.conftest import make_app

pytestmark = pytest.mark.record

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
NOW = datetime.now(UTC).replace(microsecond=0)


def _aware(value) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_existing_forums_are_started_when_they_took_place(tmp_path):
    app = make_app(tmp_path / "old.db")
    created = NOW - timedelta(days=3)
    forums = {  # reference: (stage, scheduled_at, entries as (created_at, written_input), stage moves)
        "NOT-YET": ("gather", NOW + timedelta(days=2), [(created, True)], []),
        "RUN-EARLY": ("gather", NOW + timedelta(hours=2), [(NOW - timedelta(hours=1), False)], []),
        "MOVED-ON": ("plan", NOW + timedelta(days=1), [(created, True)], [NOW - timedelta(minutes=30)]),
        "TIME-PASSED": ("gather", NOW - timedelta(days=1), [], []),
        "NEVER-SCHEDULED": ("gather", None, [], []),
        "LOCKED": ("locked", None, [], []),
    }
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0005")
        run = db.session.execute
        run(
            text("INSERT INTO agencies (id, name, active, created_at) VALUES (1, 'School', 1, :at)"),
            {"at": created},
        )
        run(
            text(
                "INSERT INTO users (id, email, full_name, agency_id, password_hash, is_admin, active,"
                " session_token, created_at) VALUES (1, 'a@example.org', 'A', 1, 'x', 0, 1, 't', :at)"
            ),
            {"at": created},
        )
        for number, (reference, (stage, scheduled, entries, moves)) in enumerate(forums.items(), start=1):
            run(
                text(
                    "INSERT INTO forums (id, reference, title, stage, template, created_at, scheduled_at)"
                    " VALUES (:id, :ref, 'T', :stage, '{}', :created, :scheduled)"
                ),
                {"id": number, "ref": reference, "stage": stage, "created": created, "scheduled": scheduled},
            )
            for position, (at, written) in enumerate(entries):
                run(
                    text(
                        "INSERT INTO entries (forum_id, panel, position, author_id, agency_id, created_at,"
                        " written_input) VALUES (:f, 'presenting', :p, 1, 1, :at, :w)"
                    ),
                    {"f": number, "p": position, "at": at, "w": written},
                )
            for at in moves:
                run(
                    text(
                        "INSERT INTO audit_events (at, actor_id, action, forum_id, detail)"
                        " VALUES (:at, 1, 'forum.stage', :f, '{}')"
                    ),
                    {"at": at, "f": number},
                )
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="heads")
        started = {
            reference: _aware(value)
            for reference, value in db.session.execute(text("SELECT reference, started_at FROM forums"))
        }
        db.engine.dispose()
    assert started["NOT-YET"] is None and started["NEVER-SCHEDULED"] is None
    assert started["RUN-EARLY"] == NOW - timedelta(hours=1)  # its first live entry, before its time
    assert started["MOVED-ON"] == NOW - timedelta(minutes=30)  # its first stage move
    assert started["TIME-PASSED"] == NOW - timedelta(days=1)  # its scheduled time, passed
    assert started["LOCKED"] == created  # it clearly took place; nothing says when: its creation
