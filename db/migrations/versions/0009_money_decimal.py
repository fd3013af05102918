"""money stored as exact decimals

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

`hourly_rate.rate` and `employment.hourly_wage` were floats; they become the `Money` column type
(db/types.py): NUMERIC(12,4) on PostgreSQL, the decimal's text on SQLite. Stored values are kept:
on PostgreSQL the cast is exact for the stored binary value (`206.38` reads back `206.3800`); on
SQLite each float is rewritten as the shortest decimal that reads back as it (`repr`), to 4 places,
so 332.6 becomes '332.60', never '332.6000000000000227'. Downgrade turns them back into floats.
"""

from decimal import ROUND_HALF_UP, Decimal

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = (("hourly_rate", "rate", False), ("employment", "hourly_wage", True))


def _as_text(value) -> str | None:  # noqa: ANN001
    if value is None:
        return None
    out = Decimal(repr(float(value))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    cents = out.quantize(Decimal("0.01"))
    return str(cents if cents == out else out.normalize())  # as db.types.Money writes: '332.60'



def upgrade() -> None:
    bind = op.get_bind()
    for table, column, nullable in COLUMNS:
        if bind.dialect.name == "postgresql":
            op.alter_column(table, column, type_=sa.Numeric(12, 4), existing_type=sa.Float(),
                            existing_nullable=nullable, postgresql_using=f"{column}::numeric(12,4)")
            continue
        rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table}")).all()
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, type_=sa.Text(), existing_type=sa.Float(), existing_nullable=nullable)
        for row_id, value in rows:
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :i"),
                         {"v": _as_text(value), "i": row_id})


def downgrade() -> None:
    bind = op.get_bind()
    for table, column, nullable in COLUMNS:
        if bind.dialect.name == "postgresql":
            op.alter_column(table, column, type_=sa.Float(), existing_type=sa.Numeric(12, 4),
                            existing_nullable=nullable, postgresql_using=f"{column}::double precision")
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, type_=sa.Float(), existing_type=sa.Text(), existing_nullable=nullable)
        bind.execute(sa.text(f"UPDATE {table} SET {column} = CAST({column} AS REAL) WHERE {column} IS NOT NULL"))
