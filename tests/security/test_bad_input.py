"""5,000 hostile strings through the client form's service and through CSV import.

Control characters (escape sequences included) must be refused with a clear ValidationError on the
field; markup, right-to-left text and everything else printable is stored exactly as typed
(surrounding space trimmed); nothing crashes. The database lives on tmpfs when there is one: this
test is about input handling, not fsync.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import factories as f
import pytest
from hostile import expected, hostile_strings
from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import Client
from bpa_provider.errors import ValidationError
from bpa_provider.services import records

ADMIN = Actor("admin", "admin")


@pytest.fixture
def fast_db(sqlite_template):
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    d = Path(tempfile.mkdtemp(dir=base, prefix="bpa-bad-input-"))
    shutil.copy(sqlite_template, d / "db.sqlite3")
    db = Database(make_engine(f"sqlite:///{d / 'db.sqlite3'}"))
    f.municipality(db, ADMIN)
    yield db
    db.dispose()
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.slow
def test_5000_strings_through_the_client_service(fast_db):
    strings = hostile_strings(5000)
    stored: dict[str, str] = {}
    refused = 0
    for i, raw in enumerate(strings):
        want, refusal = expected(raw)
        ref = f"X-{i:05d}"
        try:
            records.create(fast_db, ADMIN, "client", {"ref": ref, "name": raw, "municipality_id": "Hamar"})
        except ValidationError as exc:
            message = exc.for_field("name")
            assert refusal is not None and message and refusal in message, (repr(raw), exc.message)
            refused += 1
            continue
        assert refusal is None, f"accepted {raw!r} (expected refusal: {refusal})"
        stored[ref] = want
    with fast_db.read() as s:
        got = dict(s.execute(select(Client.ref, Client.name)).all())
    assert got == stored  # markup, RTL and the rest stored exactly as typed
    assert 500 < refused < 4500  # both sides of the rule were exercised


def _csv(rows: list[tuple[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["ref", "name", "municipality"])
    for ref, name in rows:
        w.writerow([ref, name, "Hamar"])
    return buf.getvalue()


@pytest.mark.slow
def test_hostile_strings_through_csv_import(fast_db):
    importer = pytest.importorskip("bpa_provider.services.importer")
    strings = hostile_strings(1000, seed=7)
    rows = [(f"Y-{i:04d}", s) for i, s in enumerate(strings)]
    bad = [r for r in rows if expected(r[1])[1] is not None]
    with pytest.raises(ValidationError) as exc:
        importer.import_table(fast_db, ADMIN, "clients", importer.parse_csv(_csv(rows)))
    name_errors = [e for e in exc.value.errors if e.field == "name"]
    assert len(name_errors) == len(bad)
    assert all(
        any(w in e.text for w in ("control characters", "required", "too long", "one line", "not valid text"))
        for e in name_errors
    )
    with fast_db.read() as s:
        assert s.execute(select(Client.id)).first() is None  # a refused file writes nothing
    good = [r for r in rows if expected(r[1])[1] is None]
    importer.import_table(fast_db, ADMIN, "clients", importer.parse_csv(_csv(good)))
    with fast_db.read() as s:
        got = dict(s.execute(select(Client.ref, Client.name)).all())
    assert got == {ref: expected(name)[0] for ref, name in good}


def test_lone_surrogate_is_a_validation_error_not_a_crash(fast_db):
    with pytest.raises(ValidationError):
        records.create(fast_db, ADMIN, "client", {"name": "Kari\udcff", "municipality_id": "Hamar"})
