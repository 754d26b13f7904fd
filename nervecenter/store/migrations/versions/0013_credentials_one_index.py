"""Drop ix_credentials_credential_id: the unique (credential_id, version) index already serves
every lookup by credential id, and a second index only slows each import's inserts.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_credentials_credential_id", table_name="credentials")


def downgrade():
    op.create_index("ix_credentials_credential_id", "credentials", ["credential_id"])
