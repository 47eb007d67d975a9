"""Entries added before a scheduled forum starts are marked as written input by the server."""

from datetime import UTC, datetime, timedelta

import pytest

from forum.extensions import db
from forum.services.accounts import find_user
from forum.services.entries import add_entry, entry_dict

pytestmark = pytest.mark.admin


@pytest.fixture
def school(people):
    people.user("chair@example.org")
    people.user("school@example.org", agency="School")
    return find_user("school@example.org")


@pytest.mark.parametrize(
    ("scheduled", "expected"),
    [(timedelta(days=2), True), (timedelta(days=-1), False), (None, False)],
)
def test_entry_before_the_forum_is_written_input(people, school, scheduled, expected):
    forum = people.forum("RF-1", **{"school@example.org": "contributor"})
    forum.scheduled_at = datetime.now(UTC) + scheduled if scheduled else None
    db.session.commit()
    entry = add_entry(forum.id, school, "protective")
    assert entry.written_input is expected
    assert entry_dict(entry)["written_input"] is expected
