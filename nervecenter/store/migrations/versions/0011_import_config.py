"""What a source file was read with: the SHA-256 of the configuration its reading depends on
(facilities, credential types, case_values...), so that an unchanged file is read again once the
configuration changes (a value case_values now refuses is said, not kept silently).

Revision ID: 0011
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_files") as batch:
        batch.add_column(sa.Column("config_sha256", sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table("import_files") as batch:
        batch.drop_column("config_sha256")
