"""attribution summaries: who changed each text of a forum, kept with each compaction

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 16:20:00

Attribution (the contributors of each entry, the hypothesis, goals and actions) is derived from the
forum's `document.update` audit events. A join, and every facilitation state in Agree, read it: with
tens of thousands of updates that read took seconds and held the whole server. A summary up to an
audit event is now written with each compaction; reads start from it. Existing forums get one the
next time their document is compacted; until then attribution is read from every event, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attribution_summaries",
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("upto_audit_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forums.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("forum_id"),
    )


def downgrade():
    op.drop_table("attribution_summaries")
