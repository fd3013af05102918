"""A restore killed between replacing the database and replacing its checkpoints (issue 15: a
SIGKILL during restore must leave a database that passes `audit --verify`).

The two files cannot change in one step, so the restore stages the new checkpoints first; these
tests stop it at each point between the steps and verify what is left."""

from __future__ import annotations

from pathlib import Path

import factories as f
import pytest
from sechelpers import sqlite_file

from bpa_provider import audit_anchor
from bpa_provider.access import Actor
from bpa_provider.db.engine import open_database
from bpa_provider.services import audit_log, backup

AUDITOR = Actor("audit", "auditor")


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (not even `except Exception`)."""


def _live_with_backup(live, admin, tmp_path):
    """A live database with a verified head, a backup of it, and rows added after the backup."""
    live_path = Path(sqlite_file(live))
    anchor = tmp_path / "live.anchor"
    f.municipality(live, admin)
    f.client(live, admin, name="Kari Nordmann")
    good = tmp_path / "good.sqlite3"
    backup.backup(live, admin, good, anchor=anchor)
    f.client(live, admin, name="Ola Nordmann")  # rows the restore will take away on purpose
    assert audit_log.verify(live, AUDITOR, anchor).ok  # the anchor now checkpoints them
    live.dispose()
    return live_path, anchor, good


def _verify(path, anchor):
    db = open_database(str(path))
    try:
        return audit_log.verify(db, AUDITOR, anchor)
    finally:
        db.dispose()


def test_killed_after_the_database_was_replaced_the_restored_database_verifies(sqlite_db, admin, tmp_path, monkeypatch):
    live_path, anchor, good = _live_with_backup(sqlite_db, admin, tmp_path)

    def killed(_anchor):
        raise Killed

    monkeypatch.setattr(audit_anchor, "finish_restore", killed)
    with pytest.raises(Killed):
        backup.restore(good, live_path, force=True, anchor=anchor)
    monkeypatch.undo()
    assert audit_anchor.pending_path(anchor).exists()
    report = _verify(live_path, anchor)
    assert report.ok, report.reason
    # The staged checkpoints took the anchor's place; the left-out ones were kept aside.
    assert not audit_anchor.pending_path(anchor).exists()
    assert list(tmp_path.glob("live.anchor.before-restore-*"))
    assert _verify(live_path, anchor).ok


def test_killed_before_the_database_was_replaced_the_old_database_verifies(sqlite_db, admin, tmp_path, monkeypatch):
    live_path, anchor, good = _live_with_backup(sqlite_db, admin, tmp_path)
    before = anchor.read_text()

    def killed(_src, _target, wait=10.0):
        raise Killed

    monkeypatch.setattr(backup, "_copy_into", killed)
    with pytest.raises(Killed):
        backup.restore(good, live_path, force=True, anchor=anchor)
    monkeypatch.undo()
    assert audit_anchor.pending_path(anchor).exists()
    report = _verify(live_path, anchor)
    assert report.ok, report.reason
    # The staged restore never happened: dropped, the anchor's checkpoints kept (one more line
    # for the head just verified at most).
    assert not audit_anchor.pending_path(anchor).exists()
    assert anchor.read_text().startswith(before)


def test_a_staged_restore_does_not_excuse_a_log_cut_short(sqlite_db, admin, tmp_path, monkeypatch):
    """The staged checkpoints are accepted only for the database that holds the restore's own
    row: the live log cut back to the backup's rows (the restore row missing) still fails."""
    live_path, anchor, good = _live_with_backup(sqlite_db, admin, tmp_path)

    def killed(_src, _target, wait=10.0):
        raise Killed

    monkeypatch.setattr(backup, "_copy_into", killed)
    with pytest.raises(Killed):
        backup.restore(good, live_path, force=True, anchor=anchor)
    monkeypatch.undo()
    import shutil

    shutil.copy(good, live_path)  # the backup put in place by hand: no restore row
    for suffix in ("-wal", "-shm"):
        Path(f"{live_path}{suffix}").unlink(missing_ok=True)
    report = _verify(live_path, anchor)
    assert not report.ok
    assert audit_anchor.pending_path(anchor).exists()  # nothing was finished on its behalf
