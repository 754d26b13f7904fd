"""People who left the practice: the day they left (ISO text, like a case's start), kept so that
history and the audit packet still name them.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("left", sa.String(10), nullable=True))


def downgrade():
    with op.batch_alter_table("people") as batch:
        batch.drop_column("left")
