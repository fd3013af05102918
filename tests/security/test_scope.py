"""Hypothesis: whatever a supervisor asks a list for, no other client's data comes back."""

from __future__ import annotations

import shutil

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bpa_provider.access import PERMISSIONS, Actor
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import Assignment, Client, Supervisor
from bpa_provider.errors import PermissionDenied, ValidationError
from bpa_provider.services import listing, records

# Who supervises whom, by client number; S-0002's supervision of client 3 ended in 2025.
SUPERVISES = {"S-0001": [1, 2], "S-0002": [4], "S-0003": []}
ASSIGNED = {1: [1, 3], 2: [2], 3: [5], 4: [4, 1], 5: [6]}  # assistant number -> client numbers


@pytest.fixture(scope="module")
def world(tmp_path_factory, sqlite_template):
    d = tmp_path_factory.mktemp("scope")
    shutil.copy(sqlite_template, d / "db.sqlite3")
    db = Database(make_engine(f"sqlite:///{d / 'db.sqlite3'}"))
    admin = Actor("admin", "admin")
    f.municipality(db, admin)
    names = ["Kari Nordmann", "Kari Hansen", "Ola [/bold] Nordmann", "Åse Øvrebø", "Per K-0001 Berg", "Lise"]
    for name in names:
        c = f.client(db, admin, name=name, national_id=f.valid_fnr())
        f.decision(db, admin, c.ref)
    records.create(db, admin, "supervisor", {"name": "Siv", "client_id": "K-0001", "since": "2024-01-01"})
    records.create(db, admin, "supervision", {"supervisor_id": "S-0001", "client_id": "K-0002", "since": "2024-01-01"})
    records.create(db, admin, "supervisor", {"name": "Stig", "client_id": "K-0003", "since": "2023-01-01"})
    sup3 = records.list_records(db, admin, "supervision", filters={"client_id": 3}).rows[0]
    records.end(db, admin, "supervision", sup3.id, sup3.version, "2025-01-01")
    records.create(db, admin, "supervision", {"supervisor_id": "S-0002", "client_id": "K-0004", "since": "2024-01-01"})
    records.create(db, admin, "supervisor", {"name": "Sara"})
    for number, clients in ASSIGNED.items():
        a = f.assistant(db, admin, name=f"Assistent {number}")
        f.employment(db, admin, a.ref)
        for c in clients:
            f.assignment(db, admin, a.ref, f"K-{c:04d}")
    with db.read() as s:
        sups = dict(s.execute(select(Supervisor.ref, Supervisor.id)).all())
        clients = dict(s.execute(select(Client.ref, Client.id)).all())
        assigned = {}
        for aid, cid in s.execute(select(Assignment.assistant_id, Assignment.client_id)).all():
            assigned.setdefault(aid, set()).add(cid)
    yield db, sups, clients, assigned
    db.dispose()


KINDS = ["client", "decision", "assignment", "supervision", "assistant", "supervisor", "employment", "municipality"]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sup=st.sampled_from(sorted(SUPERVISES)),
    kind=st.sampled_from(KINDS),
    search=st.one_of(
        st.sampled_from(["", "K-000", "Kari", "K-0003", "Assistent", "[/bold]", "%", "_", "Nordmann"]),
        st.text(max_size=6),
    ),
    offset=st.integers(0, 4),
    limit=st.integers(1, 20),
    via_listing=st.booleans(),
)
def test_supervisor_lists_never_leave_their_clients(world, sup, kind, search, offset, limit, via_listing):
    db, sups, clients, assigned = world
    actor = Actor("sup", "supervisor", supervisor_id=sups[sup])
    mine = {clients[f"K-{n:04d}"] for n in SUPERVISES[sup]}
    try:
        if via_listing:
            rows, _ = listing.rows(db, actor, kind, search=search, offset=offset, limit=limit)
            items = [(r.get("client_id", r["id"] if kind == "client" else None), r) for r in rows]
        else:
            page = records.list_records(db, actor, kind, search=search, offset=offset, limit=limit)
            items = [(getattr(r, "client_id", r.id if kind == "client" else None), r) for r in page.rows]
    except PermissionDenied:
        assert f"{records.SPECS[kind].area}.read" not in PERMISSIONS["supervisor"]
        return
    except ValidationError:
        return
    for client_id, row in items:
        if kind == "assistant":
            rid = row["id"] if isinstance(row, dict) else row.id
            assert assigned.get(rid, set()) & mine, f"assistant {rid} works for none of {sup}'s clients"
        else:
            assert client_id in mine, f"{kind} of client {client_id} shown to {sup}"
