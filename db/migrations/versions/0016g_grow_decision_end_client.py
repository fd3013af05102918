"""the decisions by end date with their client, in one index

Revision ID: 0016g
Revises: 0015s
Create Date: 2026-12-07

`ix_decision_valid_to` (valid_to) becomes `ix_decision_valid_to_client` (valid_to, client_id). The
dashboard's "decisions ending" counts a range of end dates, each decision asked whether a later one
of its client follows and whether its client has ended (issue 19: 1,901 at a large provider, to
show 50). With the client beside the end date the count reads the index instead of each decision's
row (≈ 0.2 of its 0.7 ms on SQLite). Every other use of the old index (a range of end dates) is
served by the new one as well. An index only: no data moves.
"""

from alembic import op

revision = "0016g"
down_revision = "0015s"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_decision_valid_to_client", "decision", ["valid_to", "client_id"])
    op.drop_index("ix_decision_valid_to", table_name="decision")


def downgrade() -> None:
    op.create_index("ix_decision_valid_to", "decision", ["valid_to"])
    op.drop_index("ix_decision_valid_to_client", table_name="decision")
