"""Failed logins in the database: shared by the web's workers, bounded, counted atomically.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("pair", sa.String(32), nullable=False),
        sa.Column("address", sa.String(32), nullable=False),
        sa.Column("user", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    for column in ("pair", "address", "user", "at"):
        op.create_index(f"ix_login_failures_{column}", "login_failures", [column])


def downgrade():
    for column in ("pair", "address", "user", "at"):
        op.drop_index(f"ix_login_failures_{column}", "login_failures")
    op.drop_table("login_failures")
