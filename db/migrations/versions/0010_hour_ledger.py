"""the hour ledger: closed months' hour totals per client

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

`hour_ledger` keeps, per client and locked month, the planned, worked and vacant hours and the end
of the latest shift touching the month (services/hour_ledger.py). The year-end outlook reads it
instead of the month's raw shifts (issue 19). Months locked before this revision have no row and
are read from the raw shifts, as before (the same figures, read slower); nothing is back-filled
here: `hour_ledger.refresh` writes the rows of the months wholly locked whenever periods are locked.
"""

import sqlalchemy as sa
from alembic import op


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hour_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("planned_hours", sa.Float(), nullable=False),
        sa.Column("worked_hours", sa.Float(), nullable=False),
        sa.Column("vacant_hours", sa.Float(), nullable=False),
        sa.Column("last_end_utc", sa.DateTime(), nullable=True),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "month", name="uq_hour_ledger_client_month"),
    )


def downgrade() -> None:
    op.drop_table("hour_ledger")
