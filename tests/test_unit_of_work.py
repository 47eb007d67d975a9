"""One unit of work: a refusal in the middle of any writing operation leaves nothing half-written.

Each operation runs through its real edge: a route with the test client, a flask command with the CLI
runner, a live-room event with Flask-SocketIO's test client (the real namespace, in this process). A
ServiceError is raised from the session's `after_flush` after the k-th flush, for k = 1, 2, ... until
the operation runs to its end without reaching flush k: after every refused run each table holds
exactly what it held before; the run that completes changes something.
"""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from forum.extensions import db, socketio
from forum.models import Agency, Participant
from forum.realtime.schemas import NAMESPACE
from forum.services import ServiceError
from forum.services.accounts import find_user
from forum.services.lock import lock_plan
from forum.services.progress import today_in_london
from forum.services.signals import participation_changed
from forum.services.stages import set_stage
from tests.conftest import PASSWORD, sign_in
from tests.lock_factories import CHAIR, HEALTH, SCHOOL, forum_with_people, make_draft, make_lockable

pytestmark = pytest.mark.security

MAX_FLUSHES = 60


@dataclass
class Fault:
    """Refuses the k-th flush of any session (after it ran, so its rows are in the transaction)."""

    at: int
    flushes: int = 0

    @property
    def fired(self) -> bool:
        return self.flushes >= self.at

    def after_flush(self, _session, _context) -> None:
        self.flushes += 1
        if self.flushes == self.at:
            raise ServiceError("Refused in the middle (a test's injected refusal).", code="injected")


@contextmanager
def refused_at_flush(at: int):
    fault = Fault(at)
    event.listen(db.session, "after_flush", fault.after_flush)
    try:
        yield fault
    finally:
        event.remove(db.session, "after_flush", fault.after_flush)


def dump() -> dict[str, list[tuple]]:
    """Every row of every table, as committed (read on a connection of its own)."""
    with db.engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables
        }


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# Operations: each prepares its forum and people (committed), signs in, and returns the one call to make.


def _chair_forum(client, people):
    people.user(CHAIR, name="Cara Chair")
    people.user(HEALTH, agency="Health", name="Nina Nurse")
    people.user("police@example.org", agency="Police", name="Pat Police")
    people.agency("Leeds Housing")
    forum = people.forum("RF-UOW", **{HEALTH: "contributor"})
    sign_in(client, CHAIR)
    return forum


def web_forum_creation(client, runner, people):
    _chair_forum(client, people)
    housing = db.session.scalar(select(Agency.id).where(Agency.name == "Leeds Housing"))
    form = {"reference": "RF-NEW", "title": "New forum", "day": "2026-07-01", "at": "09:30"}
    return lambda: client.post("/forums/new", data={**form, "presenting_agency_id": housing})


def web_participant_add(client, runner, people):
    forum = _chair_forum(client, people)
    police = find_user("police@example.org").id
    return lambda: client.post(
        f"/forums/{forum.id}/participants", data={"user_id": police, "role": "observer"}
    )


def web_participant_role(client, runner, people):
    forum = _chair_forum(client, people)
    nurse = db.session.scalar(select(Participant.id).where(Participant.user_id == find_user(HEALTH).id))
    return lambda: client.post(
        f"/forums/{forum.id}/participants/{nurse}/role", data={f"p{nurse}-role": "chair"}
    )


def web_participant_remove(client, runner, people):
    forum = _chair_forum(client, people)
    nurse = db.session.scalar(select(Participant.id).where(Participant.user_id == find_user(HEALTH).id))
    return lambda: client.post(f"/forums/{forum.id}/participants/{nurse}/remove")


def web_invitations(client, runner, people):
    forum = _chair_forum(client, people)
    housing = db.session.scalar(select(Agency.id).where(Agency.name == "Leeds Housing"))
    rows = {}
    for index, (email, role) in enumerate(
        (("new@example.org", "contributor"), ("pat@example.org", "observer"))
    ):
        rows |= {
            f"people-{index}-email": email,
            f"people-{index}-agency_id": housing,
            f"people-{index}-role": role,
        }
    return lambda: client.post(f"/forums/{forum.id}/invitations", data=rows)


def web_invitation_accepted_with_a_new_account(client, runner, people):
    forum = _chair_forum(client, people)
    housing = db.session.scalar(select(Agency.id).where(Agency.name == "Leeds Housing"))
    result = runner.invoke(
        args=["forum", "invite", str(forum.id), "new@example.org", "--role", "contributor"]
    )
    token = result.output.strip().rsplit("/", 1)[1]
    client.post("/logout")
    form = {"full_name": "New Person", "agency_id": housing, "password": PASSWORD, "confirm": PASSWORD}
    return lambda: client.post(f"/invitations/{token}", data=form)


def web_account_created_by_an_administrator(client, runner, people):
    people.user("admin@example.org", agency="Council", name="Ann Admin", admin=True)
    agency = db.session.scalar(select(Agency.id).where(Agency.name == "Council"))
    sign_in(client, "admin@example.org")
    form = {"email": "new@example.org", "full_name": "New Person", "agency_id": agency}
    return lambda: client.post("/admin/users/new", data=form)


def _lock(setup) -> None:
    make_lockable(setup)
    lock_plan(setup.forum_id, setup.chair)


def web_progress_update(client, runner, people):
    setup = forum_with_people(people)
    _lock(setup)
    db.session.commit()
    sign_in(client, SCHOOL)
    return lambda: client.post(
        f"/forums/{setup.forum_id}/progress/1", data={"status": "on_track", "note": "Going well."}
    )


def cli_forum_creation(client, runner, people):
    people.user(CHAIR)
    return lambda: runner.invoke(args=["forum", "create", "RF-CLI", "--title", "T", "--chair", CHAIR])


def cli_invitation(client, runner, people):
    forum = _chair_forum(client, people)
    return lambda: runner.invoke(
        args=["forum", "invite", str(forum.id), "new@example.org", "--role", "observer", "--agency", "Police"]
    )


def cli_demo_seed(client, runner, people):
    runner.app.config["SEED_DEMO"] = True
    return lambda: runner.invoke(args=["seed-demo"])


class Room:
    """A participant's connection to the live room, in this process (the real namespace)."""

    def __init__(self, app, client, forum_id: int):
        self.forum_id = forum_id
        self.socket = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=client)
        assert self.emit("join")["ok"]

    def emit(self, name: str, **fields) -> dict:
        return self.socket.emit(name, {"forum": self.forum_id, **fields}, namespace=NAMESPACE, callback=True)


def _room(client, people, email: str, prepare: Callable = lambda setup: None) -> tuple:
    """The lock factories' forum, prepared and committed, and `email` in its live room."""
    setup = forum_with_people(people)
    prepare(setup)
    db.session.commit()
    sign_in(client, email)
    return setup, Room(client.application, client, setup.forum_id)


def room_entry_add(client, runner, people):
    _setup, room = _room(client, people, HEALTH)
    return lambda: room.emit("entry:add", panel="protective")


def room_stage(client, runner, people):
    _setup, room = _room(client, people, CHAIR)
    return lambda: room.emit("stage:set", stage="hypothesis", confirm=True)


def room_vote(client, runner, people):
    setup, room = _room(client, people, HEALTH)
    return lambda: room.emit("vote:add", entry=setup.perpetuating[0])


def room_action_set(client, runner, people):
    _setup, room = _room(client, people, CHAIR, make_draft)
    due = (today_in_london() + timedelta(days=30)).isoformat()
    return lambda: room.emit("action:set", action=1, due=due, owner=find_user(HEALTH).id)


def room_stance(client, runner, people):
    _setup, room = _room(client, people, SCHOOL, make_lockable)
    return lambda: room.emit("stance:set", stance="object", reason="Mornings are not covered.")


def room_lock(client, runner, people):
    _setup, room = _room(client, people, CHAIR, make_lockable)
    return lambda: room.emit("lock")


def room_reopen(client, runner, people):
    _setup, room = _room(client, people, CHAIR, _lock)
    return lambda: room.emit("reopen", reason="Review meeting in September.")


def room_lead_nomination(client, runner, people):
    _setup, room = _room(
        client, people, CHAIR, lambda setup: set_stage(setup.forum_id, setup.chair, "plan", confirm=True)
    )
    return lambda: room.emit("lead:nominate", user=find_user(HEALTH).id)


OPERATIONS = [
    web_forum_creation,
    web_participant_add,
    web_participant_role,
    web_participant_remove,
    web_invitations,
    web_invitation_accepted_with_a_new_account,
    web_account_created_by_an_administrator,
    web_progress_update,
    cli_forum_creation,
    cli_invitation,
    cli_demo_seed,
    room_entry_add,
    room_stage,
    room_vote,
    room_action_set,
    room_stance,
    room_lock,
    room_reopen,
    room_lead_nomination,
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.__name__ for operation in OPERATIONS])
def test_a_refusal_in_the_middle_of_an_operation_leaves_no_partial_write(
    operation, app, client, runner, people
):
    run = operation(client, runner, people)
    db.session.commit()
    before = dump()
    for at in range(1, MAX_FLUSHES):
        with refused_at_flush(at) as fault:
            try:
                run()
            except Exception:
                if not fault.fired:
                    raise
        db.session.rollback()  # as the end of a request, event or command would
        if not fault.fired:
            break
        after = dump()
        assert after == before, f"refused at flush {at}, yet changed: {changed_tables(before, after)}"
    else:
        pytest.fail(f"{operation.__name__} flushed more than {MAX_FLUSHES} times")
    assert at > 1, "the operation never flushed: it was refused before it wrote"
    assert dump() != before, "the operation, not refused, changed nothing"


def test_a_signal_follows_the_commit_and_a_refusal_sends_none(app, client, people):
    """participation_changed (which closes sockets or tells the room) is sent once the change is stored."""
    forum = _chair_forum(client, people)
    chair, nurse = (
        db.session.scalar(select(Participant.id).where(Participant.user_id == find_user(email).id))
        for email in (CHAIR, HEALTH)
    )
    seen = []

    def receiver(_sender, forum_id: int, user_id: int, role: str | None) -> None:
        with db.engine.connect() as connection:  # what is committed, on a connection of its own
            stored = connection.execute(select(Participant.role).where(Participant.id == nurse)).scalar()
        seen.append((role, stored.value))

    participation_changed.connect(receiver)
    try:
        client.post(f"/forums/{forum.id}/participants/{chair}/role", data={f"p{chair}-role": "observer"})
        client.post(f"/forums/{forum.id}/participants/{nurse}/role", data={f"p{nurse}-role": "observer"})
    finally:
        participation_changed.disconnect(receiver)
    assert seen == [("observer", "observer")]  # the last chair's refusal sent nothing


def test_a_failed_rollback_keeps_the_operations_error_and_sends_none_of_its_signals(app, people, monkeypatch):
    """The prepared statements raise the driver's own errors, so a lost connection may first be noticed
    by the edge's rollback: the caller still gets the operation's error, its queued signals are
    dropped (never sent after a later commit), and the next operation works on a fresh connection."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from forum.services.signals import send_after_commit
    from forum.unit_of_work import unit_of_work

    rollback, failed, sent = Session.rollback, [], []

    def rollback_on_a_lost_connection(session):
        rollback(session)  # what the database does itself when the connection goes
        if not failed:
            failed.append(True)
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))

    def receiver(_sender, **fields) -> None:
        sent.append(fields)

    participation_changed.connect(receiver)
    monkeypatch.setattr(Session, "rollback", rollback_on_a_lost_connection)
    try:
        with pytest.raises(ServiceError, match="refused half-way"), unit_of_work():
            db.session.add(Agency(name="Written before the refusal"))
            db.session.flush()
            send_after_commit(participation_changed, forum_id=1, user_id=1, role=None)
            raise ServiceError("refused half-way", code="refused")
        assert failed, "the rollback was not reached: the scenario proved nothing"
        with unit_of_work():
            db.session.add(Agency(name="A later operation"))
    finally:
        participation_changed.disconnect(receiver)
    assert sent == [], "a signal of the refused operation was sent after a later commit"
    names = set(db.session.scalars(select(Agency.name)))
    assert "A later operation" in names and "Written before the refusal" not in names
