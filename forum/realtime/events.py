"""Every client event of the /forum namespace, declared once: its payload, who may send it, the service
it calls and what it tells the room. The namespace dispatches by this table (forum/realtime/namespace.py);
docs/protocol.md lists the same events (a test checks both name the same ones, with the same senders).

Services check who is asking themselves (forum/auth/permissions.py) and raise ServiceError; `who` here
says what they enforce. Connecting, joining and sending a document update are special (their handlers
are in the namespace); they are listed for the senders and the payload all the same.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forum.auth.permissions import require_participant
from forum.live.room import accept_update
from forum.realtime import payloads as p
from forum.services import agreement, lock, plan, stages, votes
from forum.services.entries import (
    add_entry,
    entry_dict,
    entry_of_forum,
    move_entry,
    remove_entry,
    restore_entry,
)
from forum.services.facilitation import facilitation_state, version_summary

# Who may send an event (docs/protocol.md "Who may send what").
PARTICIPANT = "participant"  # everyone in the forum, observers too
WRITER = "writer"  # the chair and contributors
CHAIR = "chair"
NOMINEE = "nominee"  # the nominated lead worker only

# What the room is told after the event succeeded.
FACILITATION = "facilitation"  # the facilitation state, to everyone in the room
ENTRIES = "entries"  # the entry lists, with what changed
PRESENCE = "presence"  # who is in the room


@dataclass
class Call:
    """One accepted event: who sent it on which socket, its checked payload and the forum's live room."""

    sid: str
    user: Any  # the signed-in User
    data: p.Payload
    live: Any  # the forum's live Room (joined)
    vote_budget: int

    @property
    def forum_id(self) -> int:
        return self.data.forum


@dataclass(frozen=True)
class Event:
    """A client event: name, payload model, who may send it, the service and what the room is told."""

    name: str
    payload: type[p.Payload]
    who: str
    service: Callable[[Call], Any] | None  # None: a special handler in the namespace
    tell: tuple[str, ...] = ()  # FACILITATION, ENTRIES, PRESENCE
    reply: Callable[[Any], dict] = field(default=lambda _outcome: {})  # the acknowledgement's fields
    max_bytes: int = 8 * p.KIB
    change: str = ""  # for ENTRIES: what happened to the entry the service returns
    then: Callable[[Call, Any], None] | None = None  # after the commit (a second unit of work)

    @property
    def fields(self) -> dict[str, tuple[str, bool, bool]]:
        return p.fields_of(self.payload)


# Services, in the words of the event (each flushes, never commits: the dispatcher commits once).


def _focus(call: Call) -> None:
    require_participant(call.forum_id, call.user)
    if call.data.entry is not None:
        entry_of_forum(call.forum_id, call.data.entry)
    call.live.focus(call.sid, call.data.entry)


def _goal_add(call: Call):
    return plan.add_goal(call.forum_id, call.user, call.data.from_entry)


def _action_add(call: Call):
    return plan.add_action(call.forum_id, call.user, call.data.from_entry, call.data.goal)


def _action_set(call: Call) -> None:
    changes = {
        key: getattr(call.data, key) for key in plan.ACTION_FIELDS if key in call.data.model_fields_set
    }
    plan.set_action(call.forum_id, call.user, call.data.action, changes)


def _facilitation_get(call: Call) -> dict:
    require_participant(call.forum_id, call.user)
    return facilitation_state(call.forum_id, call.vote_budget)


def _version_get(call: Call):
    require_participant(call.forum_id, call.user)
    return lock.get_version(call.forum_id, call.data.number)


def _seed(call: Call, row) -> None:
    """A goal or action made from a plan-panel entry starts with that entry's text: a server change to
    the document, stored by group commit once the row is committed (so in a second transaction), then
    relayed to everyone (its requester too) like any update."""
    if call.data.from_entry is None:
        return
    root = row.root_name if hasattr(row, "root_name") else row.what_root
    text = call.live.text_of(f"entry:{call.data.from_entry}")
    if not text:
        return
    update = plan.seed_update(root, text)
    accept_update(call.live, call.user.id, update)


def _entry_reply(entry) -> dict:
    return {"entry": entry_dict(entry)}


def _version_reply(version) -> dict:
    return {
        "version": version_summary(version),
        "document": version.canonical_json.decode("utf-8"),
        "sha256": version.sha256,
    }


def _seeded(outcome) -> dict:
    """goal:add / action:add: the new row and the roots of its text(s)."""
    if hasattr(outcome, "what_root"):
        return {"action": outcome.id, "what_root": outcome.what_root, "measure_root": outcome.measure_root}
    return {"goal": outcome.id, "root": outcome.root_name}


_TABLE = [
    # The room
    Event("join", p.Join, PARTICIPANT, None, max_bytes=64 * p.KIB),
    Event("update", p.Update, WRITER, None, max_bytes=256 * p.KIB),
    Event("sync", p.Sync, PARTICIPANT, None, max_bytes=64 * p.KIB),
    Event("leave", p.Payload, PARTICIPANT, None, max_bytes=4 * p.KIB),
    Event("focus", p.Focus, PARTICIPANT, _focus, tell=(PRESENCE,), max_bytes=4 * p.KIB),
    # Entries
    Event(
        "entry:add",
        p.PanelEntry,
        WRITER,
        lambda c: add_entry(c.forum_id, c.user, c.data.panel),
        tell=(ENTRIES,),
        reply=_entry_reply,
        change="added",
        max_bytes=4 * p.KIB,
    ),
    Event(
        "entry:remove",
        p.OneEntry,
        WRITER,
        lambda c: remove_entry(c.forum_id, c.user, c.data.entry),
        tell=(ENTRIES,),
        change="removed",
        max_bytes=4 * p.KIB,
    ),
    Event(
        "entry:move",
        p.EntryMove,
        WRITER,
        lambda c: move_entry(c.forum_id, c.user, c.data.entry, c.data.direction),
        tell=(ENTRIES,),
        change="moved",
        max_bytes=4 * p.KIB,
    ),
    Event(
        "entry:restore",
        p.OneEntry,
        WRITER,
        lambda c: restore_entry(c.forum_id, c.user, c.data.entry),
        tell=(ENTRIES,),
        change="restored",
        max_bytes=4 * p.KIB,
    ),
    # Stages, chair and timer
    Event(
        "stage:set",
        p.StageSet,
        CHAIR,
        lambda c: stages.set_stage(c.forum_id, c.user, c.data.stage, c.data.confirm),
        tell=(FACILITATION,),
        reply=lambda stage: {"stage": stage.value},
    ),
    Event(
        "forum:start",
        p.Payload,
        CHAIR,
        lambda c: stages.start_forum(c.forum_id, c.user),
        tell=(FACILITATION,),
    ),
    Event(
        "chair:handover",
        p.ToUser,
        CHAIR,
        lambda c: stages.hand_over_chair(c.forum_id, c.user, c.data.user),
        tell=(FACILITATION, PRESENCE),  # presence shows roles
    ),
    Event(
        "spotlight",
        p.Spotlight,
        CHAIR,
        lambda c: stages.set_spotlight(c.forum_id, c.user, c.data.target),
        tell=(FACILITATION,),
        max_bytes=4 * p.KIB,
    ),
    *(
        Event(
            f"timer:{command}",
            p.Payload,
            CHAIR,
            lambda c, command=command: stages.control_timer(c.forum_id, c.user, command),
            tell=(FACILITATION,),
        )
        for command in ("start", "pause", "reset")
    ),
    # Prioritise
    Event(
        "vote:add",
        p.OneEntry,
        WRITER,
        lambda c: votes.add_vote(c.forum_id, c.user, c.data.entry, c.vote_budget),
        tell=(FACILITATION,),
    ),
    Event(
        "vote:remove",
        p.OneEntry,
        WRITER,
        lambda c: votes.remove_vote(c.forum_id, c.user, c.data.entry),
        tell=(FACILITATION,),
    ),
    Event(
        "priorities:confirm",
        p.Priorities,
        CHAIR,
        lambda c: votes.confirm_priorities(c.forum_id, c.user, c.data.entries),
        tell=(FACILITATION,),
    ),
    # Plan
    Event("goal:add", p.GoalAdd, WRITER, _goal_add, tell=(FACILITATION,), reply=_seeded, then=_seed),
    Event(
        "goal:remove",
        p.GoalRef,
        WRITER,
        lambda c: plan.remove_goal(c.forum_id, c.user, c.data.goal),
        tell=(FACILITATION,),
    ),
    Event("action:add", p.ActionAdd, WRITER, _action_add, tell=(FACILITATION,), reply=_seeded, then=_seed),
    Event("action:set", p.ActionSet, WRITER, _action_set, tell=(FACILITATION,)),
    Event(
        "action:remove",
        p.ActionRef,
        WRITER,
        lambda c: plan.remove_action(c.forum_id, c.user, c.data.action),
        tell=(FACILITATION,),
    ),
    Event(
        "review:set",
        p.ReviewSet,
        WRITER,
        lambda c: plan.set_review_date(c.forum_id, c.user, c.data.date),
        tell=(FACILITATION,),
    ),
    # Agree
    Event(
        "lead:nominate",
        p.Nominate,
        CHAIR,
        lambda c: agreement.nominate_lead(c.forum_id, c.user, c.data.user),
        tell=(FACILITATION,),
    ),
    Event(
        "lead:accept",
        p.Payload,
        NOMINEE,
        lambda c: agreement.accept_lead(c.forum_id, c.user),
        tell=(FACILITATION,),
    ),
    Event(
        "lead:decline",
        p.Payload,
        NOMINEE,
        lambda c: agreement.decline_lead(c.forum_id, c.user),
        tell=(FACILITATION,),
    ),
    Event(
        "stance:set",
        p.StanceSet,
        WRITER,
        lambda c: agreement.set_stance(c.forum_id, c.user, c.data.stance, c.data.reason),
        tell=(FACILITATION,),
    ),
    Event(
        "principles:set",
        p.PrincipleSet,
        CHAIR,
        lambda c: agreement.set_principle(c.forum_id, c.user, c.data.key, c.data.answer, c.data.note),
        tell=(FACILITATION,),
    ),
    # Lock and reopen
    Event(
        "lock",
        p.Lock,
        CHAIR,
        lambda c: lock.lock_plan(c.forum_id, c.user, c.data.override_reason),
        tell=(FACILITATION,),
        reply=lambda version: {"version": version_summary(version)},
    ),
    Event(
        "reopen",
        p.Reopen,
        CHAIR,
        lambda c: lock.reopen(c.forum_id, c.user, c.data.reason),
        tell=(FACILITATION,),
        reply=lambda number: {"reopened_from": number},
    ),
    # Reading
    Event(
        "facilitation:get",
        p.Payload,
        PARTICIPANT,
        _facilitation_get,
        reply=lambda state: {"state": state},
    ),
    Event("version:get", p.VersionGet, PARTICIPANT, _version_get, reply=_version_reply),
]

EVENTS: dict[str, Event] = {event.name: event for event in _TABLE}
assert len(EVENTS) == len(_TABLE), "an event is declared twice"
