"""each client's year-end outlook stored for the dashboard, kept current by triggers

Revision ID: 0015o
Revises: 0014r
Create Date: 2026-12-07

`hour_outlook`: one row per client (services/hour_outlook.py). `changes` counts the changes of
what the client's year-end outlook is computed from, and is bumped by the triggers made here on
every path that writes them at once (the roster, an import, a handover, a transfer, retention, the
demo, raw SQL): a shift inserted, updated or deleted (its old and its new client), a decision, a
balance entry, the hour ledger, a client's dates or municipality, a municipality's time zone. The
dashboard's hours section recomputes only the clients whose stored result is not fresh (issue 19:
cost grows with what is shown). A bump is an upsert, so a missing row can never hide a change; a
new client gets its row from a trigger too. Filled here with a row per existing client, never
computed (the first view computes them).

SQLite: row-level triggers. PostgreSQL: statement-level triggers over transition tables, one
statement per written statement (an import's batch of 500 shifts bumps its clients once).
"""

import sqlalchemy as sa
from alembic import op

revision = "0015o"
down_revision = "0014r"
branch_labels = None
depends_on = None

# (table, the client column): the rows whose every insert, update and delete bumps their client.
BUMPED_BY = (("shift", "client_id"), ("decision", "client_id"), ("hour_balance_entry", "client_id"), ("hour_ledger", "client_id"))
_BUMP = "ON CONFLICT (client_id) DO UPDATE SET changes = hour_outlook.changes + 1"
# What of a client changes its outlook (ref and name are read with the outlook, not stored).
CLIENT_COLUMNS = ("start_date", "end_date", "municipality_id")


def _sqlite_up() -> list[str]:
    out = []
    for table, col in BUMPED_BY:
        new = f"INSERT INTO hour_outlook (client_id, changes) VALUES (NEW.{col}, 1) {_BUMP};"
        old = f"INSERT INTO hour_outlook (client_id, changes) VALUES (OLD.{col}, 1) {_BUMP};"
        # An update bumps the new client, and the old one when the row moved to another client.
        moved = (
            f"INSERT INTO hour_outlook (client_id, changes) SELECT OLD.{col}, 1 WHERE OLD.{col} IS NOT NEW.{col} {_BUMP};"
        )
        for event, body in (("INSERT", new), ("UPDATE", f"{new} {moved}"), ("DELETE", old)):
            out.append(f"CREATE TRIGGER hour_outlook_{table}_{event.lower()} AFTER {event} ON {table} BEGIN {body} END")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CLIENT_COLUMNS)
    out += [
        "CREATE TRIGGER hour_outlook_client_insert AFTER INSERT ON client BEGIN "
        f"INSERT INTO hour_outlook (client_id, changes) VALUES (NEW.id, 1) {_BUMP}; END",
        f"CREATE TRIGGER hour_outlook_client_update AFTER UPDATE ON client WHEN {changed} BEGIN "
        f"INSERT INTO hour_outlook (client_id, changes) VALUES (NEW.id, 1) {_BUMP}; END",
        "CREATE TRIGGER hour_outlook_municipality_update AFTER UPDATE ON municipality "
        "WHEN NEW.timezone IS NOT OLD.timezone BEGIN "
        "INSERT INTO hour_outlook (client_id, changes) SELECT id, 1 FROM client WHERE municipality_id = NEW.id "
        f"{_BUMP}; END",
    ]
    return out


def _sqlite_names() -> list[str]:
    names = [f"hour_outlook_{t}_{e}" for t, _c in BUMPED_BY for e in ("insert", "update", "delete")]
    return [*names, "hour_outlook_client_insert", "hour_outlook_client_update", "hour_outlook_municipality_update"]


def _pg_function(name: str, select: str) -> str:
    # `WHERE true`-free: an INSERT … SELECT with ON CONFLICT needs no disambiguation on PostgreSQL.
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO hour_outlook (client_id, changes) SELECT DISTINCT cid, 1 FROM ({select}) AS bumped(cid) "
        f"WHERE cid IS NOT NULL ORDER BY cid {_BUMP}; RETURN NULL; END $$"
    )


def _pg_up() -> list[str]:
    out = []
    for table, col in BUMPED_BY:
        for event, refs, select in (
            ("INSERT", "NEW TABLE AS new_rows", f"SELECT {col} FROM new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", f"SELECT {col} FROM old_rows UNION SELECT {col} FROM new_rows"),
            ("DELETE", "OLD TABLE AS old_rows", f"SELECT {col} FROM old_rows"),
        ):
            name = f"hour_outlook_{table}_{event.lower()}"
            out.append(_pg_function(name, select))
            out.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in CLIENT_COLUMNS)
    out += [
        _pg_function("hour_outlook_client_insert", "SELECT id FROM new_rows"),
        "CREATE TRIGGER hour_outlook_client_insert AFTER INSERT ON client REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION hour_outlook_client_insert()",
        _pg_function("hour_outlook_client_update", f"SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed}"),
        "CREATE TRIGGER hour_outlook_client_update AFTER UPDATE ON client "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION hour_outlook_client_update()",
        _pg_function(
            "hour_outlook_municipality_update",
            "SELECT c.id FROM client c JOIN new_rows n ON n.id = c.municipality_id JOIN old_rows o ON o.id = n.id "
            "WHERE n.timezone IS DISTINCT FROM o.timezone",
        ),
        "CREATE TRIGGER hour_outlook_municipality_update AFTER UPDATE ON municipality "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION hour_outlook_municipality_update()",
    ]
    return out


def upgrade() -> None:
    op.create_table(
        "hour_outlook",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("computed_changes", sa.Integer(), nullable=True),
        sa.Column("basis", sa.String(length=60), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=True),
        sa.Column("flag", sa.String(length=10), nullable=True),
        sa.Column("year_projected", sa.Float(), nullable=True),
        sa.Column("year_decided", sa.Float(), nullable=True),
        sa.Column("usage_pct", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_index("ix_hour_outlook_flag", "hour_outlook", ["flag"])
    op.execute("INSERT INTO hour_outlook (client_id, changes) SELECT id, 0 FROM client")
    for sql in _sqlite_up() if op.get_bind().dialect.name == "sqlite" else _pg_up():
        op.execute(sql)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in _sqlite_names():
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            table = "municipality" if "municipality" in name else name[len("hour_outlook_") :].rsplit("_", 1)[0]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_hour_outlook_flag", table_name="hour_outlook")
    op.drop_table("hour_outlook")
