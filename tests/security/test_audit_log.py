"""The access log: append-only in the database, chain verification, queries and the CLI."""

from __future__ import annotations

from datetime import date

import factories as f
import pytest
from sechelpers import sqlite_file
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bpa_provider.access import Actor
from bpa_provider.db import migrate
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.errors import PermissionDenied
from bpa_provider.services import audit_log, records
from bpa_provider.services.users import ensure_first_admin


def _seed(db, actor) -> None:
    f.municipality(db, actor)
    f.client(db, actor)
    f.client(db, actor, name="Ola Nordmann")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET summary = 'nothing happened'",
        "DELETE FROM audit_event",
    ],
)
def test_update_and_delete_are_refused_by_the_database(db, admin, statement):
    _seed(db, admin)
    with pytest.raises(DBAPIError) as exc:
        with db.write() as s:
            s.execute(text(statement))
    assert "append-only" in str(exc.value)
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM audit_event")).scalar() == 3
    assert audit_log.verify(db, admin).ok


def test_downgrade_drops_the_triggers_and_upgrade_restores_them(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(engine)
    database = Database(engine)
    f.municipality(database, Actor("a", "admin"))
    migrate.downgrade(engine, "0001")
    with database.write() as s:
        s.execute(text("UPDATE audit_event SET summary = 'x'"))  # allowed without 0002
    migrate.upgrade(engine)
    with pytest.raises(DBAPIError):
        with database.write() as s:
            s.execute(text("UPDATE audit_event SET summary = 'y'"))
    engine.dispose()


def test_postgres_downgrade_drops_trigger_function(pg_db):
    db = pg_db
    migrate.downgrade(db.engine, "0001")
    try:
        with db.engine.connect() as c:
            assert (
                c.execute(text("SELECT count(*) FROM pg_proc WHERE proname = 'audit_event_append_only'")).scalar() == 0
            )
    finally:
        migrate.upgrade(db.engine)
    with db.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_event_append_only'")).scalar() == 1


def test_tampering_around_the_trigger_is_found_by_verify(sqlite_db, admin):
    _seed(sqlite_db, admin)
    # Someone with the file drops the trigger and edits a row: the chain shows where.
    with sqlite_db.write() as s:
        s.execute(text("DROP TRIGGER audit_event_no_update"))
        s.execute(text("UPDATE audit_event SET actor = 'nobody' WHERE id = 2"))
    report = audit_log.verify(sqlite_db, admin)
    assert (report.ok, report.broken_at) == (False, 2)


def test_who_looked_at_my_data(db, admin, coordinator):
    _seed(db, admin)
    client = records.list_records(db, admin, "client", search="K-0001").rows[0]
    records.reveal_national_id(db, coordinator, "client", client.id)
    rows = audit_log.query(db, Actor("audit", "auditor"), subject="K-0001")
    assert [(r.actor, r.action) for r in rows] == [("admin", "create"), ("coord", "reveal_id")]
    assert all(r.subject == "K-0001" for r in rows)
    by_user = audit_log.query(db, Actor("audit", "auditor"), user="coord")
    assert [r.action for r in by_user] == ["reveal_id"]
    # Reading the log is itself logged.
    assert audit_log.query(db, admin, action="view")[0].actor == "audit"


def test_date_filters_use_local_days(db, admin):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    _seed(db, admin)
    today = datetime.now(ZoneInfo("Europe/Oslo")).date()  # the filters' days are Oslo's, not UTC's
    assert len(audit_log.query(db, admin, since=today, until=today, action="create")) == 3
    assert audit_log.query(db, admin, until=date(2000, 1, 1)) == []


def test_supervisors_may_not_read_the_log_and_the_refusal_is_logged(db, admin):
    with pytest.raises(PermissionDenied):
        audit_log.query(db, Actor("sup", "supervisor", supervisor_id=1), subject="K-0001")
    refused = audit_log.query(db, admin, action="refused")
    assert [(r.actor, r.entity) for r in refused] == [("sup", "query")]


def test_cli_audit_subject_csv_and_verify_exit_codes(sqlite_db, admin, capsys):
    from bpa_provider.cli import main

    ensure_first_admin(sqlite_db, "root")
    _seed(sqlite_db, admin)
    path = sqlite_file(sqlite_db)
    assert main(["--db", path, "audit", "--subject", "K-0002", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("id,at,actor,role,action")
    assert len(out) == 2 and ",K-0002," in out[1]
    assert main(["--db", path, "audit", "--verify"]) == 0
    assert "intact" in capsys.readouterr().out
    with sqlite_db.write() as s:
        s.execute(text("DROP TRIGGER audit_event_no_delete"))
        s.execute(text("DELETE FROM audit_event WHERE id = 3"))
    assert main(["--db", path, "audit", "--verify", "--format", "csv"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN at row 4" in out and "\n4," in out
    # Every other command refuses a database whose log lost a trigger (exit 1, one line).
    assert main(["--db", path, "audit", "--subject", "K-0002"]) == 1
    err = capsys.readouterr().err
    assert "audit_event_no_delete" in err and len(err.strip().splitlines()) == 1
    with sqlite_db.write() as s:
        s.execute(
            text(
                "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
            )
        )
    assert main(["--db", path, "audit", "--from", "31.02.2026"]) == 2
    assert "--from" in capsys.readouterr().err


def test_postgres_app_role_without_update_delete_truncate(pg_db, admin):
    """The role set-up docs/privacy.md recommends: the app's login cannot rewrite the log at all."""
    db = pg_db
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("DROP ROLE IF EXISTS bpa_app_test"))
        c.execute(text("CREATE ROLE bpa_app_test LOGIN"))
        c.execute(text("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bpa_app_test"))
        c.execute(text("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO bpa_app_test"))
        c.execute(text("REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM bpa_app_test"))
    app = Database(make_engine(db.engine.url.set(username="bpa_app_test").render_as_string(hide_password=False)))
    try:
        _seed(app, admin)  # the app works: records and their log rows are written
        for statement in ("UPDATE audit_event SET summary = 'x'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
            with pytest.raises(DBAPIError) as exc:
                with app.write() as s:
                    s.execute(text(statement))
            assert "permission denied" in str(exc.value)
        assert audit_log.verify(app, admin).ok
    finally:
        app.dispose()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("DROP OWNED BY bpa_app_test"))
            c.execute(text("DROP ROLE bpa_app_test"))
