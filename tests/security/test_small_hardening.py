"""Finding 6 of issue 15, each with the test that failed before: logins are case-folded, client
references have a pattern, the default database and backup scratch copies are private, and a
kill between the migration and the first admin does not leave a database that says "unknown
user"."""

from __future__ import annotations

import os
import stat

import factories as f
import pytest

from bpa_provider.access import Actor
from bpa_provider.errors import ValidationError
from bpa_provider.services import records, users

ADMIN = Actor("admin", "admin")


def test_kari_and_KARI_are_one_user(db):
    users.add_user(db, ADMIN, "kari", "coordinator")
    with pytest.raises(ValidationError, match="already exists"):
        users.add_user(db, ADMIN, "KARI", "coordinator")
    assert users.resolve_actor(db, "Kari").login == "kari"
    made = users.add_user(db, ADMIN, "OLA", "auditor")
    assert made.login == "ola" and users.resolve_actor(db, "ola").role == "auditor"
    assert [u.login for u in users.list_users(db, ADMIN)].count("kari") == 1


@pytest.mark.parametrize(
    "ref", ["../../etc/passwd", "a/b", "K 0001", ".hidden", "K-0001\\x", "-K", "K:1", "K\u00a00001", "x" * 21]
)
def test_a_path_like_client_reference_is_refused(db, ref):
    f.municipality(db, ADMIN)
    with pytest.raises(ValidationError) as info:
        f.client(db, ADMIN, ref=ref)
    assert any(e.field == "ref" for e in info.value.errors)
    assert records.list_records(db, ADMIN, "client").total == 0


def test_ordinary_client_references_are_accepted(db):
    f.municipality(db, ADMIN)
    for ref in ("K-0100", "oslo_17", "B2024-3"):
        assert f.client(db, ADMIN, ref=ref).ref == ref


def test_init_creates_the_database_private_and_a_kill_before_the_first_admin_heals(tmp_path, capsys, monkeypatch):
    from bpa_provider.cli import main
    from bpa_provider.db import migrate
    from bpa_provider.db.engine import make_engine
    from bpa_provider.identity import current_login

    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "bpa.sqlite3"
        assert main(["--db", str(path), "init"]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # `init` killed after the migration, before the first admin: the schema is there, no user.
    half = tmp_path / "half.sqlite3"
    engine = make_engine(f"sqlite:///{half}")
    migrate.upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    assert main(["--db", str(half), "list", "clients"]) == 1  # over SSH: never made admin by a key
    assert "unknown user" in capsys.readouterr().err
    monkeypatch.delenv("SSH_CONNECTION")
    assert main(["--db", str(half), "list", "clients"]) == 0  # on the server: init's last step done
    capsys.readouterr()
    assert main(["--db", str(half), "users", "list", "--format", "csv"]) == 0
    assert f"{current_login()}," in capsys.readouterr().out


def test_a_killed_backups_copy_is_private_and_cleaned_up(sqlite_db, tmp_path, monkeypatch):
    from bpa_provider.services import backup

    f.municipality(sqlite_db, ADMIN)
    out = tmp_path / "backups"
    out.mkdir()
    stale = out / ".old.sqlite3.partial-999999"  # a pid no process has
    stale.write_bytes(b"a full copy of personal data")
    stale.chmod(0o644)
    live = out / f".x.sqlite3.partial-{os.getppid()}"  # a running process's copy is left alone
    live.write_bytes(b"")
    seen = []
    real = backup._integrity

    def spy(con):  # noqa: ANN001 - while the copy is being written
        seen.extend(stat.S_IMODE(p.stat().st_mode) for p in out.glob(".new.sqlite3.partial-*"))
        return real(con)

    monkeypatch.setattr(backup, "_integrity", spy)
    old = os.umask(0o022)
    try:
        backup.backup(sqlite_db, ADMIN, out / "new.sqlite3")
    finally:
        os.umask(old)
    assert seen == [0o600]
    assert not stale.exists() and live.exists()
    assert stat.S_IMODE((out / "new.sqlite3").stat().st_mode) == 0o600
