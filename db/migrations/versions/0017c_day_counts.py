"""the dashboard's section counts stored for the day, kept exact by triggers

Revision ID: 0017c
Revises: 0016g
Create Date: 2026-12-08

`day_count`: one row per counted dashboard section (services/day_counts.py): its count of items
for a day and a policy, reused while none of the tables it is counted from changed (issue 19: at a
large provider the counts walked thousands of index entries on every visit to show 50 rows). The
triggers made here see every path that writes those tables (the services, an import, a handover,
retention, the demo, raw SQL), each table marking only the counts read from it:

- decisions ending: `decision`, and `client` (inserted, deleted, or its status changed);
- reviews due: the stored spans `review_due` and their basis `review_due_basis`;
- courses expiring: `credential_expiry`, `supervision`, `employment` (who is current);
- courses overdue: `onboarding_due`, `supervision`;
- credentials missing asks how many assistants have no employment: `assistant`, `employment`.

No trigger on `shift`: no stored count is read from it, and an import's shifts pay nothing.

Also `credential_expiry.person_ref`, the reference of the row's person, kept by triggers from
`supervisor`/`assistant` (on the row's insert or update, and when a person's reference changes),
and the index `ix_credential_expiry_order` (expiry, person's reference, the person): the courses
expiring section reads the rows on its last day shown in the order it shows them (by reference)
through the index, instead of looking up the person and course of every row expiring that day
(334 on one day at a large provider, to show 50). On PostgreSQL the reference is indexed in the
"C" collation, the code point order the section sorts by.

SQLite: row-level triggers bump the count's `changes` in the writer's own transaction (SQLite's
writers take turns, so one row a count costs nobody a wait); a stored count is valid while its
`computed_changes` is still `changes`. PostgreSQL: one hot row bumped by every writer would hold
each writer of those tables behind the others until commit, so statement-level triggers INSERT a
row (count, writer's transaction id) into `day_count_change` instead — never a row shared by two
transactions — and a stored count keeps the oldest transaction id still running when it was
counted (`counted_xmin`): it is valid while no change row has an id at or above it (every older writer
had finished, so the count saw it). The counts are filled on their first view.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017c"
down_revision = "0016g"
branch_labels = None
depends_on = None

KEYS = ("decisions_ending", "reviews_due", "courses_expiring", "courses_overdue", "assistants_unemployed")
# table -> the counts read from it
COUNTED_FROM = {
    "decision": ("decisions_ending",),
    "client": ("decisions_ending",),
    "review_due": ("reviews_due",),
    "review_due_basis": ("reviews_due",),
    "credential_expiry": ("courses_expiring",),
    "employment": ("courses_expiring", "assistants_unemployed"),
    "assistant": ("assistants_unemployed",),
    "supervision": ("courses_expiring", "courses_overdue"),
    "onboarding_due": ("courses_overdue",),
}
_BUMP = "ON CONFLICT (key) DO UPDATE SET changes = day_count.changes + 1"


def _values(keys: tuple[str, ...]) -> str:
    return ", ".join(f"('{k}', 1)" for k in keys)


def _sqlite_up() -> list[str]:
    out = []
    for table, keys in COUNTED_FROM.items():
        bump = f"INSERT INTO day_count (key, changes) VALUES {_values(keys)} {_BUMP};"
        for event in ("INSERT", "UPDATE", "DELETE"):
            # A client matters to its decisions' count only by its status.
            when = " WHEN NEW.status IS NOT OLD.status" if (table, event) == ("client", "UPDATE") else ""
            out.append(f"CREATE TRIGGER day_count_{table}_{event.lower()} AFTER {event} ON {table}{when} BEGIN {bump} END")
    return out


def _pg_function(name: str, keys: tuple[str, ...]) -> str:
    # One row a count and transaction: a second statement of the same transaction adds nothing.
    array = ", ".join(f"'{k}'" for k in keys)
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO day_count_change (key, xid) SELECT k, pg_current_xact_id()::text::bigint "
        f"FROM unnest(ARRAY[{array}]) AS k ON CONFLICT DO NOTHING; RETURN NULL; END $$"
    )


def _pg_up() -> list[str]:
    out = []
    for table, keys in COUNTED_FROM.items():
        name = f"day_count_{table}"
        out.append(_pg_function(name, keys))
        events = "INSERT OR DELETE OR TRUNCATE" if table == "client" else "INSERT OR UPDATE OR DELETE OR TRUNCATE"
        out.append(f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    out.append(
        "CREATE TRIGGER day_count_client_status AFTER UPDATE OF status ON client FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION day_count_client()"
    )
    return out


_REF = (
    "COALESCE((SELECT ref FROM supervisor WHERE id = {row}.supervisor_id),"
    " (SELECT ref FROM assistant WHERE id = {row}.assistant_id))"
)


def _person_ref_sqlite() -> list[str]:
    ref = _REF.format(row="NEW")
    fill = f"UPDATE credential_expiry SET person_ref = {ref} WHERE enrollment_id = NEW.enrollment_id;"
    out = [
        f"CREATE TRIGGER credential_expiry_ref_insert AFTER INSERT ON credential_expiry BEGIN {fill} END",
        f"CREATE TRIGGER credential_expiry_ref_update AFTER UPDATE ON credential_expiry"
        f" WHEN NEW.person_ref IS NOT {ref} BEGIN {fill} END",
    ]
    for person in ("supervisor", "assistant"):
        out.append(
            f"CREATE TRIGGER credential_expiry_ref_{person} AFTER UPDATE OF ref ON {person}"
            f" WHEN NEW.ref IS NOT OLD.ref BEGIN"
            f" UPDATE credential_expiry SET person_ref = NEW.ref WHERE {person}_id = NEW.id; END"
        )
    return out


def _person_ref_pg() -> list[str]:
    out = [
        "CREATE FUNCTION credential_expiry_ref() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"NEW.person_ref := {_REF.format(row='NEW')}; RETURN NEW; END $$",
        "CREATE TRIGGER credential_expiry_ref BEFORE INSERT OR UPDATE ON credential_expiry"
        " FOR EACH ROW EXECUTE FUNCTION credential_expiry_ref()",
    ]
    for person in ("supervisor", "assistant"):
        name = f"credential_expiry_ref_{person}"
        out += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"UPDATE credential_expiry SET person_ref = NEW.ref WHERE {person}_id = NEW.id; RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER UPDATE OF ref ON {person} FOR EACH ROW"
            f" WHEN (OLD.ref IS DISTINCT FROM NEW.ref) EXECUTE FUNCTION {name}()",
        ]
    return out


def upgrade() -> None:
    op.create_table(
        "day_count",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("computed_changes", sa.Integer(), nullable=True),
        sa.Column("counted_xmin", sa.BigInteger(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("basis", sa.String(length=60), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "day_count_change",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("xid", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key", "xid"),
    )
    op.execute("INSERT INTO day_count (key, changes) VALUES " + ", ".join(f"('{k}', 0)" for k in KEYS))
    sqlite = op.get_bind().dialect.name == "sqlite"
    for sql in _sqlite_up() if sqlite else _pg_up():
        op.execute(sql)
    op.add_column("credential_expiry", sa.Column("person_ref", sa.String(length=20), nullable=True))
    op.execute(f"UPDATE credential_expiry SET person_ref = {_REF.format(row='credential_expiry')}")
    ref = "person_ref" if sqlite else 'person_ref COLLATE "C"'
    op.execute(
        f"CREATE INDEX ix_credential_expiry_order ON credential_expiry (expires_on, {ref}, supervisor_id, assistant_id)"
    )
    for sql in _person_ref_sqlite() if sqlite else _person_ref_pg():
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "supervisor", "assistant"):
            op.execute(f"DROP TRIGGER IF EXISTS credential_expiry_ref_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS credential_expiry_ref ON credential_expiry")
        op.execute("DROP FUNCTION IF EXISTS credential_expiry_ref()")
        for person in ("supervisor", "assistant"):
            op.execute(f"DROP TRIGGER IF EXISTS credential_expiry_ref_{person} ON {person}")
            op.execute(f"DROP FUNCTION IF EXISTS credential_expiry_ref_{person}()")
    op.drop_index("ix_credential_expiry_order", table_name="credential_expiry")
    with op.batch_alter_table("credential_expiry") as batch:
        batch.drop_column("person_ref")
    if op.get_bind().dialect.name == "sqlite":
        for table in COUNTED_FROM:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS day_count_{table}_{event}")
    else:
        op.execute("DROP TRIGGER IF EXISTS day_count_client_status ON client")
        for table in COUNTED_FROM:
            op.execute(f"DROP TRIGGER IF EXISTS day_count_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS day_count_{table}()")
    op.drop_table("day_count_change")
    op.drop_table("day_count")
