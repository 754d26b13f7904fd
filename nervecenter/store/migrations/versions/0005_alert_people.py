"""The alert log filtered in SQL: who each alert is to or about (alert_people), and indexes on
the columns the log filters by (kind, as_of).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alert_people",
        sa.Column("person", sa.String(100), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="fk_alert_people_alert_id_alerts"),
        sa.PrimaryKeyConstraint("person", "alert_id", name="pk_alert_people"),
    )
    op.create_index("ix_alerts_kind", "alerts", ["kind"])
    op.create_index("ix_alerts_as_of", "alerts", ["as_of"])
    conn = op.get_bind()
    alerts = sa.table("alerts", sa.column("id", sa.Integer), sa.column("person", sa.String),
                      sa.column("recipients", sa.JSON))
    people = sa.table("alert_people", sa.column("person", sa.String),
                      sa.column("alert_id", sa.Integer))
    rows = []
    for alert_id, person, recipients in conn.execute(
            sa.select(alerts.c.id, alerts.c.person, alerts.c.recipients)):
        for who in dict.fromkeys(w for w in (person, *(recipients or ())) if w):
            rows.append({"person": who, "alert_id": alert_id})
        if len(rows) >= 5000:
            conn.execute(people.insert(), rows)
            rows = []
    if rows:
        conn.execute(people.insert(), rows)


def downgrade():
    op.drop_index("ix_alerts_as_of", "alerts")
    op.drop_index("ix_alerts_kind", "alerts")
    op.drop_table("alert_people")
