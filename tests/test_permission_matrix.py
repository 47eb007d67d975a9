"""Every client event from every kind of person, on the real server: exactly the refusal that
docs/protocol.md's "who may send what" says, and nothing stored changes on a refusal (issue 15)."""

import base64
from pathlib import Path

import pytest
import socketio
from pycrdt import Doc, Text

from forum.realtime import events
from forum.realtime.namespace import ForumNamespace
from forum.services.entries import add_entry
from tests import security_support
from tests.lock_factories import CHAIR, HEALTH, OBSERVER, forum_with_people
from tests.security_support import start_server
from tests.test_security_fuzz import persisted_state

pytestmark = pytest.mark.security

module_app = security_support.module_app
module_people = security_support.module_people

NAMESPACE = "/forum"
CHAIR_ONLY = {
    "forum:start",
    "stage:set",
    "chair:handover",
    "timer:start",
    "timer:pause",
    "timer:reset",
    "spotlight",
    "priorities:confirm",
    "lead:nominate",
    "principles:set",
    "lock",
    "reopen",
}
WRITERS = {
    "update",
    "entry:add",
    "entry:remove",
    "entry:move",
    "entry:restore",  # the remover, the entry's author or the chair: here the contributor wrote it
    "vote:add",
    "vote:remove",
    "goal:add",
    "goal:remove",
    "action:add",
    "action:set",
    "action:remove",
    "review:set",
    "stance:set",
}
NOMINEE_ONLY = {"lead:accept", "lead:decline"}
EVERY_PARTICIPANT = {"join", "leave", "focus", "sync", "facilitation:get", "version:get"}
ROLES = ["chair", "contributor", "observer", "outsider", "administrator", "other forum's chair"]
EMAILS = {
    "chair": CHAIR,
    "contributor": HEALTH,
    "observer": OBSERVER,
    "outsider": "outsider@example.org",
    "administrator": "admin@example.org",
    "other forum's chair": "elsewhere@example.org",
}


def expected(role: str, event: str) -> str | None:
    """The refusal the protocol gives this person for this event (None: not refused for who they are)."""
    if role in ("outsider", "administrator", "other forum's chair"):
        return "forbidden" if event == "join" else "not_joined"
    if event in NOMINEE_ONLY:
        return "forbidden"  # nobody is nominated in this forum
    if event in CHAIR_ONLY:
        return None if role == "chair" else "forbidden"
    if event in WRITERS:
        return "forbidden" if role == "observer" else None
    return None


def payloads(forum_id: int, entry: int, perpetuating: int) -> dict[str, dict]:
    doc = Doc()
    doc["hypothesis"] = Text("typed by someone")
    f = forum_id
    return {
        "join": {"forum": f},
        "leave": {"forum": f},
        "focus": {"forum": f, "entry": entry},
        "sync": {"forum": f, "sv": base64.b64encode(Doc().get_state()).decode()},
        "facilitation:get": {"forum": f},
        "version:get": {"forum": f, "number": 1},
        "update": {"forum": f, "update": base64.b64encode(doc.get_update()).decode()},
        "entry:add": {"forum": f, "panel": "protective"},
        "entry:remove": {"forum": f, "entry": entry},
        "entry:move": {"forum": f, "entry": entry, "direction": "up"},
        "entry:restore": {"forum": f, "entry": entry},
        "vote:add": {"forum": f, "entry": perpetuating},
        "vote:remove": {"forum": f, "entry": perpetuating},
        "goal:add": {"forum": f, "from_entry": None},
        "goal:remove": {"forum": f, "goal": 999999},
        "action:add": {"forum": f, "from_entry": None, "goal": None},
        "action:set": {"forum": f, "action": 999999, "due": "2030-01-01"},
        "action:remove": {"forum": f, "action": 999999},
        "review:set": {"forum": f, "date": None},
        "stance:set": {"forum": f, "stance": "agree"},
        "stage:set": {"forum": f, "stage": "gather"},
        "forum:start": {"forum": f},
        "chair:handover": {"forum": f, "user": 999999},
        "timer:start": {"forum": f},
        "timer:pause": {"forum": f},
        "timer:reset": {"forum": f},
        "spotlight": {"forum": f, "target": f"entry:{perpetuating}"},
        "priorities:confirm": {"forum": f, "entries": [perpetuating]},
        "lead:nominate": {"forum": f, "user": None},
        "principles:set": {"forum": f, "key": "strength_focused", "answer": "yes"},
        "lock": {"forum": f},
        "reopen": {"forum": f, "reason": "A review"},
        "lead:accept": {"forum": f},
        "lead:decline": {"forum": f},
    }


def test_the_tables_name_every_event_once():
    groups = [CHAIR_ONLY, WRITERS, NOMINEE_ONLY, EVERY_PARTICIPANT]
    assert set().union(*groups) == set(ForumNamespace.EVENTS)
    assert sum(len(group) for group in groups) == len(ForumNamespace.EVENTS)
    assert set(payloads(1, 1, 1)) == set(ForumNamespace.EVENTS)


def test_the_event_table_says_who_may_send_each_event_as_the_protocol_does():
    declared = {
        events.CHAIR: CHAIR_ONLY,
        events.WRITER: WRITERS,
        events.NOMINEE: NOMINEE_ONLY,
        events.PARTICIPANT: EVERY_PARTICIPANT,
    }
    for who, names in declared.items():
        assert {name for name, event in events.EVENTS.items() if event.who == who} == names, who


@pytest.fixture(scope="module")
def room(module_app, module_people, tmp_path_factory):
    setup = forum_with_people(module_people, "RF-MATRIX")
    module_people.user(EMAILS["outsider"], agency="Police", name="Otto Outsider")
    module_people.user(EMAILS["administrator"], agency="Council", name="Ann Admin", admin=True)
    module_people.user(EMAILS["other forum's chair"], agency="Housing", name="Elsa Elsewhere")
    module_people.forum("RF-ELSEWHERE", chair=EMAILS["other forum's chair"])
    entry = add_entry(setup.forum_id, setup.nurse, "presenting").id
    server = start_server(module_app, tmp_path_factory, env={"SOCKET_EVENTS_BURST": "100000"})
    yield server, setup, entry
    server.stop()


@pytest.mark.parametrize("role", ROLES)
def test_every_event_gets_exactly_the_protocols_refusal_and_a_refusal_changes_nothing(room, role):
    server, setup, entry = room
    fid = setup.forum_id
    http = server.session(EMAILS[role])
    client = socketio.Client(reconnection=False, http_session=http)
    client.connect(server.url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=10)
    joins = expected(role, "join") is None
    if joins:
        assert client.call("join", {"forum": fid}, namespace=NAMESPACE, timeout=10)["ok"]
    wrong = []
    # The chair's state-changing events last, so that what others send meets the same forum.
    order = sorted(
        payloads(fid, entry, setup.perpetuating[0]).items(), key=lambda item: item[0] in CHAIR_ONLY
    )
    try:
        for event, payload in order:
            before = persisted_state(fid)
            reply = client.call(event, payload, namespace=NAMESPACE, timeout=10)
            code = None if reply.get("ok") else reply["error"]["code"]
            want = expected(role, event)
            if want is not None and code != want:
                wrong.append((event, want, code))
            if want is None and code in ("forbidden", "not_joined", "server_error"):
                wrong.append((event, "allowed", code))
            if code in ("forbidden", "not_joined") and persisted_state(fid) != before:
                wrong.append((event, "nothing stored changes", "changed"))
            if joins and event in ("join", "leave"):
                assert client.call("join", {"forum": fid}, namespace=NAMESPACE, timeout=10)["ok"]
    finally:
        client.disconnect()
    assert not wrong, wrong


def protocol_rows() -> dict[str, tuple[str, str, str]]:
    """docs/protocol.md's "Every client event" table: event -> (who, limit, the room is told)."""
    text = (Path(__file__).parent.parent / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = text.split("## Every client event", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1], cells[2], cells[3])
    return rows


def test_the_protocol_and_the_event_table_name_the_same_events_senders_and_limits():
    rows = protocol_rows()
    assert set(rows) == set(events.EVENTS)
    for name, event in events.EVENTS.items():
        who, limit, _told = rows[name]
        assert who == event.who, name
        assert limit == f"{event.max_bytes // 1024} KiB", name
