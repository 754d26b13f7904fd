"""Exclusion screening: people's NPI, each screening of the LEIE/SAM lists and its matches.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("npi", sa.String(10), nullable=True))
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("people", sa.Integer, nullable=False),
        sa.Column("matches", sa.Integer, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "exclusion_matches",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("screening", sa.Integer, sa.ForeignKey("screenings.id"), nullable=False),
        sa.Column("person", sa.String(100), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("list", sa.String(10), nullable=False),
        sa.Column("matched_by", sa.String(10), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(50), nullable=True),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("until", sa.Date, nullable=True),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("entry", sa.JSON, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_exclusion_matches_screening", "exclusion_matches", ["screening"])
    op.create_index("ix_exclusion_matches_person", "exclusion_matches", ["person"])


def downgrade():
    op.drop_index("ix_exclusion_matches_person", "exclusion_matches")
    op.drop_index("ix_exclusion_matches_screening", "exclusion_matches")
    op.drop_table("exclusion_matches")
    op.drop_table("screenings")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("npi")
