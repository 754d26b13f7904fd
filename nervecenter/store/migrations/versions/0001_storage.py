"""Storage: people, credential versions, CE entries, cases, the audit log, import state.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "people",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("home_state", sa.String(10), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(50), nullable=True),
        sa.Column("notify", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
    )
    op.create_table(
        "credentials",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("credential_id", sa.String(250), nullable=False),
        sa.Column("person", sa.String(100), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(100), nullable=True),
        sa.Column("issuer", sa.String(200), nullable=True),
        sa.Column("issued", sa.Date(), nullable=True),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verified_by", sa.String(100), nullable=True),
        sa.Column("verified_method", sa.String(200), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["person"], ["people.id"], name="fk_credentials_person_people"),
        sa.PrimaryKeyConstraint("pk", name="pk_credentials"),
        sa.UniqueConstraint("credential_id", "version", name="uq_credentials_credential_id"),
    )
    op.create_index("ix_credentials_credential_id", "credentials", ["credential_id"])
    op.create_index("ix_credentials_person", "credentials", ["person"])
    op.create_table(
        "ce_entries",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person", sa.String(100), nullable=False),
        sa.Column("credential", sa.String(100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["person"], ["people.id"], name="fk_ce_entries_person_people"),
        sa.PrimaryKeyConstraint("pk", name="pk_ce_entries"),
        sa.UniqueConstraint("person", "credential", "date", "category", "provider",
                            name="uq_ce_entries_person"),
    )
    op.create_index("ix_ce_entries_person", "ce_entries", ["person"])
    op.create_table(
        "cases",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("facility", sa.String(100), nullable=False),
        sa.Column("start", sa.String(40), nullable=False),
        sa.Column("end", sa.String(40), nullable=True),
        sa.Column("procedure", sa.String(200), nullable=True),
        sa.Column("technologist", sa.String(100), nullable=True),
        sa.Column("reader", sa.String(100), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["technologist"], ["people.id"],
                                name="fk_cases_technologist_people"),
        sa.ForeignKeyConstraint(["reader"], ["people.id"], name="fk_cases_reader_people"),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_index("ix_cases_facility", "cases", ["facility"])
    op.create_index("ix_cases_technologist", "cases", ["technologist"])
    op.create_index("ix_cases_reader", "cases", ["reader"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_entity_key", "audit_log", ["entity", "key"])
    op.create_table(
        "import_files",
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_import_files"),
    )
    op.create_table(
        "import_rows",
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("source", "key", name="pk_import_rows"),
    )


def downgrade():
    for table in ("import_rows", "import_files", "audit_log", "cases", "ce_entries", "credentials",
                  "people"):
        op.drop_table(table)
