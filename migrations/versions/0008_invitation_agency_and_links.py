"""invitations: the agency the chair chose, a link that can be copied again, and when it was last sent

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 06:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("link_nonce", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_invitations_agency_id_agencies", "agencies", ["agency_id"], ["id"])


def downgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invitations_agency_id_agencies", type_="foreignkey")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("link_nonce")
        batch_op.drop_column("agency_id")
