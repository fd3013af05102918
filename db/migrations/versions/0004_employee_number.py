"""employee numbers on the employment

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

The payroll system knows an assistant by its own employee number (Visma Lønn's "ansattnummer",
PAXml's `anstid`), not by our A-reference. The number lives on the employment: it is imported with
the employment record, editable, and shown in `list employments`. Existing rows get an empty number
(payroll files that need one refuse the month until it is filled in).
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("employment", sa.Column("employee_number", sa.String(length=20), nullable=False,
                                          server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("employment") as batch:
        batch.drop_column("employee_number")
