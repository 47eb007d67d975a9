"""after the lock: action progress beside a locked version, reminders given once, goal review answers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 07:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "action_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("not_started", "on_track", "done", "stuck", name="progressstatus", native_enum=False, length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forums.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_progress_forum_action", "action_progress", ["forum_id", "action_id"], unique=False)
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("due_soon", "overdue", "review", name="reminderkind", native_enum=False, length=20), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forums.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forum_id", "version_number", "kind", "action_id", "user_id"),
    )
    op.create_index("ix_reminders_sent_forum_id", "reminders_sent", ["forum_id"], unique=False)
    op.create_index("ix_reminders_sent_user_id", "reminders_sent", ["user_id"], unique=False)
    op.create_table(
        "goal_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Enum("achieved", "partly", "not_yet", name="goalanswer", native_enum=False, length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forums.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forum_id", "from_version", "goal_id"),
    )
    op.create_index("ix_goal_reviews_forum_id", "goal_reviews", ["forum_id"], unique=False)


def downgrade():
    op.drop_index("ix_goal_reviews_forum_id", table_name="goal_reviews")
    op.drop_table("goal_reviews")
    op.drop_index("ix_reminders_sent_user_id", table_name="reminders_sent")
    op.drop_index("ix_reminders_sent_forum_id", table_name="reminders_sent")
    op.drop_table("reminders_sent")
    op.drop_index("ix_action_progress_forum_action", table_name="action_progress")
    op.drop_table("action_progress")
