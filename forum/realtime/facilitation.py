"""Facilitation events of the /forum namespace: stages, timer, votes, plan, lead worker, stances, lock.

A mixin of ForumNamespace; each handler validates the payload, checks the connection has joined,
calls one service and sends the new `facilitation` state to the room. See docs/protocol.md.
"""

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_login import current_user
from pycrdt import Text

from forum.realtime.schemas import KIB, MAX_ID, SERVER_UPDATE, payload_size
from forum.services import ServiceError, agreement, lock, plan, stages, votes
from forum.services.documents import LiveDocument, accept_update
from forum.services.entries import member
from forum.services.facilitation import facilitation_state, version_summary
from forum.unit_of_work import unit_of_work

SERVER_FACILITATION = "facilitation"
STAGE_NAMES = [stage.value for stage in stages.ORDER]
MAX_TEXT = agreement.MAX_REASON


@dataclass(frozen=True)
class Arg:
    """One payload field: its kind, and whether it may be left out or be null."""

    kind: str  # id, bool, text, date, ids, or "choice:a|b|c"
    optional: bool = False
    nullable: bool = False


FORUM = {"forum": Arg("id")}
EVENT_SCHEMAS: dict[str, dict[str, Arg]] = {
    "stage:set": {
        **FORUM,
        "stage": Arg("choice:" + "|".join(STAGE_NAMES)),
        "confirm": Arg("bool", optional=True),
    },
    "forum:start": FORUM,
    "chair:handover": {**FORUM, "user": Arg("id")},
    "timer:start": FORUM,
    "timer:pause": FORUM,
    "timer:reset": FORUM,
    "vote:add": {**FORUM, "entry": Arg("id")},
    "vote:remove": {**FORUM, "entry": Arg("id")},
    "priorities:confirm": {**FORUM, "entries": Arg("ids")},
    "goal:add": {**FORUM, "from_entry": Arg("id", optional=True, nullable=True)},
    "goal:remove": {**FORUM, "goal": Arg("id")},
    "action:add": {
        **FORUM,
        "from_entry": Arg("id", optional=True, nullable=True),
        "goal": Arg("id", optional=True, nullable=True),
    },
    "action:set": {
        **FORUM,
        "action": Arg("id"),
        "owner": Arg("id", optional=True, nullable=True),
        "due": Arg("date", optional=True, nullable=True),
        "goal": Arg("id", optional=True, nullable=True),
        "priority": Arg("id", optional=True, nullable=True),
    },
    "action:remove": {**FORUM, "action": Arg("id")},
    "review:set": {**FORUM, "date": Arg("date", nullable=True)},
    "lead:nominate": {**FORUM, "user": Arg("id", nullable=True)},
    "lead:accept": FORUM,
    "lead:decline": FORUM,
    "stance:set": {
        **FORUM,
        "stance": Arg("choice:agree|agree_with_concerns|object"),
        "reason": Arg("text", optional=True, nullable=True),
    },
    "principles:set": {
        **FORUM,
        "key": Arg("choice:" + "|".join(key for key, _question in agreement.PRINCIPLES)),
        "answer": Arg("choice:yes|no|partly"),
        "note": Arg("text", optional=True, nullable=True),
    },
    "lock": {**FORUM, "override_reason": Arg("text", optional=True, nullable=True)},
    "reopen": {**FORUM, "reason": Arg("text")},
    "facilitation:get": FORUM,
    "version:get": {**FORUM, "number": Arg("id")},
}
MAX_BYTES = 8 * KIB


def _check(name: str, arg: Arg, value: object) -> object:
    if value is None:
        if arg.nullable:
            return None
        raise ServiceError(f"'{name}' is required.")
    if arg.kind == "id":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
            raise ServiceError(f"'{name}' must be a positive whole number.")
        return value
    if arg.kind == "bool":
        if not isinstance(value, bool):
            raise ServiceError(f"'{name}' must be true or false.")
        return value
    if arg.kind == "ids":
        if not isinstance(value, list) or len(value) > votes.MAX_PRIORITIES:
            raise ServiceError(f"'{name}' must be a list of at most {votes.MAX_PRIORITIES} ids.")
        return [_check(name, Arg("id"), item) for item in value]
    if not isinstance(value, str):
        raise ServiceError(f"'{name}' must be a string.")
    if arg.kind == "text":
        if len(value) > MAX_TEXT:
            raise ServiceError(f"'{name}' must be at most {MAX_TEXT} characters.", code="too_large")
        return value
    if arg.kind == "date":
        try:
            if len(value) != 10:
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise ServiceError(f"'{name}' must be a date, YYYY-MM-DD.") from error
    if arg.kind.startswith("choice:"):
        choices = arg.kind.removeprefix("choice:").split("|")
        if value not in choices:
            raise ServiceError(f"'{name}' must be one of {', '.join(choices)}.")
        return value
    raise AssertionError(f"unknown kind {arg.kind}")


def validate(event: str, payload: object) -> dict:
    """The checked payload (dates parsed), or ServiceError invalid / too_large; unknown fields refused."""
    fields = EVENT_SCHEMAS[event]
    if payload_size(payload) > MAX_BYTES:
        raise ServiceError(f"The '{event}' message is larger than {MAX_BYTES // KIB} KiB.", code="too_large")
    if not isinstance(payload, dict):
        raise ServiceError(f"The '{event}' message must be an object.")
    unknown = sorted(set(payload) - set(fields))
    if unknown:
        raise ServiceError(f"The '{event}' message has unknown fields: {', '.join(map(str, unknown))}.")
    checked = {}
    for name, arg in fields.items():
        if name not in payload:
            if arg.optional:
                continue
            raise ServiceError(f"'{name}' is required.")
        checked[name] = _check(name, arg, payload[name])
    return checked


def _handler_name(event: str) -> str:
    return "on_" + event.replace(":", "_")


FACILITATION_EVENTS = {event: _handler_name(event) for event in EVENT_SCHEMAS}


def _room():
    """The namespace module's room helpers (it imports this module, so it is looked up when called)."""
    from forum.realtime import namespace

    return namespace


def _text_in(live: LiveDocument, root: str) -> str:
    with live.lock:
        live.catch_up()  # another server process may have accepted edits to it
        return str(live.doc.get(root, type=Text)) if root in live.doc else ""


class FacilitationEvents:
    """Handlers of the facilitation events; mixed into ForumNamespace (which provides _joined etc.)."""

    def vote_budget(self) -> int:
        return int(current_app.config.get("VOTE_BUDGET", votes.DEFAULT_VOTE_BUDGET))

    def emit_facilitation(self, forum_id: int, to: str | None = None, by: dict | None = None) -> None:
        """Send the forum's facilitation state to one connection, or to the whole room; `by` is who
        made the change that the state follows (None when nobody did: a join, a role change)."""
        self.socketio.emit(
            SERVER_FACILITATION,
            {**facilitation_state(forum_id, self.vote_budget()), "by": by},
            to=to or _room().room_name(forum_id),
            namespace=self.namespace,
        )

    def _facilitate(self, event: str, payload, action) -> dict:
        """Validate, require a joined connection, run action(data, live) and broadcast the state."""
        try:
            data = validate(event, payload)
            live = self._joined(data["forum"])
            with unit_of_work():  # edge (to be replaced by the event dispatcher)
                extra = action(data, live) or {}
        except lock.LockRefusedError as error:
            return {
                "ok": False,
                "error": {
                    "code": error.code,
                    "message": error.message,
                    "reasons": [reason.as_dict() for reason in error.reasons],
                },
            }
        except ServiceError as error:
            return _room().refusal(error)
        by = {"user": current_user.id, "name": current_user.full_name, "agency": current_user.agency.name}
        self.emit_facilitation(live.forum_id, by=by)
        return _room().ok(**extra)

    def _seed(self, live: LiveDocument, root: str, entry_id: int | None) -> None:
        """Copy a plan-panel entry's text into a new root: a server change, persisted then relayed."""
        if entry_id is None:
            return
        text = _text_in(live, f"entry:{entry_id}")
        if not text:
            return
        update = plan.seed_update(root, text)
        accept_update(live, current_user.id, update)
        self.socketio.emit(
            SERVER_UPDATE,
            {"forum": live.forum_id, "update": _room().b64(update), "by": current_user.id, "roots": [root]},
            to=_room().room_name(live.forum_id),
            namespace=self.namespace,
        )

    # Stages, chair and timer (chair only)

    def on_stage_set(self, payload=None):
        return self._facilitate(
            "stage:set",
            payload,
            lambda d, live: {
                "stage": stages.set_stage(
                    live.forum_id, current_user, d["stage"], d.get("confirm", False)
                ).value
            },
        )

    def on_forum_start(self, payload=None):
        return self._facilitate(
            "forum:start", payload, lambda d, live: stages.start_forum(live.forum_id, current_user)
        )

    def on_chair_handover(self, payload=None):
        def run(data, live):
            stages.hand_over_chair(live.forum_id, current_user, data["user"])
            for person in live.clients.values():  # presence shows roles; keep them true
                if person.user == current_user.id:
                    person.role = "contributor"
                elif person.user == data["user"]:
                    person.role = "chair"
            self._emit_presence(live)

        return self._facilitate("chair:handover", payload, run)

    def on_timer_start(self, payload=None):
        return self._timer("timer:start", payload, "start")

    def on_timer_pause(self, payload=None):
        return self._timer("timer:pause", payload, "pause")

    def on_timer_reset(self, payload=None):
        return self._timer("timer:reset", payload, "reset")

    def _timer(self, event: str, payload, command: str):
        return self._facilitate(
            event,
            payload,
            lambda d, live: stages.control_timer(live.forum_id, current_user, command) and None,
        )

    # Prioritise

    def on_vote_add(self, payload=None):
        return self._facilitate(
            "vote:add",
            payload,
            lambda d, live: (
                votes.add_vote(live.forum_id, current_user, d["entry"], self.vote_budget()) and None
            ),
        )

    def on_vote_remove(self, payload=None):
        return self._facilitate(
            "vote:remove", payload, lambda d, live: votes.remove_vote(live.forum_id, current_user, d["entry"])
        )

    def on_priorities_confirm(self, payload=None):
        return self._facilitate(
            "priorities:confirm",
            payload,
            lambda d, live: votes.confirm_priorities(live.forum_id, current_user, d["entries"]) and None,
        )

    # Plan

    def on_goal_add(self, payload=None):
        def run(data, live):
            with unit_of_work():  # edge (to be replaced by the event dispatcher): stored before it is seeded
                goal = plan.add_goal(live.forum_id, current_user, data.get("from_entry"))
            self._seed(live, goal.root_name, data.get("from_entry"))
            return {"goal": goal.id, "root": goal.root_name}

        return self._facilitate("goal:add", payload, run)

    def on_goal_remove(self, payload=None):
        return self._facilitate(
            "goal:remove",
            payload,
            lambda d, live: plan.remove_goal(live.forum_id, current_user, d["goal"]) and None,
        )

    def on_action_add(self, payload=None):
        def run(data, live):
            with unit_of_work():  # edge (to be replaced by the event dispatcher): stored before it is seeded
                action = plan.add_action(
                    live.forum_id, current_user, data.get("from_entry"), data.get("goal")
                )
            self._seed(live, action.what_root, data.get("from_entry"))
            return {"action": action.id, "what_root": action.what_root, "measure_root": action.measure_root}

        return self._facilitate("action:add", payload, run)

    def on_action_set(self, payload=None):
        def run(data, live):
            changes = {key: data[key] for key in plan.ACTION_FIELDS if key in data}
            plan.set_action(live.forum_id, current_user, data["action"], changes)

        return self._facilitate("action:set", payload, run)

    def on_action_remove(self, payload=None):
        return self._facilitate(
            "action:remove",
            payload,
            lambda d, live: plan.remove_action(live.forum_id, current_user, d["action"]) and None,
        )

    def on_review_set(self, payload=None):
        return self._facilitate(
            "review:set",
            payload,
            lambda d, live: plan.set_review_date(live.forum_id, current_user, d["date"]),
        )

    # Agree

    def on_lead_nominate(self, payload=None):
        return self._facilitate(
            "lead:nominate",
            payload,
            lambda d, live: agreement.nominate_lead(live.forum_id, current_user, d["user"]),
        )

    def on_lead_accept(self, payload=None):
        return self._facilitate(
            "lead:accept", payload, lambda d, live: agreement.accept_lead(live.forum_id, current_user)
        )

    def on_lead_decline(self, payload=None):
        return self._facilitate(
            "lead:decline", payload, lambda d, live: agreement.decline_lead(live.forum_id, current_user)
        )

    def on_stance_set(self, payload=None):
        return self._facilitate(
            "stance:set",
            payload,
            lambda d, live: (
                agreement.set_stance(live.forum_id, current_user, d["stance"], d.get("reason")) and None
            ),
        )

    def on_principles_set(self, payload=None):
        return self._facilitate(
            "principles:set",
            payload,
            lambda d, live: (
                agreement.set_principle(live.forum_id, current_user, d["key"], d["answer"], d.get("note"))
                and None
            ),
        )

    # Lock and review

    def on_lock(self, payload=None):
        def run(data, live):
            version = lock.lock_plan(live.forum_id, current_user, data.get("override_reason"))
            return {"version": version_summary(version)}

        return self._facilitate("lock", payload, run)

    def on_reopen(self, payload=None):
        return self._facilitate(
            "reopen",
            payload,
            lambda d, live: {"reopened_from": lock.reopen(live.forum_id, current_user, d["reason"])},
        )

    # Reading

    def on_facilitation_get(self, payload=None):
        try:
            data = validate("facilitation:get", payload)
            live = self._joined(data["forum"])
            member(live.forum_id, current_user)
            return _room().ok(state=facilitation_state(live.forum_id, self.vote_budget()))
        except ServiceError as error:
            return _room().refusal(error)

    def on_version_get(self, payload=None):
        try:
            data = validate("version:get", payload)
            live = self._joined(data["forum"])
            member(live.forum_id, current_user)
            version = lock.get_version(live.forum_id, data["number"])
        except ServiceError as error:
            return _room().refusal(error)
        return _room().ok(
            version=version_summary(version),
            document=version.canonical_json.decode("utf-8"),
            sha256=version.sha256,
        )
