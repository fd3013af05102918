"""Backups with SQLite's online backup API, and restores that refuse damaged or foreign files."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import stat
import time
from datetime import UTC, datetime

import factories as f
import pytest
from sechelpers import corrupt_table, sqlite_file
from sqlalchemy import func, select

from bpa_provider.access import Actor
from bpa_provider.db import migrate
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import AuditEvent, Municipality
from bpa_provider.errors import PermissionDenied
from bpa_provider.services import audit_log, backup, records
from bpa_provider.services.users import ensure_first_admin


def _counts(path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        munis = con.execute("SELECT count(*) FROM municipality").fetchone()[0]
        creates = con.execute(
            "SELECT count(*) FROM audit_event WHERE action = 'create' AND entity = 'municipality'"
        ).fetchone()[0]
        return munis, creates
    finally:
        con.close()


def test_backup_while_another_process_writes_is_consistent_and_checked(sqlite_db, admin, tmp_path):
    path = sqlite_file(sqlite_db)
    pid = os.fork()
    if pid == 0:  # the writer: its own engine, writing until killed
        try:
            db = Database(make_engine(f"sqlite:///{path}"))
            for i in range(100_000):
                records.create(db, admin, "municipality", {"name": f"W{i}"})
        finally:
            os._exit(0)
    try:
        deadline = time.monotonic() + 30
        while _counts(path)[0] < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        result = backup.backup(sqlite_db, admin, tmp_path / "b.sqlite3")
        result2 = backup.backup(sqlite_db, admin, tmp_path / "b2.sqlite3")
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    for r in (result, result2):
        munis, creates = _counts(r.path)
        assert munis == creates >= 5  # a snapshot: every row with its log entry, nothing half
        assert stat.S_IMODE(r.path.stat().st_mode) == 0o600
        assert not os.path.exists(f"{r.path}-wal")
        copy = Database(make_engine(f"sqlite:///{r.path}"))
        migrate.check_current(copy.engine)
        with copy.read() as s:
            from bpa_provider.audit import verify_chain

            assert verify_chain(s).ok
        copy.dispose()
    assert _counts(result2.path)[0] >= _counts(result.path)[0]
    assert [r.action for r in audit_log.query(sqlite_db, admin, action="backup")] == ["backup", "backup"]


def test_backup_refusals(sqlite_db, admin, tmp_path):
    target = tmp_path / "b.sqlite3"
    target.write_text("precious")
    with pytest.raises(backup.FileRefused, match="add --force"):
        backup.backup(sqlite_db, admin, target)
    assert target.read_text() == "precious"
    with pytest.raises(backup.FileRefused, match="database itself"):
        backup.backup(sqlite_db, admin, sqlite_file(sqlite_db), force=True)
    with pytest.raises(PermissionDenied):
        backup.backup(sqlite_db, Actor("c", "coordinator"), tmp_path / "c.sqlite3")
    assert not (tmp_path / "c.sqlite3").exists()


def test_postgres_backup_prints_pg_dump_and_exits_2(pg_db, capsys):
    from bpa_provider import cli

    db = pg_db
    ensure_first_admin(db, "root")
    url = db.engine.url.render_as_string(hide_password=False)
    assert cli.main(["--db", url, "backup", "/tmp/x.dump"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pg_dump --format=custom --no-owner --file=/tmp/x.dump 'postgresql://" in err


@pytest.fixture
def good_backup(sqlite_db, admin, tmp_path):
    ensure_first_admin(sqlite_db, "root")
    f.municipality(sqlite_db, admin)
    f.client(sqlite_db, admin)
    return backup.backup(sqlite_db, admin, tmp_path / "good.sqlite3").path


def test_restore_refuses_damaged_foreign_and_unknown_files(good_backup, tmp_path):
    target = tmp_path / "restored.sqlite3"
    junk = tmp_path / "junk"
    junk.write_bytes(random.Random(7).randbytes(20_000))
    with pytest.raises(backup.FileRefused, match="not a usable SQLite database"):
        backup.restore(junk, target)
    damaged = tmp_path / "damaged.sqlite3"
    shutil.copy(good_backup, damaged)
    corrupt_table(damaged, "client")
    with pytest.raises(backup.FileRefused, match="damaged"):
        backup.restore(damaged, target)
    newer = tmp_path / "newer.sqlite3"
    shutil.copy(good_backup, newer)
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(backup.FileRefused, match="revision 9999"):
        backup.restore(newer, target)
    tampered = tmp_path / "tampered.sqlite3"
    shutil.copy(good_backup, tampered)
    con = sqlite3.connect(tampered)
    con.execute("DROP TRIGGER audit_event_no_update")
    con.execute("UPDATE audit_event SET summary = 'edited' WHERE id = 1")
    con.commit()
    con.close()
    with pytest.raises(backup.FileRefused, match="access log is broken at row 1"):
        backup.restore(tampered, target)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if ".restore-" in p.name] == []


def test_restore_replaces_only_with_force_and_logs_it(sqlite_db, admin, good_backup, capsys):
    from bpa_provider import cli

    path = sqlite_file(sqlite_db)
    f.municipality(sqlite_db, admin, name="Added after the backup")
    assert cli.main(["--db", path, "restore", str(good_backup)]) == 2
    assert "add --force" in capsys.readouterr().err
    assert cli.main(["--db", path, "restore", str(good_backup), "--force"]) == 0
    with sqlite_db.read() as s:
        assert s.execute(select(func.count()).select_from(Municipality)).scalar_one() == 1
        last = s.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert (last.actor, last.role, last.action) == ("root", "operator", "restore")
    assert cli.main(["--db", path, "audit", "--verify"]) == 0


def test_restore_into_a_damaged_database_keeps_the_damaged_file(good_backup, tmp_path):
    target = tmp_path / "live.sqlite3"
    shutil.copy(good_backup, target)
    target.write_bytes(b"garbage" * 1000)
    result = backup.restore(good_backup, target, force=True, by="root")
    assert result.revision == max(migrate.known_revisions())
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("live.sqlite3.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"garbage")
    assert _counts(target) == (1, 1)


def test_restore_into_a_busy_database_is_refused_not_moved_aside(sqlite_db, good_backup, tmp_path, monkeypatch):
    path = sqlite_file(sqlite_db)
    holder = sqlite3.connect(path, timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # someone is writing and does not let go
    original = backup._copy_into
    monkeypatch.setattr(backup, "_copy_into", lambda src, target: original(src, target, wait=0.2))
    try:
        with pytest.raises(backup.FileRefused, match="still running"):
            backup.restore(good_backup, path, force=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not [p for p in tmp_path.iterdir() if ".damaged-" in p.name]


def test_a_backup_from_an_older_schema_is_restored_and_brought_up_to_date(tmp_path):
    """A backup taken before the newest migration restores, is migrated, and logs the restore."""
    old = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{old}")
    migrate.upgrade(engine, "0002")
    engine.dispose()
    with sqlite3.connect(old) as con:  # today's models cannot write the old schema: plain SQL
        con.execute(
            "INSERT INTO municipality (name, country, timezone, unit_name, unit_contact, "
            "notice_months, approved, rule_profile, created_at, updated_at, version) VALUES "
            "('Hamar', 'NO', 'Europe/Oslo', '', '', 3, 1, 'NO', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', 1)"
        )
        # An access log of one row as the app at 0002 wrote it (an empty log is refused).
        from types import SimpleNamespace

        from bpa_provider import audit

        at = datetime(2026, 1, 1, tzinfo=UTC)
        ev = SimpleNamespace(
            at=at,
            actor="admin",
            role="admin",
            action="create",
            entity="municipality",
            entity_id=1,
            subject="",
            summary="created",
            before=None,
            after=None,
            connection="",
            hash_format=audit.FORMAT_TEXT,
        )
        con.execute(
            "INSERT INTO audit_event (at, actor, role, action, entity, entity_id, subject, summary, "
            "connection, prev_hash, hash) VALUES ('2026-01-01 00:00:00.000000', 'admin', 'admin', "
            "'create', 'municipality', 1, '', 'created', '', '', ?)",
            (audit._row_hash("", ev),),
        )
    target = tmp_path / "restored.sqlite3"
    result = backup.restore(old, target, by="operator1")
    assert result.revision == "0002"
    restored = Database(make_engine(f"sqlite:///{target}"))
    try:
        migrate.check_current(restored.engine)  # at the newest revision: the app can open it
        with restored.read() as s:
            last = s.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
            assert s.execute(select(func.count()).select_from(Municipality)).scalar_one() == 1
        assert (last.actor, last.action) == ("operator1", "restore")
        assert audit_log.verify(restored, Actor("a", "admin")).ok
    finally:
        restored.dispose()
