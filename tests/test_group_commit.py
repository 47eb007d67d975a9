"""Group commit of live document updates (forum/live/group_commit.py), in-process with real threads.

Each thread has its own app context and so its own database session, as each Socket.IO handler has.
"""

import threading

import pytest
from pycrdt import Doc, Text
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.live.room import accept_update
from forum.live.rooms import Rooms
from forum.models import AuditEvent, DocumentUpdate, Forum, Stage
from forum.services import ServiceError
from forum.services.entries import add_entry
from tests.stored import document_texts

pytestmark = pytest.mark.scale


def typed(doc: Doc, root: str, words: str) -> bytes:
    """The update of typing `words` at the end of a root, as a browser would send it."""
    state = doc.get_state()
    entry = doc.get(root, type=Text)
    entry += words
    return doc.get_update(state)


def entries_in(user, forum_ids: list[int]) -> None:
    """Entries 1, 2, … of these forums, in this order, so that `entry:<n>` names one of its forum's entries."""
    for number, forum_id in enumerate(forum_ids, start=1):
        assert add_entry(forum_id, user, "presenting").id == number
    db.session.commit()  # the writers' threads read them in sessions of their own


def run_threads(app, jobs) -> list:
    """Run each job in its own thread and app context, all released at once; their outcomes."""
    gate = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        with app.app_context():
            gate.wait()
            try:
                outcomes[index] = job()
            except Exception as error:  # the outcome under test
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_concurrent_updates_share_transactions_and_memory_equals_the_database(app, people):
    chair = people.user("chair@example.org")
    forum_ids = [people.forum(f"RF-G{n}").id for n in range(3)]
    rooms = Rooms()
    lives = [rooms.room(forum_id) for forum_id in forum_ids]
    writers = 24
    entries_in(chair, [forum_ids[n % 3] for n in range(writers)])
    authors = [Doc() for _ in range(writers)]
    jobs = [
        (lambda n=n: accept_update(lives[n % 3], chair.id, typed(authors[n], f"entry:{n + 1}", f"w{n}")))
        for n in range(writers)
    ]
    outcomes = run_threads(app, jobs)

    assert outcomes == [[f"entry:{n + 1}"] for n in range(writers)]
    assert 1 <= rooms.group.batches < writers, "some updates should have shared a transaction"
    for index, forum_id in enumerate(forum_ids):
        expected = {f"entry:{n + 1}": f"w{n}" for n in range(index, writers, 3)}
        assert document_texts(forum_id) == expected
        from_memory = {name: str(lives[index].doc.get(name, type=Text)) for name in expected}
        assert from_memory == expected
    stored = db.session.scalar(select(func.count(DocumentUpdate.id)))
    audited = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "document.update")
    )
    assert stored == audited == writers
    last_ids = sorted(live.last_update_id for live in lives)
    assert last_ids[-1] == db.session.scalar(select(func.max(DocumentUpdate.id)))


def test_a_locked_forum_in_a_batch_refuses_only_its_own_updates(app, people):
    chair = people.user("chair@example.org")
    open_id, locked_id = people.forum("RF-OPEN").id, people.forum("RF-LOCKED").id
    rooms = Rooms()
    open_live, locked_live = rooms.room(open_id), rooms.room(locked_id)
    entries_in(chair, [open_id if n % 2 else locked_id for n in range(8)])
    db.session.get(Forum, locked_id).stage = Stage.LOCKED
    db.session.commit()
    jobs = [
        lambda n=n: accept_update(
            open_live if n % 2 else locked_live, chair.id, typed(Doc(), f"entry:{n + 1}", "x")
        )
        for n in range(8)
    ]
    outcomes = run_threads(app, jobs)

    for n, outcome in enumerate(outcomes):
        if n % 2:
            assert outcome == [f"entry:{n + 1}"]
        else:
            assert isinstance(outcome, ServiceError) and outcome.code == "locked"
    assert document_texts(open_id) == {f"entry:{n + 1}": "x" for n in range(1, 8, 2)}
    assert document_texts(locked_id) == {}
    assert not list(locked_live.doc.keys())


def test_a_failed_commit_is_reported_to_every_author_and_memory_is_rolled_back(app, people):
    chair = people.user("chair@example.org")
    watcher = people.user("watcher@example.org", agency="Police")
    forum_id = people.forum("RF-FAIL").id
    watched_id = people.forum("RF-WATCHED", **{"watcher@example.org": "observer"}).id
    rooms = Rooms()
    live, watched = rooms.room(forum_id), rooms.room(watched_id)
    entries_in(chair, [forum_id] * 8 + [watched_id])
    author = Doc()
    accept_update(live, chair.id, typed(author, "entry:1", "kept "))

    # A real failure inside the transaction: the database refuses every new log row.
    db.session.execute(
        text(
            "CREATE TRIGGER refuse_updates BEFORE INSERT ON document_updates "
            "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )
    )
    db.session.commit()
    others = [Doc() for _ in range(4)]
    jobs = [
        lambda n=n: accept_update(live, chair.id, typed(others[n], f"entry:{n + 2}", "lost"))
        for n in range(4)
    ]
    # In the same batches: an observer's update, refused on its own (its forum has nothing else).
    jobs.append(lambda: accept_update(watched, watcher.id, typed(Doc(), "entry:9", "no")))
    outcomes = run_threads(app, jobs)
    assert all("refused for the test" in str(outcome) for outcome in outcomes[:4]), outcomes
    assert isinstance(outcomes[4], ServiceError) and outcomes[4].code == "forbidden", outcomes[4]
    assert document_texts(forum_id) == {"entry:1": "kept "}
    assert sorted(live.doc.keys()) == ["entry:1"], "memory must not keep what was rolled back"
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "document.update"))
        == 1
    )

    db.session.execute(text("DROP TRIGGER refuse_updates"))
    db.session.commit()
    assert accept_update(live, chair.id, typed(author, "entry:1", "and more")) == ["entry:1"]
    assert document_texts(forum_id) == {"entry:1": "kept and more"}
    assert str(live.doc.get("entry:1", type=Text)) == "kept and more"


def test_memory_is_rolled_back_even_when_the_rollback_fails(app, people, monkeypatch):
    """The prepared statements run on the driver's cursor, so a lost connection is first noticed by
    the rollback: the author still gets the batch's error and memory still goes back to the store."""
    chair = people.user("chair@example.org")
    chair_id, forum_id = chair.id, people.forum("RF-GONE").id
    live = Rooms().room(forum_id)
    entries_in(chair, [forum_id, forum_id])
    author = Doc()
    accept_update(live, chair_id, typed(author, "entry:1", "kept "))
    db.session.execute(
        text(
            "CREATE TRIGGER refuse_updates BEFORE INSERT ON document_updates "
            "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )
    )
    db.session.commit()
    rollback, failed = Session.rollback, []

    def rollback_on_a_lost_connection(session):
        rollback(session)  # what the database does itself when the connection goes
        if not failed:
            failed.append(True)
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "rollback", rollback_on_a_lost_connection)
    with pytest.raises(Exception, match="refused for the test"):
        accept_update(live, chair_id, typed(Doc(), "entry:2", "lost"))
    assert failed, "the rollback was not reached: the scenario proved nothing"
    assert sorted(live.doc.keys()) == ["entry:1"], "memory must not keep what was not stored"
    monkeypatch.undo()
    db.session.rollback()
    db.session.execute(text("DROP TRIGGER refuse_updates"))
    db.session.commit()
    assert accept_update(live, chair_id, typed(author, "entry:1", "and more")) == ["entry:1"]
    assert document_texts(forum_id) == {"entry:1": "kept and more"}
