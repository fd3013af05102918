"""access log: no INSERT OR REPLACE around the append-only triggers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

SQLite's `INSERT OR REPLACE` (and `REPLACE INTO`) resolves a clash on the primary key by deleting
the old row first — without firing the DELETE trigger of 0002, since SQLite fires delete triggers
for such deletions only with `recursive_triggers` on. So a row of the access log could be swapped
for another through the app's own connection. This revision adds a BEFORE INSERT trigger that
refuses an insert whose id is already taken, in the words of the other triggers; an insert with a
new id (every one the app makes) is untouched.

PostgreSQL has no REPLACE; `INSERT … ON CONFLICT DO UPDATE` fires the UPDATE trigger of 0002/0003.
Nothing changes there.

bpa_provider/audit.py (`missing_guards`) and db/peek.py check that every one of these triggers
(db/guards.py) is in place on every command's start, the app's start and on restore.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MESSAGE = "audit log is append-only"  # 0002's words: people and tests recognise a refusal by them

_SQLITE_UP = [
    f"""CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event
        WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_event_no_replace"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for sql in _SQLITE_UP:
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for sql in _SQLITE_DOWN:
            op.execute(sql)
