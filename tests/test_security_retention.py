"""Retention: `flask retention purge [--dry-run]` removes the working documents of long-locked forums."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import AuditEvent, DocumentSnapshot, DocumentUpdate
from forum.models.version import PlanVersion
from forum.services import ServiceError
from forum.services.lock import lock_plan, reopen
from forum.services.retention import Policy, purgeable
from tests.lock_factories import forum_with_people, make_lockable

pytestmark = pytest.mark.security


def _locked(people, reference: str, days_ago: int) -> int:
    setup = forum_with_people(people, reference)
    make_lockable(setup)
    lock_plan(setup.forum_id, setup.chair)
    db.session.commit()  # set-up is stored, as the edge would store it
    when = datetime.now(UTC) - timedelta(days=days_ago)
    # Versions are immutable to the ORM; only the test back-dates the lock, with plain SQL.
    db.session.execute(
        update(PlanVersion.__table__).where(PlanVersion.forum_id == setup.forum_id).values(locked_at=when)
    )
    db.session.commit()
    return setup.forum_id


def _counts(forum_id: int) -> tuple[int, int, int]:
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model).where(model.forum_id == forum_id))
        for model in (DocumentUpdate, DocumentSnapshot, PlanVersion)
    )


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def forums(people):
    """An old locked forum, a recently locked one and one still being worked on."""
    old = _locked(people, "RF-OLD", days_ago=400)
    recent = _locked(people, "RF-NEW", days_ago=10)
    live = people.forum("RF-LIVE").id
    return old, recent, live


def _configure(app, days, versions):
    app.config.update(RETENTION_DAYS=days, RETAIN_LOCKED_VERSIONS=versions)


def test_dry_run_says_what_would_go_and_changes_nothing(app, runner, forums):
    old, recent, _live = forums
    _configure(app, 365, "true")
    before = [_counts(forum_id) for forum_id in forums]
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    result = runner.invoke(args=["retention", "purge", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "Would purge forum" in result.output and "RF-OLD" in result.output
    assert "RF-NEW" not in result.output and "RF-LIVE" not in result.output
    assert "nothing was changed" in result.output
    assert [_counts(forum_id) for forum_id in forums] == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


def test_purge_removes_old_documents_keeps_versions_and_is_audited(app, runner, forums):
    old, recent, live = forums
    _configure(app, 365, "true")
    recent_before, live_before = _counts(recent), _counts(live)
    assert _counts(old)[0] > 0

    result = runner.invoke(args=["retention", "purge"])

    assert result.exit_code == 0, result.output
    assert _counts(old) == (0, 0, 1), "the old forum's live document and update log stay"
    assert _counts(recent) == recent_before and _counts(live) == live_before
    purged = _audit("retention.purge")
    assert [event.forum_id for event in purged] == [old]
    assert purged[0].detail["document_updates"] > 0 and purged[0].detail["versions"] == []
    assert len(_audit("retention.run")) == 1
    # A second run has nothing left to do.
    again = runner.invoke(args=["retention", "purge"])
    assert "0 forum(s) purged" in again.output
    # The purged forum cannot be reopened into an empty document.
    from forum.services.accounts import find_user

    with pytest.raises(ServiceError) as refused:
        reopen(old, find_user("chair@example.org"), "Review")
    assert refused.value.code == "purged"


@pytest.mark.parametrize(("setting", "versions_left"), [("false", 0), ("300", 0), ("500", 1)])
def test_locked_versions_are_purged_by_the_second_setting(app, runner, forums, setting, versions_left):
    old, recent, _live = forums
    _configure(app, 365, setting)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert _counts(old) == (0, 0, versions_left)
    assert _counts(recent)[2] == 1


@pytest.mark.parametrize("setting", ["maybe", "-3"])
def test_a_bad_setting_is_a_clear_error_and_purges_nothing(app, runner, forums, setting):
    old, _recent, _live = forums
    _configure(app, 365, setting)
    before = _counts(old)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code != 0
    assert "RETAIN_LOCKED_VERSIONS must be true, false or a whole number of days" in result.output
    assert _counts(old) == before


def test_retention_off_by_default_purges_nothing(app, runner, forums):
    old, _recent, _live = forums
    _configure(app, 0, "false")
    before = _counts(old)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0 and "nothing is purged" in result.output
    assert _counts(old) == before
    assert purgeable(Policy.from_config(app.config)) == []
