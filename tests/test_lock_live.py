"""The facilitated forum and the lock against the real eventlet server, with real Socket.IO clients."""

import asyncio
import contextvars
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from pycrdt import Text
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEvent, Forum, Stage
from forum.models.version import PlanVersion
from forum.services.agreement import nominate_lead, set_stance
from forum.services.forums import add_participant
from forum.services.lock import lock_plan
from forum.services.plan import actions, set_review_date
from forum.services.stages import read_plan, set_stage
from tests.live_clients import FacilitatedClient, eventually
from tests.lock_factories import (
    CHAIR,
    HEALTH,
    OBSERVER,
    SCHOOL,
    agree_on_it,
    assert_valid_document,
    forum_with_people,
    make_draft,
    make_lockable,
)
from tests.stored import document_texts

pytestmark = pytest.mark.lock


async def connected(live_server, email: str, forum_id: int) -> FacilitatedClient:
    client = FacilitatedClient(
        live_server.url, live_server.session(email), origin=live_server.url, forum_id=forum_id
    )
    await client.connect()
    reply = await client.join()
    assert reply["ok"], reply
    return client


def run(scenario, timeout: float = 90):
    """Run an async scenario on its own thread's event loop (the main thread may already have one).

    The thread gets a copy of this context, so the test's app context (and session) stays usable.
    """
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, lambda: asyncio.run(asyncio.wait_for(scenario(), timeout))).result()


def stored_versions(forum_id: int) -> list[PlanVersion]:
    db.session.rollback()
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(PlanVersion).where(PlanVersion.forum_id == forum_id).order_by(PlanVersion.number)
        )
    )


def ok(reply: dict) -> dict:
    assert reply["ok"], reply
    return reply


def refused(reply: dict, code: str) -> dict:
    assert not reply["ok"] and reply["error"]["code"] == code, reply
    return reply


def test_full_flow_from_gather_to_locked(live_server, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    review = (date.today() + timedelta(days=90)).isoformat()
    due = (date.today() + timedelta(days=14)).isoformat()

    async def scenario():
        chair, nurse, teacher, observer = [
            await connected(live_server, email, fid) for email in (CHAIR, HEALTH, SCHOOL, OBSERVER)
        ]
        everyone = [chair, nurse, teacher, observer]
        assert await eventually(lambda: all(c.state and c.state["stage"] == "gather" for c in everyone))
        assert chair.state["chair"]["name"] == "Cara Chair"
        assert observer.state["by"] is None  # the state sent after a join: nobody changed anything
        assert {b["code"] for b in chair.state["lock_blockers"]} >= {"no_lead_worker", "no_review_date"}

        # Gather → Hypothesis: forward needs confirmation; the whole room follows.
        refused(await chair.call("stage:set", {"forum": fid, "stage": "hypothesis"}), "confirm_needed")
        ok(await chair.call("stage:set", {"forum": fid, "stage": "hypothesis", "confirm": True}))
        assert await eventually(lambda: all(c.state["stage"] == "hypothesis" for c in everyone))
        assert observer.state["by"] == {
            "user": setup.chair.id,
            "name": "Cara Chair",
            "agency": "Children's Social Care",
        }
        ok(await chair.call("timer:start", {"forum": fid}))
        assert await eventually(lambda: all(c.state["timer"]["running"] for c in everyone))
        ok(await nurse.edit("hypothesis", "Late nights keep J from school."))
        assert await eventually(lambda: observer.text("hypothesis") == "Late nights keep J from school.")

        # Prioritise: votes within the budget, tallies live, observers refused; the chair confirms.
        ok(await chair.call("stage:set", {"forum": fid, "stage": "prioritise", "confirm": True}))
        assert await eventually(lambda: not observer.state["timer"]["running"])  # a new stage resets it
        first, second = setup.perpetuating
        ok(await nurse.call("vote:add", {"forum": fid, "entry": first}))
        ok(await teacher.call("vote:add", {"forum": fid, "entry": first}))
        ok(await teacher.call("vote:add", {"forum": fid, "entry": second}))
        refused(await observer.call("vote:add", {"forum": fid, "entry": first}), "forbidden")
        assert await eventually(
            lambda: (
                {t["entry"]: t["votes"] for t in observer.state["votes"]["tallies"]} == {first: 2, second: 1}
            )
        )
        refused(
            await nurse.call("priorities:confirm", {"forum": fid, "entries": [first, second]}), "forbidden"
        )
        ok(await chair.call("priorities:confirm", {"forum": fid, "entries": [first, second]}))

        # Plan: a goal and an action started from the plan panel's entry; texts copied by the server.
        ok(await chair.call("stage:set", {"forum": fid, "stage": "plan", "confirm": True}))
        goal = ok(await teacher.call("goal:add", {"forum": fid, "from_entry": setup.plan_entries[0]}))
        assert await eventually(
            lambda: all(c.text(goal["root"]) == "Meet J at the gate each morning." for c in everyone)
        )
        action = ok(
            await teacher.call(
                "action:add", {"forum": fid, "from_entry": setup.plan_entries[0], "goal": goal["goal"]}
            )
        )
        assert await eventually(lambda: nurse.text(action["what_root"]) == "Meet J at the gate each morning.")
        ok(
            await teacher.call(
                "action:set",
                {
                    "forum": fid,
                    "action": action["action"],
                    "owner": setup.teacher.id,
                    "due": due,
                    "priority": first,
                },
            )
        )
        ok(await teacher.edit(action["measure_root"], "J is in by 8:45."))
        ok(await nurse.call("review:set", {"forum": fid, "date": review}))
        ok(await chair.edit("family_communication", "Nia visits Mum on Friday."))
        assert await eventually(lambda: observer.state["review_date"] == review)
        assert observer.state["actions"][0]["owner"]["name"] == "Tom Teacher"

        # Agree: one lead worker who accepts; a stance from every attending agency.
        ok(await chair.call("stage:set", {"forum": fid, "stage": "agree", "confirm": True}))
        ok(await chair.call("lead:nominate", {"forum": fid, "user": setup.nurse.id}))
        refused(await teacher.call("lead:accept", {"forum": fid}), "forbidden")
        ok(await nurse.call("lead:accept", {"forum": fid}))
        refused(await observer.call("stance:set", {"forum": fid, "stance": "agree"}), "forbidden")
        refused(
            await nurse.call("stance:set", {"forum": fid, "stance": "agree_with_concerns"}), "reason_needed"
        )
        ok(
            await nurse.call(
                "stance:set", {"forum": fid, "stance": "agree_with_concerns", "reason": "GP first."}
            )
        )
        ok(await teacher.call("stance:set", {"forum": fid, "stance": "agree"}))
        ok(await chair.call("stance:set", {"forum": fid, "stance": "agree"}))
        ok(await chair.call("principles:set", {"forum": fid, "key": "education_protective", "answer": "yes"}))
        assert await eventually(lambda: observer.state["lead_worker"]["accepted_at"] is not None)
        assert await eventually(lambda: observer.state["lock_blockers"] == [])

        refused(await nurse.call("lock", {"forum": fid}), "forbidden")
        locked = ok(await chair.call("lock", {"forum": fid}))
        assert locked["version"]["number"] == 1
        assert await eventually(
            lambda: all(c.state["stage"] == "locked" and len(c.state["versions"]) == 1 for c in everyone)
        )
        after = await nurse.edit("hypothesis", " And more.")
        refused(after, "locked")
        fetched = ok(await observer.call("version:get", {"forum": fid, "number": 1}))
        for client in everyone:
            await client.disconnect()
        return locked, fetched

    locked, fetched = run(scenario)
    (version,) = stored_versions(fid)
    document = json.loads(version.canonical_json)
    assert_valid_document(document)
    assert fetched["document"].encode() == version.canonical_json and fetched["sha256"] == version.sha256
    assert locked["version"]["sha256"] == version.sha256
    assert document["hypothesis"] == "Late nights keep J from school."
    assert document["goals"][0]["text"] == "Meet J at the gate each morning."
    assert [p["name"] for p in document["actions"][0]["contributors"]] == ["Tom Teacher"]
    assert document["actions"][0] | {"id": 0, "goal": 0, "contributors": []} == {
        "contributors": [],
        "id": 0,
        "what": "Meet J at the gate each morning.",
        "owner": {"name": "Tom Teacher", "agency": "School"},
        "due": due,
        "measure": "J is in by 8:45.",
        "goal": 0,
        "priority": 1,
    }
    assert document["lead_worker"] == {
        "name": "Nia Nurse",
        "agency": "Health",
        "contact": HEALTH,
        "accepted_at": document["lead_worker"]["accepted_at"],
    }
    assert [p["votes"] for p in document["priorities"]] == [2, 1]
    assert document["family_communication"] == "Nia visits Mum on Friday."
    assert document["review_date"] == review
    assert (
        document_texts(fid)["hypothesis"] == "Late nights keep J from school."
    )  # the refused edit is not stored
    audited = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.forum_id == fid)))
    assert {"forum.stage", "lead.nominate", "lead.accept", "stance.set", "plan.lock"} <= audited


def _no_lead(setup):
    nominate_lead(setup.forum_id, setup.chair, None)


def _not_accepted(setup):
    nominate_lead(setup.forum_id, setup.chair, setup.teacher.id)


def _no_action(setup):
    from forum.services.plan import remove_action

    for action in actions(setup.forum_id):
        remove_action(setup.forum_id, setup.chair, action.id)


def _no_review_date(setup):
    set_review_date(setup.forum_id, setup.chair, None)


def _missing_stance(setup):
    add_participant(setup.forum_id, "housing@example.org", "contributor")


def _objection(setup):
    set_stance(setup.forum_id, setup.teacher, "object", "Mornings are not covered.")


BREAKERS = {
    "no_lead_worker": _no_lead,
    "lead_worker_not_accepted": _not_accepted,
    "no_action": _no_action,
    "no_review_date": _no_review_date,
    "missing_stances": _missing_stance,
    "objection_needs_override": _objection,
}
DRAFT_BREAKERS = {"no_action", "no_review_date"}  # change the draft: before it is frozen in Agree


def test_each_lock_refusal_reason_is_reported_alone_and_all_together(live_server, people):
    people.user("housing@example.org", agency="Housing", name="Hal Housing")
    forums = {}
    for index, (code, breaker) in enumerate(BREAKERS.items()):
        setup = forum_with_people(people, reference=f"RF-{index}") if index else forum_with_people(people)
        make_draft(setup)
        if code in DRAFT_BREAKERS:
            breaker(setup)
        agree_on_it(setup)
        if code not in DRAFT_BREAKERS:
            breaker(setup)
        forums[code] = setup.forum_id
    everything = forum_with_people(people, reference="RF-ALL")
    for code, breaker in BREAKERS.items():
        if code in DRAFT_BREAKERS:
            breaker(everything)
    set_stage(everything.forum_id, everything.chair, "agree", confirm=True)
    for code, breaker in BREAKERS.items():
        if code not in DRAFT_BREAKERS:
            breaker(everything)
    db.session.commit()  # set-up is stored, as the edge would store it

    async def scenario():
        replies = {}
        for code, fid in [*forums.items(), ("all", everything.forum_id)]:
            chair = await connected(live_server, CHAIR, fid)
            replies[code] = await chair.call("lock", {"forum": fid})
            await chair.disconnect()
        return replies

    replies = run(scenario)
    for code in BREAKERS:
        reply = refused(replies[code], "lock_refused")
        assert [reason["code"] for reason in reply["error"]["reasons"]] == [code], reply
        assert reply["error"]["message"]
    all_codes = {reason["code"] for reason in replies["all"]["error"]["reasons"]}
    assert all_codes == set(BREAKERS) - {"no_lead_worker"}  # a nominee who has not accepted
    assert db.session.scalar(select(func.count(PlanVersion.id))) == 0
    db.session.expire_all()
    assert all(db.session.get(Forum, fid).stage != Stage.LOCKED for fid in forums.values())


def test_two_chairs_locking_at_the_same_moment_make_one_version(live_server, people):
    setup = forum_with_people(people)
    people.user("cochair@example.org", agency="Children's Social Care", name="Coco Chair")
    add_participant(setup.forum_id, "cochair@example.org", "chair")
    make_lockable(setup)
    fid = setup.forum_id

    async def scenario():
        chair = await connected(live_server, CHAIR, fid)
        cochair = await connected(live_server, "cochair@example.org", fid)
        outcomes = []
        for round_number in range(4):
            replies = await asyncio.gather(
                chair.call("lock", {"forum": fid}), cochair.call("lock", {"forum": fid})
            )
            outcomes.append(replies)
            # Ready the next round: reopen, and accept and agree again.
            ok(await chair.call("reopen", {"forum": fid, "reason": f"Round {round_number}"}))
            ok(await chair.call("stage:set", {"forum": fid, "stage": "agree", "confirm": True}))
            nurse = await connected(live_server, HEALTH, fid)
            teacher = await connected(live_server, SCHOOL, fid)
            ok(await nurse.call("lead:accept", {"forum": fid}))
            for person in (chair, nurse, teacher):
                ok(await person.call("stance:set", {"forum": fid, "stance": "agree"}))
            await nurse.disconnect()
            await teacher.disconnect()
        await chair.disconnect()
        await cochair.disconnect()
        return outcomes

    outcomes = run(scenario, timeout=120)
    for replies in outcomes:
        assert sorted(reply["ok"] for reply in replies) == [False, True], replies
        loser = next(reply for reply in replies if not reply["ok"])
        assert loser["error"]["code"] == "locked"
    assert [v.number for v in stored_versions(fid)] == [1, 2, 3, 4]


def test_an_update_racing_the_freeze_is_in_the_version_or_refused_and_reported(live_server, people):
    """Moving to Agree freezes the draft: an edit racing it is either in the proposal (and so in the
    locked version) or refused `frozen`, its text kept by its author."""
    setup = forum_with_people(people)
    make_draft(setup)
    fid = setup.forum_id
    typists_entries = [setup.perpetuating[0], setup.perpetuating[1], setup.plan_entries[0]]

    async def scenario():
        chair = await connected(live_server, CHAIR, fid)
        typists = [await connected(live_server, email, fid) for email in (HEALTH, SCHOOL, CHAIR)]
        locked = asyncio.Event()
        sent: dict[int, list[str]] = {entry: [] for entry in typists_entries}

        async def type_until_refused(client, entry_id):
            n = 0
            while True:
                chunk = f"<{entry_id}:{n}>"
                reply = await client.edit(f"entry:{entry_id}", chunk)
                sent[entry_id].append(chunk)
                n += 1
                if reply is None or not reply["ok"] or (locked.is_set() and n > 200):
                    return
                await asyncio.sleep(0.02)  # a fast typist, well within the per-connection rate limit

        async def lock_soon():
            await asyncio.sleep(0.4)
            reply = await chair.call("stage:set", {"forum": fid, "stage": "agree", "confirm": True})
            locked.set()
            return reply

        results = await asyncio.gather(
            lock_soon(), *(type_until_refused(c, e) for c, e in zip(typists, typists_entries, strict=True))
        )
        for client in [chair, *typists]:
            await client.disconnect()
        return results[0], typists, sent

    lock_reply, typists, sent = run(scenario)
    ok(lock_reply)
    agree_on_it(setup)
    lock_plan(fid, setup.chair)
    db.session.commit()  # set-up is stored, as the edge would store it
    (version,) = stored_versions(fid)
    document = json.loads(version.canonical_json)
    texts = {entry["id"]: entry["text"] for panel in document["panels"] for entry in panel["entries"]}
    for client, entry_id in zip(typists, typists_entries, strict=True):
        assert not client.unsaved, "an update was neither stored nor refused"
        assert len(client.refused) == 1 and client.refused[0]["reply"]["error"]["code"] == "frozen"
        acked = len(client.acked) - 0
        base = {
            setup.perpetuating[0]: "Late nights make mornings hard.",
            setup.perpetuating[1]: "Missed lessons mean J avoids school.",
            setup.plan_entries[0]: "Meet J at the gate each morning.",
        }[entry_id]
        # Every acknowledged chunk is in the locked version, in order; the refused one is not.
        assert texts[entry_id] == base + "".join(sent[entry_id][:acked]), (entry_id, acked)
        assert acked > 0
        # The author still has the refused text locally, to be told and kept.
        assert client.text(f"entry:{entry_id}").endswith(sent[entry_id][acked])


def test_after_the_lock_every_edit_is_refused_even_offline_edits_on_reconnect(live_server, people):
    setup = forum_with_people(people)
    make_lockable(setup)
    fid = setup.forum_id
    entry_root = f"entry:{setup.perpetuating[0]}"

    async def scenario():
        chair = await connected(live_server, CHAIR, fid)
        nurse = await connected(live_server, HEALTH, fid)
        observer = await connected(live_server, OBSERVER, fid)
        offline = await connected(live_server, SCHOOL, fid)
        await offline.sio.disconnect()  # goes offline and keeps typing
        offline_text = offline.doc.get(entry_root, type=Text)
        offline_text.insert(len(offline_text), " typed offline")
        offline.unsaved.append(offline.doc.get_update())

        ok(await chair.call("lock", {"forum": fid}))
        replies = {
            "chair update": await chair.edit("hypothesis", " late"),
            "nurse update": await nurse.edit(entry_root, " late"),
            "entry:add": await nurse.call("entry:add", {"forum": fid, "panel": "plan"}),
            "vote:add": await nurse.call("vote:add", {"forum": fid, "entry": setup.perpetuating[0]}),
            "stance:set": await nurse.call("stance:set", {"forum": fid, "stance": "agree"}),
            "review:set": await chair.call("review:set", {"forum": fid, "date": date.today().isoformat()}),
            "stage:set": await chair.call("stage:set", {"forum": fid, "stage": "plan"}),
            "lead:nominate": await chair.call("lead:nominate", {"forum": fid, "user": setup.teacher.id}),
            "goal:add": await chair.call("goal:add", {"forum": fid}),
            "timer:start": await chair.call("timer:start", {"forum": fid}),
        }
        observer_reply = await observer.edit(entry_root, " observer")

        reconnected = FacilitatedClient(
            live_server.url, live_server.session(SCHOOL), origin=live_server.url, forum_id=fid
        )
        reconnected.doc = offline.doc  # the same device: its document with the offline edit
        await reconnected.connect()
        join = ok(await reconnected.join())
        for client in (chair, nurse, observer, reconnected):
            await client.disconnect()
        return replies, observer_reply, join, reconnected

    replies, observer_reply, join, reconnected = run(scenario)
    for name, reply in replies.items():
        assert not reply["ok"] and reply["error"]["code"] == "locked", (name, reply)
    refused(observer_reply, "forbidden")
    assert join["forum"]["stage"] == "locked"
    assert [r["reply"]["error"]["code"] for r in reconnected.refused] == ["locked"]
    assert reconnected.text(entry_root).endswith(" typed offline")  # kept on the device
    stored = document_texts(fid)
    assert "offline" not in stored[entry_root] and "late" not in stored[entry_root]
    (version,) = stored_versions(fid)
    assert b"offline" not in version.canonical_json


def test_reopen_starts_version_two_and_leaves_version_one_unchanged(live_server, people):
    setup = forum_with_people(people)
    make_lockable(setup)
    fid = setup.forum_id

    async def scenario():
        chair = await connected(live_server, CHAIR, fid)
        nurse = await connected(live_server, HEALTH, fid)
        teacher = await connected(live_server, SCHOOL, fid)
        ok(await chair.call("lock", {"forum": fid}))
        first = ok(await nurse.call("version:get", {"forum": fid, "number": 1}))
        refused(await nurse.call("reopen", {"forum": fid, "reason": "Review"}), "forbidden")
        refused(await chair.call("reopen", {"forum": fid}), "invalid")
        refused(await chair.call("reopen", {"forum": fid, "reason": "  "}), "reason_needed")
        ok(await chair.call("reopen", {"forum": fid, "reason": "Review: housing decision received."}))
        assert await eventually(lambda: nurse.state["stage"] == "plan")
        assert nurse.state["lead_worker"]["accepted_at"] is None
        assert nurse.state["lead_worker"]["nominee"]["name"] == "Nia Nurse"
        assert all(stance["stance"] is None for stance in nurse.state["stances"])
        assert nurse.state["reopen"] == {"from": 1, "reason": "Review: housing decision received."}
        ok(await nurse.edit("hypothesis", " And housing."))
        ok(await chair.call("stage:set", {"forum": fid, "stage": "agree", "confirm": True}))
        ok(await nurse.call("lead:accept", {"forum": fid}))
        for person in (chair, nurse, teacher):
            ok(await person.call("stance:set", {"forum": fid, "stance": "agree"}))
        second = ok(await chair.call("lock", {"forum": fid}))
        again = ok(await teacher.call("version:get", {"forum": fid, "number": 1}))
        for client in (chair, nurse, teacher):
            await client.disconnect()
        return first, second, again

    first, second, again = run(scenario)
    one, two = stored_versions(fid)
    assert (one.number, two.number) == (1, 2)
    assert one.canonical_json == first["document"].encode() == again["document"].encode()
    assert one.sha256 == first["sha256"] == again["sha256"]
    document = json.loads(two.canonical_json)
    assert_valid_document(document)
    assert document["version"]["reopened_from"] == 1
    assert document["version"]["reopen_reason"] == "Review: housing decision received."
    assert document["hypothesis"].endswith(" And housing.")
    assert not json.loads(one.canonical_json)["hypothesis"].endswith(" And housing.")
    assert second["version"]["sha256"] == two.sha256 != one.sha256
    assert read_plan(fid).reopened_from is None


CHAIR_ONLY = [
    ("stage:set", lambda s: {"stage": "hypothesis", "confirm": True}),
    ("chair:handover", lambda s: {"user": s.nurse.id}),
    ("timer:start", lambda s: {}),
    ("lead:nominate", lambda s: {"user": s.nurse.id}),
    ("priorities:confirm", lambda s: {"entries": [s.perpetuating[0]]}),
    ("principles:set", lambda s: {"key": "strength_focused", "answer": "yes"}),
    ("lock", lambda s: {}),
    ("reopen", lambda s: {"reason": "Review"}),
]


def test_only_the_chair_runs_the_forum_and_observers_cannot_vote_or_record_stances(live_server, people):
    setup = forum_with_people(people)
    make_lockable(setup)
    fid = setup.forum_id

    async def scenario():
        nurse = await connected(live_server, HEALTH, fid)
        observer = await connected(live_server, OBSERVER, fid)
        replies = {}
        for event, payload in CHAIR_ONLY:
            for who, client in (("contributor", nurse), ("observer", observer)):
                replies[(event, who)] = await client.call(event, {"forum": fid, **payload(setup)})
        replies[("vote:add", "observer")] = await observer.call(
            "vote:add", {"forum": fid, "entry": setup.perpetuating[0]}
        )
        replies[("stance:set", "observer")] = await observer.call(
            "stance:set", {"forum": fid, "stance": "agree"}
        )
        for client in (nurse, observer):
            await client.disconnect()
        return replies

    replies = run(scenario)
    for key, reply in replies.items():
        assert not reply["ok"] and reply["error"]["code"] == "forbidden", (key, reply)
    db.session.expire_all()
    assert db.session.get(Forum, fid).stage == Stage.AGREE
    assert stored_versions(fid) == []


MALFORMED = [
    ("stage:set", {"stage": "nowhere"}, "invalid"),
    ("stage:set", {"stage": "plan", "confirm": "yes"}, "invalid"),
    ("vote:add", {"entry": "1"}, "invalid"),
    ("vote:add", {"entry": 1, "by": 3}, "invalid"),
    ("review:set", {"date": "31/12/2030"}, "invalid"),
    ("stance:set", {"stance": "object", "reason": "x" * 5000}, "too_large"),
    ("lock", {"override_reason": "x" * 20000}, "too_large"),
    ("priorities:confirm", {"entries": [1, 1]}, "invalid"),
]


def test_malformed_facilitation_events_are_refused_and_change_nothing(live_server, people):
    setup = forum_with_people(people)
    fid = setup.forum_id

    async def scenario():
        chair = await connected(live_server, CHAIR, fid)
        replies = []
        for event, payload, _code in MALFORMED:
            replies.append(await chair.call(event, {"forum": fid, **payload}))
        not_joined = await chair.call("stage:set", {"forum": fid + 1000, "stage": "plan", "confirm": True})
        not_an_object = await chair.call("lock", ["forum", fid])
        await chair.disconnect()
        return replies, not_joined, not_an_object

    replies, not_joined, not_an_object = run(scenario)
    for (event, _payload, code), reply in zip(MALFORMED, replies, strict=True):
        assert not reply["ok"] and reply["error"]["code"] == code, (event, reply)
    refused(not_joined, "not_joined")
    refused(not_an_object, "invalid")
    db.session.expire_all()
    assert db.session.get(Forum, fid).stage == Stage.GATHER
