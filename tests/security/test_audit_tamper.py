"""What the access log's tamper evidence can detect, claim by claim (docs/privacy.md, "What each
deployment can detect"): a rewritten history with recomputed hashes (by the checkpoints kept
outside the database), an emptied or restarted log, a dropped or disabled trigger (on start and on
restore), SQLite's INSERT OR REPLACE, and a verification that writes nothing to what it checks."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat

import factories as f
import pytest
from sechelpers import sqlite_file
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bpa_provider import audit, audit_anchor
from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.services import audit_log, backup
from bpa_provider.services.users import ensure_first_admin

AUDITOR = Actor("audit", "auditor")


def _seed(db, admin) -> None:
    f.municipality(db, admin)
    for name in ("Kari Nordmann", "Ola Nordmann", "Per Hansen"):
        f.client(db, admin, name=name)


def _rewrite_history(path: str, row_id: int, summary: str) -> None:
    """`_rewrite_history_db` on a SQLite file (a live database or a backup)."""
    from bpa_provider.db.engine import open_database

    db = open_database(str(path))
    try:
        _rewrite_history_db(db, row_id, summary)
    finally:
        db.dispose()


def test_a_rewritten_history_verifies_without_a_checkpoint_and_breaks_with_one(sqlite_db, admin, tmp_path):
    _seed(sqlite_db, admin)
    anchor = tmp_path / "anchor"
    assert audit_log.verify(sqlite_db, AUDITOR, anchor).ok  # writes the first checkpoint
    _rewrite_history(sqlite_file(sqlite_db), 2, "nothing happened")
    # The chain alone is fooled: this is the limit the checkpoints are for.
    assert audit_log.verify(sqlite_db, AUDITOR).ok
    report = audit_log.verify(sqlite_db, AUDITOR, anchor)
    assert not report.ok and "no longer matches the checkpoint" in report.reason


def test_an_emptied_log_is_not_intact(sqlite_db, admin, tmp_path):
    _seed(sqlite_db, admin)
    anchor = tmp_path / "anchor"
    assert audit_log.verify(sqlite_db, AUDITOR, anchor).ok
    con = sqlite3.connect(sqlite_file(sqlite_db))
    con.execute("DROP TRIGGER audit_event_no_delete")
    con.execute("DELETE FROM audit_event")
    con.execute(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )
    con.commit()
    con.close()
    report = audit_log.verify(sqlite_db, AUDITOR)
    assert (report.ok, report.rows) == (False, 0) and "empty" in report.reason
    # Started again: a chain of its own, intact in itself, but not the log the checkpoint saw.
    f.client(sqlite_db, admin, name="Ny Start")
    assert audit_log.verify(sqlite_db, AUDITOR).ok
    report = audit_log.verify(sqlite_db, AUDITOR, anchor)
    assert not report.ok and "checkpoint" in report.reason


def test_an_edited_checkpoint_file_is_refused(sqlite_db, admin, tmp_path):
    _seed(sqlite_db, admin)
    anchor = tmp_path / "anchor"
    assert audit_log.verify(sqlite_db, AUDITOR, anchor).ok
    line = json.loads(anchor.read_text())
    line["hash"] = "0" * 64
    anchor.write_text(json.dumps(line) + "\n")
    report = audit_log.verify(sqlite_db, AUDITOR, anchor)
    assert not report.ok and "does not match its key" in report.reason


def test_the_checkpoint_file_and_its_key_are_private(sqlite_db, admin, tmp_path):
    _seed(sqlite_db, admin)
    anchor = tmp_path / "anchor"
    old = os.umask(0o022)
    try:
        assert audit_log.verify(sqlite_db, AUDITOR, anchor).ok
    finally:
        os.umask(old)
    for path in (anchor, audit_anchor.key_path(anchor)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "mac" in anchor.read_text() and audit_anchor.key_path(anchor).read_text().strip() not in anchor.read_text()


def test_verify_writes_nothing_to_the_database_it_checks(sqlite_db, admin, capsys):
    ensure_first_admin(sqlite_db, "root")
    _seed(sqlite_db, admin)
    path = sqlite_file(sqlite_db)

    def dump() -> list[str]:
        con = sqlite3.connect(path)
        try:
            return list(con.iterdump())
        finally:
            con.close()

    before = dump()
    assert main(["--db", path, "audit", "--verify"]) == 0
    out = capsys.readouterr().out
    assert "intact" in out and "No checkpoint file yet" in out
    assert dump() == before and not os.path.exists(f"{path}.audit-anchor")  # a copy starts none
    assert main(["--db", path, "init"]) == 0  # init starts the checkpoints of the database itself
    assert "Access-log checkpoints" in capsys.readouterr().out
    before = dump()
    assert main(["--db", path, "audit", "--verify"]) == 0
    assert "1 checkpoints match" in capsys.readouterr().out
    assert dump() == before  # the check is logged in the checkpoint file, not in the database
    assert len(audit_anchor.read(audit_anchor.anchor_path(f"sqlite:///{path}"))) == 1  # unchanged head


def test_insert_or_replace_cannot_swap_a_row(sqlite_db, admin):
    _seed(sqlite_db, admin)
    for verb in ("INSERT OR REPLACE INTO", "REPLACE INTO"):
        with pytest.raises(DBAPIError, match="append-only"):
            with sqlite_db.write() as s:
                s.execute(
                    text(
                        f"{verb} audit_event (id, at, actor, role, action, entity, entity_id, subject, "
                        "summary, connection, prev_hash, hash, hash_format) SELECT id, at, actor, role, "
                        "action, entity, entity_id, subject, 'nothing', connection, prev_hash, hash, "
                        "hash_format FROM audit_event WHERE id = 2"
                    )
                )
    with sqlite_db.read() as s:
        assert s.execute(text("SELECT summary FROM audit_event WHERE id = 2")).scalar() != "nothing"
    assert audit_log.verify(sqlite_db, AUDITOR).ok


def test_every_command_refuses_a_database_whose_triggers_were_dropped(sqlite_db, admin, capsys):
    ensure_first_admin(sqlite_db, "root")
    _seed(sqlite_db, admin)
    path = sqlite_file(sqlite_db)
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER audit_event_no_replace")
    con.commit()
    con.close()
    assert main(["--db", path, "list", "clients"]) == 1
    assert "audit_event_no_replace" in capsys.readouterr().err
    assert main(["--db", path, "audit", "--verify"]) == 1
    assert "triggers are missing" in capsys.readouterr().out


def test_restore_refuses_an_emptied_log_and_dropped_triggers(sqlite_db, admin, tmp_path):
    _seed(sqlite_db, admin)
    good = tmp_path / "good.sqlite3"
    backup.backup(sqlite_db, admin, good)
    for name, damage in (
        ("emptied", ["DROP TRIGGER audit_event_no_delete", "DELETE FROM audit_event"]),
        ("unguarded", ["DROP TRIGGER audit_event_no_update"]),
    ):
        bad = tmp_path / f"{name}.sqlite3"
        shutil.copy(good, bad)
        con = sqlite3.connect(bad)
        for sql in damage:
            con.execute(sql)
        con.commit()
        con.close()
        with pytest.raises(backup.FileRefused, match="empty" if name == "emptied" else "triggers"):
            backup.restore(bad, tmp_path / f"{name}-target.sqlite3")
        assert not (tmp_path / f"{name}-target.sqlite3").exists()
    restored = backup.restore(good, tmp_path / "target.sqlite3")
    assert restored.audit_rows > 0


def test_restore_checks_the_checkpoints_and_starts_from_the_restored_head(sqlite_db, admin, tmp_path):
    _seed(sqlite_db, admin)
    target = tmp_path / "live.sqlite3"
    anchor = tmp_path / "live.anchor"
    good = tmp_path / "good.sqlite3"
    backup.backup(sqlite_db, admin, good, anchor=anchor)  # checkpoints the backup's head
    forged = tmp_path / "forged.sqlite3"
    shutil.copy(good, forged)
    _rewrite_history(str(forged), 2, "nothing happened")
    with pytest.raises(backup.FileRefused, match="checkpoint"):
        backup.restore(forged, target, anchor=anchor)
    backup.restore(good, target, anchor=anchor)
    from bpa_provider.db.engine import open_database

    live = open_database(str(target))
    try:
        report = audit_log.verify(live, AUDITOR, anchor)
        assert report.ok and report.checkpoints >= 2  # the backup's head and the restored one
    finally:
        live.dispose()


def test_postgres_a_disabled_trigger_is_found(pg_db, admin):
    _seed(pg_db, admin)
    with pg_db.read() as s:
        assert audit.missing_guards(s) == []
    with pg_db.write() as s:
        s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    try:
        with pg_db.read() as s:
            assert audit.missing_guards(s) == ["audit_event_append_only"]
        report = audit_log.verify(pg_db, AUDITOR)
        assert not report.ok and "audit_event_append_only" in report.reason
    finally:
        with pg_db.write() as s:
            s.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))


def test_the_apps_fast_start_takes_the_refusing_path_when_a_trigger_is_gone(sqlite_db, admin):
    from bpa_provider.db.peek import peek_user

    ensure_first_admin(sqlite_db, "root")
    path = sqlite_file(sqlite_db)
    assert peek_user(f"sqlite:///{path}", "root") is not None
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER audit_event_no_update")
    con.commit()
    con.close()
    assert peek_user(f"sqlite:///{path}", "root") is None  # the ordinary path then refuses


def _rewrite_history_db(db, row_id: int, summary: str) -> None:
    """`_rewrite_history` on either engine, as the owner of the table: the guards off, one row
    changed, every later hash recomputed, the guards back on."""
    from sqlalchemy import select

    from bpa_provider.db.models import AuditEvent

    with db.write() as s:
        if db.dialect == "postgresql":
            s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            saved = []
        else:
            saved = s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _sql in saved:
                s.execute(text(f"DROP TRIGGER {name}"))
        s.execute(text("UPDATE audit_event SET summary = :x WHERE id = :id"), {"x": summary, "id": row_id})
        prev = ""
        for ev in s.execute(select(*audit._chain_columns(s)).order_by(AuditEvent.id)).all():
            new = audit._row_hash(prev, ev)
            s.execute(
                text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": prev, "h": new, "id": ev.id},
            )
            prev = new
        if db.dialect == "postgresql":
            s.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        for _name, sql in saved:
            s.execute(text(sql))


def test_both_engines_a_rewritten_history_is_found_only_with_a_checkpoint(db, admin, tmp_path):
    _seed(db, admin)
    anchor = tmp_path / "anchor"
    assert audit_log.verify(db, AUDITOR, anchor).ok
    _rewrite_history_db(db, 2, "nothing happened")
    assert audit_log.verify(db, AUDITOR).ok  # the chain alone is fooled
    report = audit_log.verify(db, AUDITOR, anchor)
    # Found at the checkpoint's row: the first place the log is known to differ from what was seen.
    assert (report.ok, report.broken_at) == (False, report.last_id) and "checkpoint" in report.reason


def test_both_engines_an_emptied_log_is_found(db, admin):
    _seed(db, admin)
    with db.write() as s:
        if db.dialect == "postgresql":
            s.execute(text("TRUNCATE audit_event"))  # the owner can: TRUNCATE fires no row trigger
        else:
            s.execute(text("DROP TRIGGER audit_event_no_delete"))
            s.execute(text("DELETE FROM audit_event"))
            s.execute(
                text(
                    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
                )
            )
    report = audit_log.verify(db, AUDITOR)
    assert not report.ok and "empty" in report.reason


def test_postgres_on_conflict_do_update_is_an_update_and_refused(pg_db, admin):
    _seed(pg_db, admin)
    with pytest.raises(DBAPIError, match="append-only"):
        with pg_db.write() as s:
            s.execute(
                text(
                    "INSERT INTO audit_event SELECT * FROM audit_event WHERE id = 2 "
                    "ON CONFLICT (id) DO UPDATE SET summary = 'nothing'"
                )
            )
    assert audit_log.verify(pg_db, AUDITOR).ok


def test_limits_a_weakened_trigger_and_a_rewrite_by_the_key_holder_are_not_found(sqlite_db, admin, tmp_path):
    """What docs/privacy.md says is *not* detected, so the claim stays true."""
    _seed(sqlite_db, admin)
    with sqlite_db.write() as s:
        s.execute(text("DROP TRIGGER audit_event_no_update"))
        s.execute(
            text(
                "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN 0 "
                "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
            )
        )
        assert audit.missing_guards(s) == []  # present, with its words: passes the check
    anchor = tmp_path / "anchor"
    assert audit_log.verify(sqlite_db, AUDITOR, anchor).ok
    _rewrite_history_db(sqlite_db, 2, "nothing happened")
    # Whoever can read the key rewrites the checkpoints too: nothing on this server shows it.
    with sqlite_db.read() as s:
        head = s.execute(
            text("SELECT id, hash, (SELECT count(*) FROM audit_event) FROM audit_event ORDER BY id DESC LIMIT 1")
        ).one()
    anchor.unlink()
    audit_anchor.write(anchor, head[0], head[1], head[2])
    assert audit_log.verify(sqlite_db, AUDITOR, anchor).ok


def test_a_checkpoint_goes_to_syslog_when_asked(tmp_path, monkeypatch):
    import sys
    import types

    sent = []
    fake = types.SimpleNamespace(
        LOG_AUTH=32, LOG_INFO=6, openlog=lambda *a: None, syslog=lambda prio, msg: sent.append((prio, msg))
    )
    monkeypatch.setitem(sys.modules, "syslog", fake)
    anchor = tmp_path / "anchor"
    audit_anchor.write(anchor, 1, "ab" * 32, 1)
    assert sent == []
    monkeypatch.setenv(audit_anchor.ENV_SYSLOG, "1")
    audit_anchor.write(anchor, 2, "cd" * 32, 2)
    assert len(sent) == 1 and '"id":2' in sent[0][1] and "mac" in sent[0][1]
    assert [c.id for c in audit_anchor.read(anchor) if c.valid] == [1, 2]


def test_rows_cut_off_the_end_are_found_back_to_the_last_checkpoint(sqlite_db, admin, tmp_path):
    _seed(sqlite_db, admin)
    anchor = tmp_path / "anchor"
    report = audit_log.verify(sqlite_db, AUDITOR, anchor)
    checkpointed = report.last_id
    f.client(sqlite_db, admin, name="Etter Sjekkpunkt")

    def cut(after: int) -> None:
        with sqlite_db.write() as s:
            s.execute(text("DROP TRIGGER audit_event_no_delete"))
            s.execute(text("DELETE FROM audit_event WHERE id > :n"), {"n": after})
            s.execute(
                text(
                    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
                )
            )

    cut(checkpointed)  # only rows written after the last checkpoint: not found (the documented limit)
    assert audit_log.verify(sqlite_db, AUDITOR, anchor).ok
    cut(checkpointed - 1)  # into the checkpointed part: found
    report = audit_log.verify(sqlite_db, AUDITOR, anchor)
    assert not report.ok and "rows were removed" in report.reason


def test_verifying_a_backup_leaves_its_file_as_it_was(sqlite_db, admin, tmp_path, capsys):
    import hashlib

    ensure_first_admin(sqlite_db, "root")
    _seed(sqlite_db, admin)
    copy = tmp_path / "copy.sqlite3"
    backup.backup(sqlite_db, admin, copy)
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert main(["--db", str(copy), "audit", "--verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest
    assert not os.path.exists(f"{copy}-wal")
