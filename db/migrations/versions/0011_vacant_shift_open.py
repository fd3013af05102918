"""a shift may be created vacant: no assistant yet

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

`shift.assistant_id` becomes nullable: a shift created vacant (`roster add --vacant`, issue 17)
names nobody until a substitute fills it. A vacant shift that came from an absence keeps naming
the absent assistant, as before. Downgrade refuses while such open shifts exist (they have no one
to give back to): fill or cancel them first.
"""

from collections.abc import Callable

from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _with_foreign_keys_off(change: Callable[[], None]) -> None:
    """Run `change` with SQLite's foreign keys off, checked by hand before it commits.

    SQLite changes a column by copying the table, dropping the old one and renaming the copy;
    dropping `shift` would trip the foreign keys of the rows that refer to it (`rule_ack`), and
    SQLite lets them be turned off only outside a transaction (its "12 steps" of a general ALTER,
    https://sqlite.org/lang_altertable.html). So this migration's transaction is ended, the change
    runs in one of its own with the keys off, every key is checked, and a new transaction is begun
    for Alembic to stamp the revision in."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        change()
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        change()
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the change: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def _assistant_nullable(nullable: bool) -> None:
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.alter_column("assistant_id", existing_type=sa.Integer(), nullable=nullable)


def upgrade() -> None:
    _with_foreign_keys_off(lambda: _assistant_nullable(True))


def downgrade() -> None:
    open_shifts = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM shift WHERE assistant_id IS NULL")).scalar()
    if open_shifts:
        raise RuntimeError(f"{open_shifts} shifts were created vacant and name no assistant: fill or cancel them first")
    _with_foreign_keys_off(lambda: _assistant_nullable(False))
