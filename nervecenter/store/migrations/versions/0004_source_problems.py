"""Source files that failed to import, so every command, the web and the managers hear of them.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "source_problems",
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("file", sa.String(500), nullable=False),
        sa.Column("problem", sa.String(2000), nullable=False),
        sa.Column("since", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_source_problems"),
    )


def downgrade():
    op.drop_table("source_problems")
