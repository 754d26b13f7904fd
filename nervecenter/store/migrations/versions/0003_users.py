"""Web users: name, role, bound person, argon2 password hash, hashed API and feed tokens.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("person", sa.String(200), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("feed_token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('manager', 'person')", name="ck_users_role"),
        sa.CheckConstraint("(role = 'person') = (person IS NOT NULL)",
                           name="ck_users_person_iff_role"),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
        sa.UniqueConstraint("token_hash", name="uq_users_token_hash"),
        sa.UniqueConstraint("feed_token_hash", name="uq_users_feed_token_hash"),
    )


def downgrade():
    op.drop_table("users")
