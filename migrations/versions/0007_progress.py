"""action progress: dated status notes on a locked plan's actions, kept beside the version

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-27 07:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
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


def downgrade():
    op.drop_index("ix_action_progress_forum_action", table_name="action_progress")
    op.drop_table("action_progress")
