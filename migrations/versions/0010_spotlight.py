"""the chair's spotlight: one entry, goal or action everyone in the room is pointed at

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 10:15:00

Kept with the forum's facilitation state (forum_plans), so that late joiners and every server
process see it. Existing forums have no spotlight.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forum_plans") as batch:
        batch.add_column(sa.Column("spotlight", sa.String(length=24), nullable=True))


def downgrade():
    with op.batch_alter_table("forum_plans") as batch:
        batch.drop_column("spotlight")
