"""Entries added before the chair starts the forum are written input; the scheduled time does not decide."""

from datetime import UTC, datetime, timedelta

import pytest

from forum.extensions import db
from forum.services import ServiceError
from forum.services.accounts import find_user
from forum.services.entries import add_entry, entry_dict
from forum.services.stages import set_stage, start_forum

pytestmark = pytest.mark.admin


@pytest.fixture
def school(people):
    people.user("chair@example.org")
    people.user("school@example.org", agency="School")
    return find_user("school@example.org")


@pytest.mark.parametrize("scheduled", [timedelta(days=2), timedelta(days=-1), timedelta(minutes=7), None])
def test_entries_before_the_start_are_written_input_and_after_it_are_not(people, school, scheduled):
    forum = people.forum("RF-1", **{"school@example.org": "contributor"})
    forum.scheduled_at = datetime.now(UTC) + scheduled if scheduled else None
    db.session.commit()
    before = add_entry(forum.id, school, "protective")
    assert before.written_input is True and entry_dict(before)["written_input"] is True
    with pytest.raises(ServiceError) as refused:
        start_forum(forum.id, school)
    assert refused.value.code == "forbidden"
    start_forum(forum.id, find_user("chair@example.org"))
    after = add_entry(forum.id, school, "protective")
    assert after.written_input is False and entry_dict(after)["written_input"] is False


def test_moving_on_from_gather_starts_the_forum(people, school):
    forum = people.forum("RF-1", **{"school@example.org": "contributor"})
    chair = find_user("chair@example.org")
    set_stage(forum.id, chair, "hypothesis", confirm=True)
    set_stage(forum.id, chair, "gather")
    assert add_entry(forum.id, school, "protective").written_input is False
    with pytest.raises(ServiceError) as refused:
        start_forum(forum.id, chair)
    assert refused.value.code == "already_started"
