"""a record people can trust: the chair starts the forum, stances bound to a proposal, removals kept

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 06:30:00

Existing forums: a forum that has visibly taken place (it left Gather, was locked before, has an
entry not marked written input, or its scheduled time has passed) is started at the earliest of
its first such entry, its first stage move and its scheduled time (its creation when none
applies); any other forum has not started and its chair starts it. Entries keep the written-input
mark they were stored with (locked versions quote it). Stances and lead-worker acceptances given
before this revision name no proposal, so they count for no proposal: agencies record them again
on the proposal in Agree.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _aware(moment):
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _start_existing_forums() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    forums = connection.execute(sa.text("SELECT id, stage, scheduled_at, created_at FROM forums")).all()
    for forum_id, stage, scheduled_at, created_at in forums:
        first_entry = connection.execute(
            sa.text("SELECT MIN(created_at) FROM entries WHERE forum_id = :f AND written_input = :no"),
            {"f": forum_id, "no": False},
        ).scalar()
        first_move = connection.execute(
            sa.text("SELECT MIN(at) FROM audit_events WHERE forum_id = :f AND action = 'forum.stage'"),
            {"f": forum_id},
        ).scalar()
        versions = connection.execute(
            sa.text("SELECT COUNT(*) FROM plan_versions WHERE forum_id = :f"), {"f": forum_id}
        ).scalar()
        scheduled = _aware(scheduled_at)
        past = scheduled if scheduled is not None and scheduled <= now else None
        candidates = [moment for moment in (_aware(first_entry), _aware(first_move), past) if moment]
        if not candidates and stage == "gather" and not versions:
            continue  # not started: its chair starts it
        started = min(candidates) if candidates else _aware(created_at)
        statement = sa.text("UPDATE forums SET started_at = :at WHERE id = :f").bindparams(
            sa.bindparam("at", type_=sa.DateTime(timezone=True))
        )
        connection.execute(statement, {"at": started, "f": forum_id})


def upgrade():
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("stances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("forum_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_accepted_proposal", sa.String(length=64), nullable=True))
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_entries_removed_by_users", "users", ["removed_by"], ["id"])
    _start_existing_forums()


def downgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_constraint("fk_entries_removed_by_users", type_="foreignkey")
        batch_op.drop_column("removed_by")
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_column("proposal_sha256")
    with op.batch_alter_table("forum_plans", schema=None) as batch_op:
        batch_op.drop_column("lead_accepted_proposal")
    with op.batch_alter_table("stances", schema=None) as batch_op:
        batch_op.drop_column("proposal_sha256")
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.drop_column("started_at")
