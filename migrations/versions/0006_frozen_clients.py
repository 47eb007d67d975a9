"""frozen clients: a CRDT client refused for good in a forum is never accepted again

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "frozen_clients",
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("clock", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forums.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("forum_id", "client_id"),
    )


def downgrade():
    op.drop_table("frozen_clients")
