"""append-only access log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

UPDATE and DELETE on `audit_event` are refused inside the database, so no code path of the app
(and no one using the app's own database connection) can rewrite the access log. The hash chain
makes a change made *around* these triggers visible (`bpa-provider audit --verify`).

- SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT). Someone who can write the file
  can drop the triggers; the chain is what catches that.
- PostgreSQL: a trigger function raising an exception, fired BEFORE UPDATE OR DELETE for each row;
  it applies to the table owner too. A superuser or the owner can still DROP the trigger or
  TRUNCATE (TRUNCATE fires no row triggers): docs/privacy.md describes the role set-up that takes
  those rights away from the app's login role.

This revision depends only on the id "0001", so regenerating 0001 from the models keeps it valid.
A later revision that rebuilds `audit_event` with batch mode on SQLite (copy and move) loses these
triggers and must create them again.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "audit log is append-only"

_SQLITE_UP = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]

_PG_UP = [
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END
        $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


def _statements(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return _SQLITE_UP if up else _SQLITE_DOWN
    if dialect == "postgresql":
        return _PG_UP if up else _PG_DOWN
    raise RuntimeError(f"bpa-provider runs on SQLite and PostgreSQL only; no append-only rule for {dialect}")


def upgrade() -> None:
    for sql in _statements(up=True):
        op.execute(sql)


def downgrade() -> None:
    for sql in _statements(up=False):
        op.execute(sql)
