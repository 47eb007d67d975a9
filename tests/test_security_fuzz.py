"""Property-based tests: random and malformed payloads at every socket event, against the real server.

The events are enumerated from the namespace's dispatch table and their schemas, so a new event is
covered (or this module fails until it has a schema). The server runs with the rate limit raised so
the validators and handlers are what is exercised; the limit itself is tested in test_security_sockets.
Each payload must get an error acknowledgement (or a disconnect); nothing persisted may change, the
server must not fail (no server_error) and must still answer a fresh client at the end.
"""

import base64
import time

import pytest
import requests
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from forum.extensions import db
from forum.realtime import schemas
from forum.realtime.events import EVENTS as EVENT_TABLE
from forum.realtime.namespace import ForumNamespace
from forum.realtime.payloads import MAX_ID
from forum.services.entries import add_entry
from tests import security_support
from tests.hostile import CORPUS
from tests.lock_factories import forum_with_people, write_text
from tests.security_support import server_errors, start_server
from tests.stored import document_texts

pytestmark = pytest.mark.security

module_app = security_support.module_app
module_people = security_support.module_people

NAMESPACE = schemas.NAMESPACE
MAX_EXAMPLES = 40
READ_ONLY_EVENTS = {"join", "leave", "focus", "sync", "facilitation:get", "version:get"}
# The audit trail and the record of refused CRDT clients are written on refusals by design.
UNCHANGED_TABLES_EXCLUDED = {"audit_events", "alembic_version", "frozen_clients"}


def event_fields() -> dict[str, dict[str, tuple[str, bool, bool]]]:
    """Every event of the event table: field name -> (kind, optional, nullable)."""
    return {name: event.fields for name, event in EVENT_TABLE.items()}


FIELDS = event_fields()
EVENTS = sorted(FIELDS)


def test_every_dispatched_event_has_a_schema_and_is_fuzzed():
    assert set(ForumNamespace.EVENTS) == set(FIELDS)


# Strategies

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=50),
    st.sampled_from(CORPUS),
)
json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# A value wrong for every field kind (never an int, string, bool, None or list of ids).
wrong_value = st.one_of(
    st.floats(allow_nan=False),
    st.dictionaries(st.text(max_size=5), json_leaf, max_size=3),
    st.lists(st.lists(json_leaf, min_size=1, max_size=2), min_size=1, max_size=3),
)


def value_of(kind: str, forum_id: int):
    """A well-typed value for a field kind; random, so mostly pointing at nothing real."""
    small_id = st.integers(min_value=1, max_value=12)
    if kind == "id":
        return st.one_of(st.just(forum_id), small_id, st.integers(min_value=1, max_value=MAX_ID))
    if kind == "ids":
        return st.lists(small_id, max_size=4)
    if kind == "base64":
        return st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode())
    if kind == "bool":
        return st.booleans()
    if kind == "date":
        return st.dates().map(lambda d: d.isoformat())
    if kind == "panel":
        return st.sampled_from(["presenting", "plan", "perpetuating", "nope", "__class__"])
    if kind == "target":
        return st.sampled_from(["entry:1", "goal:2", "action:3", "entry:999999"])
    if kind == "direction":
        return st.sampled_from(["up", "down"])
    if kind.startswith("choice:"):
        return st.sampled_from(kind.removeprefix("choice:").split("|"))
    return st.one_of(st.sampled_from(CORPUS), st.text(max_size=80))


def shaped(event: str, forum_id: int):
    """A payload with the event's fields, each well-typed (optional ones sometimes left out)."""
    fields = FIELDS[event]
    return st.fixed_dictionaries(
        {name: value_of(kind, forum_id) for name, (kind, optional, _n) in fields.items() if not optional},
        optional={
            name: value_of(kind, forum_id) for name, (kind, optional, _n) in fields.items() if optional
        },
    )


@st.composite
def malformed(draw, event: str, forum_id: int):
    """A payload the schema must refuse: one field wrong, a field missing or unknown, not an object, too big."""
    payload = dict(draw(shaped(event, forum_id)))
    how = draw(st.sampled_from(["wrong", "missing", "unknown", "not_object", "too_big"]))
    if how == "wrong" or (how == "missing" and "forum" not in payload):
        payload[draw(st.sampled_from(sorted(FIELDS[event])))] = draw(wrong_value)
    elif how == "missing":
        del payload["forum"]
    elif how == "unknown":
        payload[draw(st.sampled_from(["author", "agency", "user_id", "__proto__", "constructor"]))] = draw(
            json_value
        )
    elif how == "not_object":
        return draw(st.one_of(st.lists(json_value, max_size=3), json_leaf))
    else:
        payload["forum"] = "x" * (300 * 1024)
    return payload


# The server, the forum and connections


class Connection:
    """A signed-in, joined socket of one person; reconnects and re-joins when it was closed."""

    def __init__(self, server, email: str, forum_id: int):
        self.server, self.email, self.forum_id = server, email, forum_id
        self.http: requests.Session = server.session(email)
        self.sio: socketio.Client | None = None
        self.joined = False

    def ensure(self) -> None:
        if self.sio is None or not self.sio.connected:
            if self.sio is not None:
                self.sio.disconnect()
            # websocket-client sends the server's own origin as Origin, as a browser on the site would.
            self.sio = socketio.Client(reconnection=False, http_session=self.http)
            self.sio.connect(
                self.server.url,
                namespaces=[NAMESPACE],
                transports=["websocket"],
                wait_timeout=10,
            )
            self.joined = False
        if not self.joined:
            assert self.sio.call("join", {"forum": self.forum_id}, namespace=NAMESPACE, timeout=10)["ok"]
            self.joined = True

    def call(self, event: str, payload) -> dict | None:
        """The acknowledgement, or None when the server closed the connection instead."""
        self.ensure()
        try:
            reply = self.sio.call(event, payload, namespace=NAMESPACE, timeout=10)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            time.sleep(0.05)
            if self.sio.connected:
                raise
            return None
        if event in ("join", "leave"):
            self.joined = False  # whatever happened, join the test forum again before the next event
        return reply

    def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            self.sio.disconnect()


@pytest.fixture(scope="module")
def world(module_app, module_people, tmp_path_factory):
    """A forum with entries and text, a fuzzing server, a contributor and an observer connected."""
    setup = forum_with_people(module_people, "RF-FUZZ")
    entry = add_entry(setup.forum_id, setup.nurse, "presenting")
    write_text(setup.forum_id, setup.nurse.id, entry.root_name, "Known text that must not change.")
    server = start_server(
        module_app,
        tmp_path_factory,
        env={
            "SOCKET_EVENTS_PER_SECOND": "100000",
            "SOCKET_EVENTS_BURST": "100000",
            "SOCKET_MAX_REFUSALS": "100000",
        },
    )
    contributor = Connection(server, "nurse@example.org", setup.forum_id)
    observer = Connection(server, "observer@example.org", setup.forum_id)
    yield server, setup.forum_id, contributor, observer
    contributor.close()
    observer.close()
    server.stop()


def persisted_state(forum_id: int) -> dict:
    """The persisted document's texts and every table's rows, except the audit trail."""
    db.session.rollback()
    state = {"document": document_texts(forum_id)}
    for table in db.metadata.sorted_tables:
        if table.name not in UNCHANGED_TABLES_EXCLUDED:
            state[table.name] = db.session.execute(text(f"SELECT * FROM {table.name} ORDER BY 1")).all()  # noqa: S608 - names from the metadata
    db.session.rollback()
    return state


def refused(reply) -> bool:
    return (
        isinstance(reply, dict)
        and reply.get("ok") is False
        and isinstance(reply["error"].get("code"), str)
        and bool(reply["error"].get("message"))
        and reply["error"]["code"] != "server_error"
    )


FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)


@pytest.mark.parametrize("event", EVENTS)
def test_random_payloads_change_nothing_and_are_refused(world, event):
    server, forum_id, contributor, observer = world
    before = persisted_state(forum_id)
    replies = []

    @FUZZ
    @given(st.data())
    def throw(data):
        bad = data.draw(malformed(event, forum_id), label="malformed")
        reply = contributor.call(event, bad)
        assert reply is None or refused(reply), (bad, reply)
        shaped_or_random = data.draw(st.one_of(shaped(event, forum_id), json_value), label="observer's")
        reply = observer.call(event, shaped_or_random)
        if event not in READ_ONLY_EVENTS:
            assert reply is None or refused(reply), (shaped_or_random, reply)
        replies.append(reply)

    throw()
    assert persisted_state(forum_id) == before, "a refused payload changed what is stored"
    assert not server_errors(server.log()), server.log()[-3000:]


def test_the_server_still_serves_a_fresh_client_afterwards(world):
    server, forum_id, _contributor, _observer = world
    fresh = Connection(server, "teacher@example.org", forum_id)
    fresh.ensure()
    reply = fresh.call("facilitation:get", {"forum": forum_id})
    fresh.close()
    assert reply["ok"] and reply["state"]
    assert server.process.poll() is None
