"""the stored outlook's day and thresholds, and its flagged rows, in indexes of their own

Revision ID: 0018d
Revises: 0017c
Create Date: 2026-12-08

The dashboard's hours section first asks whether every client's stored outlook is fresh and how
many are flagged (services/hour_outlook.py). Both were counted in one pass over every row
(≈ 0.2 ms of SQLite's work at 2,000 clients, 0.02 at 200: issue 19, cost grows with what is
shown). `ix_hour_outlook_day` (as_of, basis) answers "any row of another day or other thresholds"
by a few index probes, and `ix_hour_outlook_flag_listed` (flag, listed; it replaces
`ix_hour_outlook_flag`, whose uses it serves) counts the flagged rows from the index alone. Neither
holds `changes`, which the triggers of migration 0015o bump on every shift written: a bump updates
no index, so the shift path pays nothing. An index only: no data moves.
"""

from alembic import op

revision = "0018d"
down_revision = "0017c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_hour_outlook_day", "hour_outlook", ["as_of", "basis"])
    op.create_index("ix_hour_outlook_flag_listed", "hour_outlook", ["flag", "listed"])
    op.drop_index("ix_hour_outlook_flag", table_name="hour_outlook")


def downgrade() -> None:
    op.create_index("ix_hour_outlook_flag", "hour_outlook", ["flag"])
    op.drop_index("ix_hour_outlook_flag_listed", table_name="hour_outlook")
    op.drop_index("ix_hour_outlook_day", table_name="hour_outlook")
