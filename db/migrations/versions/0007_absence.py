"""assistants' absence in one model

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-06

Sweden's `sick_period` becomes `absence` (docs/absence.md): every kind of absence of an assistant
- self-certified sick leave, a sick note (graded), a sick child, holiday, welfare, unpaid and
parental leave - in one table, so overlaps, payroll and vacant shifts see them all. Existing rows
were sick periods: those with a doctor's note become `sick-note`, the others `self-cert`.
`sick_pay_claim.sick_period_id` keeps its name and now refers to `absence` (both engines carry a
foreign key across a table rename).
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sick_period", schema=None) as batch_op:
        batch_op.drop_index("ix_sick_period_assistant_id")
    op.rename_table("sick_period", "absence")
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), nullable=False, server_default="self-cert"))
        batch_op.add_column(sa.Column("grade", sa.Integer(), nullable=False, server_default="100"))
        batch_op.add_column(sa.Column("cancelled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_absence_assistant_from", ["assistant_id", "from_date"], unique=False)
    op.execute("UPDATE absence SET kind = 'sick-note' WHERE doctor_note_on IS NOT NULL")


def downgrade() -> None:
    # Only sick periods existed before: other kinds of absence cannot be kept.
    op.execute("DELETE FROM absence WHERE kind NOT IN ('self-cert', 'sick-note') "
               "AND id NOT IN (SELECT sick_period_id FROM sick_pay_claim)")
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.drop_index("ix_absence_assistant_from")
        batch_op.drop_column("cancelled")
        batch_op.drop_column("grade")
        batch_op.drop_column("kind")
    op.rename_table("absence", "sick_period")
    with op.batch_alter_table("sick_period", schema=None) as batch_op:
        batch_op.create_index("ix_sick_period_assistant_id", ["assistant_id"], unique=False)
