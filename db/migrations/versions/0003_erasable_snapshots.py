"""erasable access-log snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

The before/after snapshots of `audit_event` hold names, and retention must be able to erase them
when it anonymises a person (docs/privacy.md). New rows (hash format 2, see bpa_provider/audit.py)
chain over salted digests of their snapshots, so the snapshot text can go while the chain still
verifies. This revision

- adds `hash_format` (existing rows become 1: their hash covers the text, they cannot be erased),
  `before_digest`, `after_digest` and `snapshot_salt`;
- replaces 0002's append-only rule by one that lets exactly one UPDATE through: on a format-2 row,
  `before`, `after` and `snapshot_salt` all set to NULL, a snapshot only where its digest is kept,
  every other column unchanged. DELETE stays refused, and so does every other UPDATE.

SQLite: 0002's `audit_event_no_update` trigger is recreated with a WHEN clause naming every column
that must stay as it was (a later revision adding a column to audit_event must recreate it with
the new column in the list). PostgreSQL: 0002's trigger function is replaced; it compares the whole
row as jsonb minus the three erasable columns, so a column added later is covered without change.
The names of the triggers and the function stay those of 0002 (docs and tests refer to them).

Downgrade restores 0002's rules exactly and drops the columns. Rows written in format 2 then no
longer verify (their digests are gone): a downgrade is for development, not for a live database.
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "audit log is append-only"  # 0002's text: people and tests recognise a refusal by it
ERASABLE = ("before", "after", "snapshot_salt")
# Every column of audit_event at this revision but the erasable ones: frozen here, not read from
# the models, so the rule stays what this revision created.
KEPT = ("id", "at", "actor", "role", "action", "entity", "entity_id", "subject", "summary",
        "connection", "prev_hash", "hash", "hash_format", "before_digest", "after_digest")

_SQLITE_ERASE_ONLY = " AND ".join(
    ["OLD.hash_format IS 2"]  # IS: a NULL must refuse, not slip through NOT(NULL)
    + [f'NEW."{c}" IS NULL' for c in ERASABLE]
    + ['(OLD."before" IS NULL OR OLD.before_digest IS NOT NULL)',
       '(OLD."after" IS NULL OR OLD.after_digest IS NOT NULL)']
    + [f'NEW."{c}" IS OLD."{c}"' for c in KEPT]  # IS: equal, NULL included
)

_SQLITE_UP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
        WHEN NOT ({_SQLITE_ERASE_ONLY})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_DOWN = [  # 0002's trigger, as 0002 created it
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]

_PG_DROP_KEYS = " - ".join(f"'{c}'" for c in ERASABLE)
_PG_UP = [
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE'
               AND OLD.hash_format = 2
               AND NEW."before" IS NULL AND NEW."after" IS NULL AND NEW.snapshot_salt IS NULL
               AND (OLD."before" IS NULL OR OLD.before_digest IS NOT NULL)
               AND (OLD."after" IS NULL OR OLD.after_digest IS NOT NULL)
               AND (to_jsonb(NEW) - {_PG_DROP_KEYS}) = (to_jsonb(OLD) - {_PG_DROP_KEYS})
            THEN
                RETURN NEW;  -- erasing a format-2 row's snapshots: the one change permitted
            END IF;
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END
        $$""",
]
_PG_DOWN = [  # 0002's function, as 0002 created it (the trigger itself is unchanged)
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END
        $$""",
]


def _dialect() -> str:
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"bpa-provider runs on SQLite and PostgreSQL only; no append-only rule for {dialect}")
    return dialect


def upgrade() -> None:
    dialect = _dialect()
    # Plain ADD COLUMN on both engines (no batch copy-and-move on SQLite, which would lose 0002's
    # triggers). The server default turns every existing row into format 1.
    op.add_column("audit_event", sa.Column("hash_format", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("audit_event", sa.Column("before_digest", sa.String(length=64), nullable=True))
    op.add_column("audit_event", sa.Column("after_digest", sa.String(length=64), nullable=True))
    op.add_column("audit_event", sa.Column("snapshot_salt", sa.String(length=32), nullable=True))
    for sql in _SQLITE_UP if dialect == "sqlite" else _PG_UP:
        op.execute(sql)


def downgrade() -> None:
    dialect = _dialect()
    # The rule first: SQLite refuses to drop a column a trigger names, and on PostgreSQL 0002's
    # function must not refer to columns about to go.
    for sql in _SQLITE_DOWN if dialect == "sqlite" else _PG_DOWN:
        op.execute(sql)
    for name in ("snapshot_salt", "after_digest", "before_digest", "hash_format"):
        op.drop_column("audit_event", name)
