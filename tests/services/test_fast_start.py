"""The app's fast start: who you are read with the driver alone (db/peek.py), a deferred
database, and the CLI opening the app without loading every subcommand.

The fast path must agree with the ordinary one wherever it answers, and step aside (None)
wherever the ordinary one would refuse, so the refusal keeps its words.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import factories as f
import pytest

from bpa_provider import identity
from bpa_provider.access import Actor
from bpa_provider.cli import app_only_args
from bpa_provider.db.engine import Database, hide_password, open_database
from bpa_provider.db.peek import peek_user
from bpa_provider.services import records, users

ROOT = Path(__file__).resolve().parents[2]


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _people(db: Database) -> None:
    admin = Actor("admin", "admin")
    users.ensure_first_admin(db, "root")
    f.municipality(db, admin)
    f.client(db, admin)
    records.create(db, admin, "supervisor", {"name": "Siv", "client_id": "K-0001", "since": "2024-01-01"})
    users.add_user(db, admin, "coord", "coordinator")
    users.add_user(db, admin, "sup", "supervisor", "S-0001")
    users.add_user(db, admin, "gone", "coordinator")
    users.set_disabled(db, admin, "gone", True, keys_file=Path("/nonexistent/keys"), env={})


def test_peek_reads_the_row_resolve_actor_reads(db):
    _people(db)
    for login in ("root", "coord", "sup"):
        row = peek_user(_url(db), login)
        actor = users.resolve_actor(db, login)
        assert row is not None
        assert (row.id, row.login, row.role, row.supervisor_id) == (
            actor.user_id,
            actor.login,
            actor.role,
            actor.supervisor_id,
        )
    # Unknown and disabled users are the ordinary path's to refuse, in its words.
    assert peek_user(_url(db), "nobody") is None
    assert peek_user(_url(db), "gone") is None


def test_peek_steps_aside_for_what_it_cannot_vouch_for(sqlite_db, tmp_path):
    _people(sqlite_db)
    missing = tmp_path / "missing" / "bpa.sqlite3"
    assert peek_user(str(missing), "root") is None
    assert not missing.exists() and not missing.parent.exists()  # never creates a file
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    assert peek_user(str(empty), "root") is None  # no schema
    path = Path(sqlite_db.engine.url.database)
    assert peek_user(str(path), "root") is not None
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")  # a newer app's schema
    assert peek_user(str(path), "root") is None
    assert peek_user("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1", "root") is None


def test_early_actor_is_the_resolved_actor_before_its_scope(sqlite_db, monkeypatch):
    _people(sqlite_db)
    url = str(sqlite_db.engine.url.database)
    monkeypatch.setattr(identity, "current_login", lambda: "sup")
    early = identity.early_actor(url, None, env={})
    resolved = users.resolve_actor(sqlite_db, "sup")
    assert early is not None and early.client_scope is None
    assert early.__dict__ | {"client_scope": resolved.client_scope} == resolved.__dict__
    # An admin acting as someone else is written to the access log first: the ordinary path.
    monkeypatch.setattr(identity, "current_login", lambda: "root")
    assert identity.early_actor(url, "coord", env={}) is None


def test_every_service_scopes_a_supervisor_read_early(sqlite_db, monkeypatch):
    _people(sqlite_db)
    admin = Actor("admin", "admin")
    f.client(sqlite_db, admin, name="Ola Nordmann")  # not Siv's
    monkeypatch.setattr(identity, "current_login", lambda: "sup")
    early = identity.early_actor(str(sqlite_db.engine.url.database), None, env={})
    page = records.list_records(sqlite_db, early, "client")
    assert [row.ref for row in page.rows] == ["K-0001"]


def test_a_deferred_database_loads_sqlalchemy_when_first_used(tmp_path, sqlite_template):
    path = tmp_path / "bpa.sqlite3"
    path.write_bytes(Path(sqlite_template).read_bytes())
    code = (
        "import sys; from bpa_provider.db.engine import open_database;"
        f"db = open_database({str(path)!r}, deferred=True);"
        "before = ('sqlalchemy' in sys.modules, db.started, db.dialect, db.url.startswith('sqlite:'));"
        "from sqlalchemy import text\n"
        "with db.read() as s: n = s.execute(text('select count(*) from app_user')).scalar()\n"
        "print(before, db.started, n)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "(False, False, 'sqlite', True) True 0"


def test_a_deferred_url_hides_its_password():
    db = open_database("postgresql://bpa:s3cret@db.example:5432/bpa", deferred=True)
    assert db.url == "postgresql+psycopg://bpa:***@db.example:5432/bpa" and not db.started
    assert hide_password("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"


@pytest.mark.parametrize(
    "argv, opens_app",
    [
        ([], True),
        (["--db", "x.sqlite3"], True),
        (["--db=x.sqlite3", "--lang", "sv", "--as", "coord"], True),
        (["list", "clients"], False),
        (["--db", "x", "report", "hours"], False),
        (["-h"], False),
        (["--lang", "xx"], False),  # the full parser words the refusal
        (["--db"], False),
    ],
)
def test_only_a_bare_start_skips_the_subcommands(argv, opens_app):
    assert (app_only_args(argv, {}) is not None) is opens_app


def test_a_forced_command_with_a_command_of_its_own_takes_the_full_parser():
    env = {"SSH_CONNECTION": "10.0.0.1 1 10.0.0.2 22", "SSH_ORIGINAL_COMMAND": "list clients"}
    assert app_only_args(["--as", "coord"], env) is None
    assert app_only_args(["--as", "coord"], {**env, "SSH_ORIGINAL_COMMAND": "  "}) is not None


def test_the_app_is_started_before_sqlalchemy_is_imported(tmp_path, sqlite_template):
    """`bpa-provider --db FILE` reaches the app's run loop with no database stack loaded: the
    first screen does not wait for it (docs/performance.md)."""
    db_path = tmp_path / "bpa.sqlite3"
    db_path.write_bytes(Path(sqlite_template).read_bytes())
    seed = open_database(str(db_path))
    from bpa_provider.identity import current_login

    users.ensure_first_admin(seed, current_login())
    seed.dispose()
    code = (
        "import sys; from textual.app import App\n"
        "seen = []\n"
        "App.run = lambda self, *a, **k: seen.append(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', "
        "'bpa_provider.db.models') if m in sys.modules))\n"
        "from bpa_provider.cli import main\n"
        f"code = main(['--db', {str(db_path)!r}])\n"
        "print(code, seen)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "0 [[]]", out.stdout + out.stderr
