"""The prepared statements of the update path (forum/prepared.py) store and read exactly what the
models would, on SQLite and on PostgreSQL: enums, moments, JSON, ids in order, the transaction's
own connection (a rollback takes their rows with it)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.live.store import SqlDocumentStore
from forum.models import AuditEvent, DocumentUpdate, Forum, Stage
from forum.services import ServiceError
from forum.services.audit import record_many
from forum.services.claims import claim_open_forum
from forum.services.forums import NOT_A_PARTICIPANT, OBSERVERS_ONLY_WATCH, writing_refusals
from tests.conftest import People

pytestmark = pytest.mark.scale


@pytest.fixture
def forum(each_database):
    people = People()
    for email in ("chair@example.org", "school@example.org", "watcher@example.org"):
        people.user(email)
    people.user("outsider@example.org")
    return people.forum(**{"school@example.org": "contributor", "watcher@example.org": "observer"})


def user_id(email: str) -> int:
    from forum.models import User

    return db.session.scalar(select(User.id).where(User.email == email))


def test_roles_are_read_as_the_model_reads_them(forum):
    chair, school, watcher, outsider = (
        user_id(f"{name}@example.org") for name in ("chair", "school", "watcher", "outsider")
    )
    refusals = writing_refusals(forum.id, {chair, school, watcher, outsider})
    assert set(refusals) == {watcher, outsider}
    assert all(refusal.code == "forbidden" for refusal in refusals.values())
    assert refusals[watcher].message == OBSERVERS_ONLY_WATCH  # the role came back as a ForumRole
    assert refusals[outsider].message == NOT_A_PARTICIPANT
    db.session.rollback()


def test_audit_rows_and_updates_read_back_through_the_models(forum):
    before = datetime.now(UTC) - timedelta(seconds=1)
    school = user_id("school@example.org")
    record_many(
        [
            {
                "action": "document.update",
                "actor_id": school,
                "forum_id": forum.id,
                "detail": {"roots": ["a"]},
            },
            {"action": "document.update", "actor_id": None, "forum_id": forum.id, "detail": {"n": 2}},
        ]
    )
    ids = SqlDocumentStore().append(forum.id, [(school, b"\x01\x02"), (None, b"\x03"), (school, b"\x04")])
    db.session.commit()
    assert ids == sorted(ids) and len(set(ids)) == 3
    rows = db.session.execute(
        select(DocumentUpdate.id, DocumentUpdate.data, DocumentUpdate.user_id, DocumentUpdate.created_at)
        .where(DocumentUpdate.forum_id == forum.id)
        .order_by(DocumentUpdate.id)
    ).all()
    assert [(row.id, row.data, row.user_id) for row in rows] == list(
        zip(ids, [b"\x01\x02", b"\x03", b"\x04"], [school, None, school], strict=True)
    )
    assert all(before <= row.created_at <= datetime.now(UTC) for row in rows)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.update").order_by(AuditEvent.id)
    ).all()
    assert [(event.actor_id, event.detail) for event in events] == [
        (school, {"roots": ["a"]}),
        (None, {"n": 2}),
    ]
    assert all(event.at.tzinfo is not None and before <= event.at <= datetime.now(UTC) for event in events)


def test_a_rollback_takes_the_prepared_rows_with_it_and_the_next_transaction_writes(forum):
    store = SqlDocumentStore()
    store.append(forum.id, [(None, b"gone")])
    db.session.rollback()
    (kept,) = store.append(forum.id, [(None, b"kept")])
    db.session.commit()
    stored = db.session.execute(select(DocumentUpdate.id, DocumentUpdate.data)).all()
    assert [(row.id, row.data) for row in stored] == [(kept, b"kept")]


@pytest.mark.parametrize(
    ("stage", "draft", "refused"),
    [
        (Stage.GATHER, True, None),
        (Stage.AGREE, False, None),
        (Stage.AGREE, True, "frozen"),
        (Stage.LOCKED, False, "locked"),
        (Stage.LOCKED, True, "locked"),
    ],
)
def test_the_claim_compares_stages_as_stored(forum, stage, draft, refused):
    db.session.get(Forum, forum.id).stage = stage
    db.session.commit()
    if refused is None:
        claim_open_forum(forum.id, draft=draft)
    else:
        with pytest.raises(ServiceError) as error:
            claim_open_forum(forum.id, draft=draft)
        assert error.value.code == refused
    db.session.rollback()
